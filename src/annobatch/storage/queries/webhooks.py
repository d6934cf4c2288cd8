"""Webhook subscriptions and their delivery log.

`enqueue_for_event` runs inside `uow.events.add` for the kinds a subscription may name: one
delivery row and one job per matching subscription, in the transaction of the change the event
records, so that a delivery exists exactly when the change committed.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from annobatch.domain import WEBHOOK_RETRIES
from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import Scoped, b, insert, params
from annobatch.storage.queries.jobs import JobQueries
from annobatch.storage.records import (
    EventRecord,
    WebhookDeliveryRecord,
    WebhookSubscriptionRecord,
    now_micros,
)
from annobatch.storage.scope import Scope

_S, _D = t.webhook_subscriptions, t.webhook_deliveries
_E, _P, _B = t.events, t.projects, t.batches
#: The job kind of a delivery (its payload: the delivery's id).
DELIVERY_JOB = "webhook.deliver"

Q_SUB_INSERT = insert(_S)
_OF_ORG = sa.select(_S).where(_S.c.organization_id == b("org"))
Q_SUBS = Scoped(_OF_ORG.order_by(_S.c.created, _S.c.id), _S.c.workspace_id == b("ws"))
Q_SUB = Scoped(_OF_ORG.where(_S.c.id == b("id")), _S.c.workspace_id == b("ws"))


def _names_event(find: Any) -> Any:
    """The subscription names the event (`needle`: ",kind,") among its comma-separated events.
    A substring search, not LIKE: SQLite prepares a statement again on every run when a LIKE
    pattern is a parameter (~80 µs, on every write that records an event)."""
    return find(sa.literal(",") + _S.c.events + sa.literal(","), b("needle")) > 0


def _matching(*more: Any) -> Query:
    return Query(
        _OF_ORG.where(_names_event(sa.func.strpos), *more),
        sqlite=_OF_ORG.where(_names_event(sa.func.instr), *more),
    )


# An event of a workspace goes to the organization's subscriptions and that workspace's; an event
# of the organization itself (a project's, a batch's) to all of them.
Q_MATCHING_ORG_EVENT = _matching()
Q_MATCHING_WS_EVENT = _matching(sa.or_(_S.c.workspace_id.is_(None), _S.c.workspace_id == b("ws")))
Q_SUB_DELETE = Query(sa.delete(_S).where(_S.c.id == b("id")))
Q_SUB_DELIVERIES_DELETE = Query(sa.delete(_D).where(_D.c.subscription_id == b("id")))

Q_DELIVERY_INSERT = insert(_D)
Q_DELIVERY = Query(sa.select(_D).where(_D.c.id == b("id")))
Q_DELIVERY_OF_SUB = Query(sa.select(_D).where(_D.c.id == b("id"), _D.c.subscription_id == b("sub")))
Q_DELIVERIES = Query(
    sa.select(_D)
    .where(_D.c.subscription_id == b("sub"))
    .order_by(_D.c.created.desc(), _D.c.id.desc())
    .limit(b("limit"))
)
Q_DELIVERY_RESULT = Query(
    sa.update(_D)
    .where(_D.c.id == b("id"))
    .values(
        status=b("status"), attempts=b("attempts"), response_status=b("response_status"),
        last_error=b("last_error"), updated=b("now"),
    )
)  # fmt: skip
Q_EVENT = Query(
    sa.select(*_E.c, sa.func.coalesce(_P.c.external_id, ""), _B.c.external_id)
    .select_from(_E.outerjoin(_P, _P.c.id == _E.c.project_id).outerjoin(_B, _B.c.id == _E.c.batch_id))
    .where(_E.c.id == b("id"))
)


class WebhookQueries:
    """`uow.webhooks`: subscriptions (scoped to an organization, or one of its workspaces), the
    delivery log, and the deliveries an event causes."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def subscribe(self, sub: WebhookSubscriptionRecord) -> None:
        await self.tx.execute(Q_SUB_INSERT, params(sub))

    async def subscriptions(self, scope: Scope) -> list[WebhookSubscriptionRecord]:
        q, values = Q_SUBS.bind(scope)
        return [WebhookSubscriptionRecord(*r) for r in await self.tx.fetch_all(q, values)]

    async def subscription(self, scope: Scope, sub_id: str) -> WebhookSubscriptionRecord | None:
        q, values = Q_SUB.bind(scope, id=sub_id)
        row = await self.tx.fetch_one(q, values)
        return None if row is None else WebhookSubscriptionRecord(*row)

    async def unsubscribe(self, sub_id: str) -> None:
        """The subscription and its delivery log (a queued delivery of it finds nothing to send)."""
        await self.tx.execute(Q_SUB_DELIVERIES_DELETE, {"id": sub_id})
        await self.tx.execute(Q_SUB_DELETE, {"id": sub_id})

    async def enqueue_for_event(self, org: int, event_id: int, kind: str, workspace_id: str | None) -> int:
        """A delivery and its job for every subscription of the organization naming `kind`;
        answers how many."""
        values = {"org": org, "needle": f",{kind},"}
        if workspace_id is None:
            rows = await self.tx.fetch_all(Q_MATCHING_ORG_EVENT, values)
        else:
            rows = await self.tx.fetch_all(Q_MATCHING_WS_EVENT, {**values, "ws": workspace_id})
        for row in rows:
            await self.deliver(WebhookSubscriptionRecord(*row), event_id, kind)
        return len(rows)

    async def deliver(
        self, sub: WebhookSubscriptionRecord, event_id: int, kind: str
    ) -> WebhookDeliveryRecord:
        """A new delivery of an event to a subscription, and the job that sends it."""
        now = now_micros()
        rec = WebhookDeliveryRecord(
            str(uuid.uuid4()), sub.id, sub.organization_id, event_id, kind, "pending", 0, None, None, now, now
        )
        await self.tx.execute(Q_DELIVERY_INSERT, params(rec))
        await JobQueries(self.tx).enqueue(
            DELIVERY_JOB, rec.id, now=now, max_attempts=WEBHOOK_RETRIES.attempts, org=sub.organization_id
        )
        return rec

    async def delivery(self, delivery_id: str, sub_id: str | None = None) -> WebhookDeliveryRecord | None:
        """A delivery by id (of one subscription, when named)."""
        if sub_id is None:
            row = await self.tx.fetch_one(Q_DELIVERY, {"id": delivery_id})
        else:
            row = await self.tx.fetch_one(Q_DELIVERY_OF_SUB, {"id": delivery_id, "sub": sub_id})
        return None if row is None else WebhookDeliveryRecord(*row)

    async def deliveries(self, sub_id: str, limit: int) -> list[WebhookDeliveryRecord]:
        """A subscription's delivery log, newest first."""
        rows = await self.tx.fetch_all(Q_DELIVERIES, {"sub": sub_id, "limit": limit})
        return [WebhookDeliveryRecord(*r) for r in rows]

    async def record_attempt(
        self, delivery_id: str, status: str, attempts: int, response_status: int | None, error: str | None
    ) -> None:
        values = {
            "id": delivery_id, "status": status, "attempts": attempts, "response_status": response_status,
            "last_error": None if error is None else error[:2000], "now": now_micros(),
        }  # fmt: skip
        await self.tx.execute(Q_DELIVERY_RESULT, values)

    async def event(self, event_id: int) -> EventRecord | None:
        """The audit log entry a delivery sends."""
        row = await self.tx.fetch_one(Q_EVENT, {"id": event_id})
        return None if row is None else EventRecord(*row)
