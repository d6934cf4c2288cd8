"""IMU data: a lidar scene's ego motion, sent before the scene that names it and kept whole."""

from __future__ import annotations

import sqlalchemy as sa

from annobatch.storage import tables as t
from annobatch.storage.database import Tx
from annobatch.storage.queries._sql import Scoped, b, insert, params
from annobatch.storage.records import ImuRecord
from annobatch.storage.scope import Scope

_U = t.imu_data

Q_IMU_INSERT = insert(_U)
Q_IMU = Scoped(
    sa.select(*_U.c).where(_U.c.id == b("id"), _U.c.organization_id == b("org")), _U.c.workspace_id == b("ws")
)


class ImuQueries:
    """`uow.imu`: store a scene's IMU data, find it by id."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def create(self, rec: ImuRecord) -> None:
        await self.tx.execute(Q_IMU_INSERT, params(rec))

    async def get(self, scope: Scope, imu_id: str) -> ImuRecord | None:
        row = await self.tx.fetch_one(*Q_IMU.bind(scope, id=imu_id))
        return None if row is None else ImuRecord(*row)
