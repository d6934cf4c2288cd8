"""Webhooks: an organization's subscriptions to events of its audit log, and their deliveries.

An event of a kind webhooks may name (`domain.WEBHOOK_EVENTS`) enqueues, in its own transaction,
one delivery per matching subscription and a job that sends it (`storage.queries.webhooks`). The
job POSTs the event as JSON, signed (`domain.sign_webhook`); a 2xx answer delivers it, anything
else (another status, no answer within the timeout) is retried with pauses doubling for about a
day, then the delivery is dead-lettered (`failed`). The log keeps every delivery; any can be
replayed (a new delivery of the same event). Nothing here holds a request: sending happens only
in the job workers.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
from msgspec.structs import replace

from annobatch import domain
from annobatch.domain import NotFound, RetryPolicy
from annobatch.services.identity import Caller, load_signing_key
from annobatch.services.sealing import Sealer, Unreadable, is_sealed
from annobatch.services.transactions import Write, fingerprint, reading, run_write, transact, writing
from annobatch.services.webhook_sender import SendFailed, check_addresses, post
from annobatch.storage.database import Database
from annobatch.storage.queries.webhooks import DELIVERY_JOB
from annobatch.storage.records import (
    EventRecord,
    JobRecord,
    WebhookDeliveryRecord,
    WebhookSubscriptionRecord,
    now_micros,
)
from annobatch.storage.scope import Scope
from annobatch.storage.unit_of_work import UnitOfWork

__all__ = ["DELIVERY_JOB", "WebhookOptions", "WebhookService"]

MAX_DESCRIPTION = 200
MAX_SUBSCRIPTIONS = 100
#: The context of the key webhook signing secrets are sealed under (`sealing`).
_CONTEXT = b"annobatch webhook secrets v1"


@dataclass(frozen=True, slots=True)
class WebhookOptions:
    """Where webhooks may go and how they are sent (settings)."""

    #: plain http to any host (else only https, and http to loopback)
    allow_http: bool = False
    #: networks webhooks may reach although private, loopback or link-local ("127.0.0.0/8")
    allowed_networks: tuple[str, ...] = ()
    #: how long one attempt waits for an answer
    timeout_seconds: float = 10.0
    retries: RetryPolicy = domain.WEBHOOK_RETRIES


class WebhookService:
    """Subscriptions (an organization's, or its workspace's), their delivery log and replays, and
    the job that sends one delivery."""

    def __init__(self, db: Database, options: WebhookOptions | None = None, secret_key: str = "") -> None:
        self.db = db
        self.options = options or WebhookOptions()
        self.secret_key = secret_key
        self._sealer: Sealer | None = None

    async def sealer(self) -> Sealer:
        """Subscriptions keep their signing secret sealed (`sealing`), bound to the subscription."""
        if self._sealer is None:
            self._sealer = Sealer.derived(await load_signing_key(self.db, self.secret_key), _CONTEXT)
        return self._sealer

    async def secret(self, sub: WebhookSubscriptionRecord) -> str:
        """A subscription's signing secret in the clear (one stored before secrets were sealed is
        kept as it was)."""
        if not is_sealed(sub.secret):
            return sub.secret
        try:
            return (await self.sealer()).open(sub.secret, sub.id.encode()).decode()
        except Unreadable:
            raise SendFailed(
                f"the signing secret of webhook {sub.id} cannot be opened (the server's signing key "
                "changed since it was made?): remove the webhook and subscribe again"
            ) from None

    # ---------------------------------------------------------------------------- subscriptions

    async def subscribe(
        self, caller: Caller, url: str, events: Sequence[str], description: str | None, write: Write
    ) -> WebhookSubscriptionRecord:
        """A new subscription, its signing secret made here (shown once: the answer carries it).
        The URL is refused (400) unless https (or allowed http) and every address its host resolves
        to is one webhooks may reach."""
        kinds = domain.parse_webhook_events(events)
        target = domain.parse_webhook_url(url, allow_http=self.options.allow_http)
        if description is not None and len(description) > MAX_DESCRIPTION:
            raise domain.InvalidInput(
                f"a description is at most {MAX_DESCRIPTION} characters", "invalid-body"
            )
        await check_addresses(target, self.options.allowed_networks)
        sub_id = str(uuid.uuid4())
        sealed = (await self.sealer()).seal(("whsec_" + secrets.token_urlsafe(32)).encode(), sub_id.encode())

        async def produce(uow: UnitOfWork) -> WebhookSubscriptionRecord:
            if len(await uow.webhooks.subscriptions(caller.scope)) >= MAX_SUBSCRIPTIONS:
                raise domain.Conflict(
                    f"at most {MAX_SUBSCRIPTIONS} webhook subscriptions per organization", "too-many-webhooks"
                )
            ws = None if caller.is_staff else caller.workspace_id
            rec = WebhookSubscriptionRecord(
                sub_id, caller.org, ws, url, ",".join(kinds), sealed, description, now_micros()
            )
            await uow.webhooks.subscribe(rec)
            return rec

        fp = fingerprint("webhook", url, list(kinds), description)
        # Sealed in the database and in the idempotency record; the answer carries it in the clear.
        made = await run_write(self.db, caller, write, fp, WebhookSubscriptionRecord, produce)
        return replace(made, secret=await self.secret(made))

    async def subscriptions(self, caller: Caller) -> list[WebhookSubscriptionRecord]:
        async with reading(self.db) as uow:
            return await uow.webhooks.subscriptions(caller.scope)

    async def subscription(self, caller: Caller, sub_id: str) -> WebhookSubscriptionRecord:
        async with reading(self.db) as uow:
            return await _load(uow, caller, sub_id)

    async def unsubscribe(self, caller: Caller, sub_id: str) -> None:
        """The subscription and its delivery log go; deliveries still queued send nothing."""
        async with writing(self.db) as uow:
            await _load(uow, caller, sub_id)
            await uow.webhooks.unsubscribe(sub_id)

    async def deliveries(self, caller: Caller, sub_id: str, limit: int = 50) -> list[WebhookDeliveryRecord]:
        """The subscription's delivery log, newest first."""
        async with reading(self.db) as uow:
            await _load(uow, caller, sub_id)
            return await uow.webhooks.deliveries(sub_id, limit)

    async def replay(self, caller: Caller, sub_id: str, delivery_id: str) -> WebhookDeliveryRecord:
        """Send a delivery's event again, as a new delivery (the log keeps the first)."""

        async def produce(uow: UnitOfWork) -> WebhookDeliveryRecord:
            sub = await _load(uow, caller, sub_id)
            old = await uow.webhooks.delivery(delivery_id, sub.id)
            if old is None:
                raise NotFound(f"no delivery {delivery_id} of webhook {sub_id}", "delivery-not-found")
            return await uow.webhooks.deliver(sub, old.event_id, old.event)

        return await transact(self.db, produce)

    # ---------------------------------------------------------------------------- sending

    async def deliver(self, job: JobRecord) -> None:
        """The job of one delivery: send it once. Raises when it must be tried again; a delivery
        already delivered, or whose subscription is gone, is done."""
        async with reading(self.db) as uow:
            delivery = await uow.webhooks.delivery(job.payload)
            sub = (
                None
                if delivery is None
                else await uow.webhooks.subscription(
                    Scope(delivery.organization_id), delivery.subscription_id
                )
            )
            event = None if delivery is None else await uow.webhooks.event(delivery.event_id)
        if delivery is None or sub is None or event is None or delivery.status == "delivered":
            return
        status, error = await self._send(sub, delivery, event)
        delivered = status is not None and 200 <= status < 300
        last = job.attempts >= self.options.retries.attempts
        state = "delivered" if delivered else "failed" if last else "pending"
        async with writing(self.db) as uow:
            # Counted per delivery: a dead job staff retry goes on counting.
            await uow.webhooks.record_attempt(delivery.id, state, delivery.attempts + 1, status, error)
        if not delivered:
            raise SendFailed(error or f"the endpoint answered {status}")

    async def _send(
        self, sub: WebhookSubscriptionRecord, delivery: WebhookDeliveryRecord, event: EventRecord
    ) -> tuple[int | None, str | None]:
        body = msgspec.json.encode(payload(delivery, event))
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "annobatch-webhooks/1",
            domain.WEBHOOK_ID_HEADER: delivery.id,
            domain.TIMESTAMP_HEADER: str(timestamp),
        }
        try:
            headers[domain.SIGNATURE_HEADER] = domain.sign_webhook(await self.secret(sub), timestamp, body)
            target = domain.parse_webhook_url(sub.url, allow_http=self.options.allow_http)
            await check_addresses(target, self.options.allowed_networks)  # the host may have moved
            status = await post(target, body, headers, self.options.timeout_seconds)
        except (SendFailed, domain.InvalidInput) as e:
            return None, str(e)
        return status, None if 200 <= status < 300 else f"the endpoint answered {status}"


def payload(delivery: WebhookDeliveryRecord, event: EventRecord) -> dict[str, Any]:
    """What a delivery POSTs: the event as the audit log has it (docs/webhooks.md)."""
    data: dict[str, Any] = msgspec.json.decode(event.data)
    return {
        "id": delivery.id,
        "type": event.kind,
        "eventId": event.id,
        "created": datetime.fromtimestamp(event.created / 1_000_000, UTC).isoformat(),
        "project": event.project or None,
        "batch": event.batch,
        "actor": event.actor,
        "data": data,
    }


async def _load(uow: UnitOfWork, caller: Caller, sub_id: str) -> WebhookSubscriptionRecord:
    sub = await uow.webhooks.subscription(caller.scope, sub_id)
    if sub is None:
        raise NotFound(f"no webhook {sub_id}", "webhook-not-found")
    return sub
