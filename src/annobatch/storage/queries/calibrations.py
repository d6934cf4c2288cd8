"""Calibrations: a workspace's sensor calibrations, which a scene names by id when it is created."""

from __future__ import annotations

import sqlalchemy as sa

from annobatch.storage import tables as t
from annobatch.storage.database import Tx
from annobatch.storage.queries._sql import Scoped, b, insert, params
from annobatch.storage.records import CalibrationRecord
from annobatch.storage.scope import Scope

_C = t.calibrations

Q_CAL_INSERT = insert(_C)
_IN_WORKSPACE = _C.c.workspace_id == b("ws")
Q_CAL = Scoped(sa.select(*_C.c).where(_C.c.id == b("id"), _C.c.organization_id == b("org")), _IN_WORKSPACE)
Q_CALS = Scoped(
    sa.select(*_C.c).where(_C.c.organization_id == b("org")).order_by(_C.c.created, _C.c.id), _IN_WORKSPACE
)
Q_CALS_BY_EXT = Scoped(
    sa.select(*_C.c)
    .where(_C.c.organization_id == b("org"), _C.c.external_id == b("external_id"))
    .order_by(_C.c.created, _C.c.id),
    _IN_WORKSPACE,
)


class CalibrationQueries:
    """`uow.calibrations`: create, find by id, list a scope's (by external id too)."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def create(self, rec: CalibrationRecord) -> None:
        await self.tx.execute(Q_CAL_INSERT, params(rec))

    async def get(self, scope: Scope, calibration_id: str) -> CalibrationRecord | None:
        row = await self.tx.fetch_one(*Q_CAL.bind(scope, id=calibration_id))
        return None if row is None else CalibrationRecord(*row)

    async def of(self, scope: Scope, external_id: str | None = None) -> list[CalibrationRecord]:
        """The scope's calibrations, oldest first; with `external_id`, only those."""
        if external_id is None:
            rows = await self.tx.fetch_all(*Q_CALS.bind(scope))
        else:
            rows = await self.tx.fetch_all(*Q_CALS_BY_EXT.bind(scope, external_id=external_id))
        return [CalibrationRecord(*r) for r in rows]
