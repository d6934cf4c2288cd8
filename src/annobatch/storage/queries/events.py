"""The audit log: one entry per change, written in the change's transaction, read in pages by
project or batch. An entry about an input is filed in its scene's workspace; a reader bound to a
workspace gets the organization's own entries (projects, batches) and its workspace's."""

from __future__ import annotations

import sqlalchemy as sa

from annobatch.domain import WEBHOOK_EVENTS
from annobatch.storage import tables as t
from annobatch.storage.database import Tx
from annobatch.storage.queries._sql import Scoped, b, insert
from annobatch.storage.queries.webhooks import WebhookQueries
from annobatch.storage.records import EventRecord, now_micros
from annobatch.storage.scope import Scope

_E, _P, _B = t.events, t.projects, t.batches

Q_EVENT_INSERT = insert(_E, returning="id")
_WEBHOOK_KINDS = frozenset(WEBHOOK_EVENTS)


def is_webhook_kind(kind: str) -> bool:
    """Whether entries of this kind enqueue webhook deliveries (`EventQueries.add` does)."""
    return kind in _WEBHOOK_KINDS


_EVENT_COLS = (*_E.c, _P.c.external_id, _B.c.external_id)
_EVENTS = (
    sa.select(*_EVENT_COLS)
    .select_from(_E.join(_P, _P.c.id == _E.c.project_id).outerjoin(_B, _B.c.id == _E.c.batch_id))
    .where(_E.c.id > b("after"))
    .order_by(_E.c.id)
    .limit(b("limit"))
)
_IN_WORKSPACE = sa.or_(_E.c.workspace_id.is_(None), _E.c.workspace_id == b("ws"))
Q_EVENTS_OF_PROJECT = Scoped(_EVENTS.where(_E.c.project_id == b("project_id")), _IN_WORKSPACE)
Q_EVENTS_OF_BATCH = Scoped(_EVENTS.where(_E.c.batch_id == b("batch_id")), _IN_WORKSPACE)


class EventQueries:
    """`uow.events`: add an entry, read a page of a project's or a batch's entries after a cursor
    (an entry's id). Adding an entry of a kind webhooks may name also enqueues its deliveries to
    the organization's subscriptions (`WebhookQueries.enqueue_for_event`), in the same
    transaction: every writer of the audit log gets webhooks without knowing of them."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def add(
        self,
        org: int,
        project_id: int | None,
        batch_id: int | None,
        kind: str,
        actor: str,
        data: str,
        workspace_id: str | None = None,
    ) -> int:
        """An entry; `workspace_id` for one about a scene's input (the scene's workspace)."""
        values = {
            "organization_id": org,
            "project_id": project_id,
            "batch_id": batch_id,
            "kind": kind,
            "actor": actor,
            "data": data,
            "created": now_micros(),
            "workspace_id": workspace_id,
        }
        event_id = int(await self.tx.fetch_val(Q_EVENT_INSERT, values))
        if kind in _WEBHOOK_KINDS:
            await WebhookQueries(self.tx).enqueue_for_event(org, event_id, kind, workspace_id)
        return event_id

    async def page(
        self, scope: Scope, *, project_id: int, batch_id: int | None, after: int, limit: int
    ) -> list[EventRecord]:
        """A page of the entries the scope may read, of a project (or one of its batches)."""
        if batch_id is None:
            q, values = Q_EVENTS_OF_PROJECT.bind(scope, project_id=project_id, after=after, limit=limit)
        else:
            q, values = Q_EVENTS_OF_BATCH.bind(scope, batch_id=batch_id, after=after, limit=limit)
        return [EventRecord(*r) for r in await self.tx.fetch_all(q, values)]
