"""Credentials: the client ids and hashed secrets that get tokens, and their revocation."""

from __future__ import annotations

import sqlalchemy as sa
from msgspec.structs import replace

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import b, insert, params
from annobatch.storage.records import CredentialRecord

_C = t.credentials

Q_CRED_INSERT = insert(_C)
Q_CRED_BY_ID = Query(sa.select(*_C.c).where(_C.c.client_id == b("client_id")))
Q_CRED_REVOKE = Query(sa.update(_C).where(_C.c.client_id == b("client_id")).values(revoked=True))


class CredentialQueries:
    """`uow.credentials`: create, find by client id, revoke."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def create(self, cred: CredentialRecord) -> CredentialRecord:
        await self.tx.execute(Q_CRED_INSERT, params(cred))
        return cred

    async def get(self, client_id: str) -> CredentialRecord | None:
        row = await self.tx.fetch_one(Q_CRED_BY_ID, {"client_id": client_id})
        if row is None:
            return None
        r = CredentialRecord(*row)
        return replace(r, revoked=bool(r.revoked))  # SQLite answers 0/1

    async def revoke(self, client_id: str) -> None:
        await self.tx.execute(Q_CRED_REVOKE, {"client_id": client_id})
