"""Organizations: the tenants. Every other row belongs to one, and every read a caller makes is
narrowed to theirs."""

from __future__ import annotations

import sqlalchemy as sa

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import b, insert
from annobatch.storage.records import OrganizationRecord, now_micros

_O = t.organizations

Q_ORG_INSERT = insert(_O, returning="id")
_RECORD = (_O.c.id, _O.c.name, _O.c.created)
Q_ORG_BY_ID = Query(sa.select(*_RECORD).where(_O.c.id == b("id")))
Q_ORG_BY_NAME = Query(sa.select(*_RECORD).where(_O.c.name == b("name")))
Q_ORGS = Query(sa.select(*_RECORD).order_by(_O.c.id))


class OrganizationQueries:
    """`uow.organizations`: create, find by id or name, list."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def create(self, name: str) -> OrganizationRecord:
        created = now_micros()
        oid = await self.tx.fetch_val(
            Q_ORG_INSERT, {"name": name, "created": created, "projects_revision": 0}
        )
        return OrganizationRecord(oid, name, created)

    async def by_id(self, org_id: int) -> OrganizationRecord | None:
        """By id only: what an API caller names (`X-Organization-Id`, `organizationIds`)."""
        row = await self.tx.fetch_one(Q_ORG_BY_ID, {"id": org_id})
        return None if row is None else OrganizationRecord(*row)

    async def get(self, id_or_name: int | str) -> OrganizationRecord | None:
        """By id (an int or a string of digits), else by name: the operator CLI takes either."""
        if isinstance(id_or_name, int) or (isinstance(id_or_name, str) and id_or_name.isdigit()):
            row = await self.tx.fetch_one(Q_ORG_BY_ID, {"id": int(id_or_name)})
            if row is not None:
                return OrganizationRecord(*row)
        row = await self.tx.fetch_one(Q_ORG_BY_NAME, {"name": str(id_or_name)})
        return None if row is None else OrganizationRecord(*row)

    async def all(self) -> list[OrganizationRecord]:
        return [OrganizationRecord(*r) for r in await self.tx.fetch_all(Q_ORGS)]
