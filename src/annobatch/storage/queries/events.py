"""The audit log: one entry per change, written in the change's transaction, read in pages by
project or batch."""

from __future__ import annotations

import sqlalchemy as sa

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import b, insert
from annobatch.storage.records import EventRecord, now_micros

_E, _P, _B = t.events, t.projects, t.batches

Q_EVENT_INSERT = insert(_E, returning="id")
_EVENT_COLS = (*_E.c, _P.c.external_id, _B.c.external_id)
_EVENTS = (
    sa.select(*_EVENT_COLS)
    .select_from(_E.join(_P, _P.c.id == _E.c.project_id).outerjoin(_B, _B.c.id == _E.c.batch_id))
    .where(_E.c.id > b("after"))
    .order_by(_E.c.id)
    .limit(b("limit"))
)
Q_EVENTS_OF_PROJECT = Query(_EVENTS.where(_E.c.project_id == b("project_id")))
Q_EVENTS_OF_BATCH = Query(_EVENTS.where(_E.c.batch_id == b("batch_id")))


class EventQueries:
    """`uow.events`: add an entry, read a page of a project's or a batch's entries after a cursor
    (an entry's id)."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def add(
        self, org: int, project_id: int, batch_id: int | None, kind: str, actor: str, data: str
    ) -> int:
        values = {
            "organization_id": org,
            "project_id": project_id,
            "batch_id": batch_id,
            "kind": kind,
            "actor": actor,
            "data": data,
            "created": now_micros(),
        }
        return int(await self.tx.fetch_val(Q_EVENT_INSERT, values))

    async def page(
        self, *, project_id: int, batch_id: int | None, after: int, limit: int
    ) -> list[EventRecord]:
        if batch_id is None:
            rows = await self.tx.fetch_all(
                Q_EVENTS_OF_PROJECT, {"project_id": project_id, "after": after, "limit": limit}
            )
        else:
            rows = await self.tx.fetch_all(
                Q_EVENTS_OF_BATCH, {"batch_id": batch_id, "after": after, "limit": limit}
            )
        return [EventRecord(*r) for r in rows]
