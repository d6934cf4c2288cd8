"""Calibrations: a workspace's sensor calibrations, which a scene names by id when it is created."""

from __future__ import annotations

import sqlalchemy as sa

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import b, insert, params
from annobatch.storage.records import CalibrationRecord

_C = t.calibrations

Q_CAL_INSERT = insert(_C)
Q_CAL = Query(sa.select(*_C.c).where(_C.c.id == b("id"), _C.c.organization_id == b("org")))
Q_CALS = Query(sa.select(*_C.c).where(_C.c.organization_id == b("org")).order_by(_C.c.created, _C.c.id))
Q_CALS_BY_EXT = Query(
    sa.select(*_C.c)
    .where(_C.c.organization_id == b("org"), _C.c.external_id == b("external_id"))
    .order_by(_C.c.created, _C.c.id)
)


class CalibrationQueries:
    """`uow.calibrations`: create, find by id, list an organization's (by external id too)."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def create(self, rec: CalibrationRecord) -> None:
        await self.tx.execute(Q_CAL_INSERT, params(rec))

    async def get(self, org: int, calibration_id: str) -> CalibrationRecord | None:
        row = await self.tx.fetch_one(Q_CAL, {"id": calibration_id, "org": org})
        return None if row is None else CalibrationRecord(*row)

    async def of(self, org: int, external_id: str | None = None) -> list[CalibrationRecord]:
        """The organization's calibrations, oldest first; with `external_id`, only those."""
        if external_id is None:
            rows = await self.tx.fetch_all(Q_CALS, {"org": org})
        else:
            rows = await self.tx.fetch_all(Q_CALS_BY_EXT, {"org": org, "external_id": external_id})
        return [CalibrationRecord(*r) for r in rows]
