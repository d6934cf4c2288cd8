"""Workspaces: where an organization's scenes, calibrations and IMU data are filed. A credential
may be bound to one."""

from __future__ import annotations

import sqlalchemy as sa

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import b, insert, params
from annobatch.storage.records import WorkspaceRecord

_W = t.workspaces

Q_WS_INSERT = insert(_W)
Q_WS_BY_ORG = Query(sa.select(*_W.c).where(_W.c.organization_id == b("org")).order_by(_W.c.created, _W.c.id))
Q_WS_BY_ID = Query(sa.select(*_W.c).where(_W.c.id == b("id")))


class WorkspaceQueries:
    """`uow.workspaces`: create, find by id, an organization's in order of creation."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def create(self, ws: WorkspaceRecord) -> WorkspaceRecord:
        await self.tx.execute(Q_WS_INSERT, params(ws))
        return ws

    async def of(self, org: int) -> list[WorkspaceRecord]:
        return [WorkspaceRecord(*r) for r in await self.tx.fetch_all(Q_WS_BY_ORG, {"org": org})]

    async def get(self, workspace_id: str) -> WorkspaceRecord | None:
        """Any organization's: the caller checks that it is theirs."""
        row = await self.tx.fetch_one(Q_WS_BY_ID, {"id": workspace_id})
        return None if row is None else WorkspaceRecord(*row)
