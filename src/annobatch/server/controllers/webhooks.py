"""Webhooks (ours; the official platform has none): an organization's subscriptions to events,
their delivery log, and replays. Another organization's subscription is not found (404)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from annobatch import presenters, schemas
from annobatch.server.dependencies import WRITE
from annobatch.services.identity import Caller
from annobatch.services.transactions import Write
from annobatch.services.webhooks import WebhookService

DeliveryLimit = Annotated[int, QueryParameter(ge=1, le=1000)]


class WebhookController(Controller):
    path = "/v1/webhooks"
    tags = ["webhooks"]

    @post(status_code=200, summary="Subscribe a URL to events (the answer holds its signing secret, once)",
          dependencies=WRITE)  # fmt: skip
    async def create_webhook(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        webhooks: NamedDependency[WebhookService],
        data: JSONBody[schemas.CreateWebhookRequest],
    ) -> schemas.Envelope[schemas.Webhook]:
        rec = await webhooks.subscribe(caller, data.url, data.events, data.description, write)
        return schemas.Envelope(presenters.webhook(rec, with_secret=True))

    @get(summary="The organization's webhook subscriptions")
    async def list_webhooks(
        self, caller: NamedDependency[Caller], webhooks: NamedDependency[WebhookService]
    ) -> schemas.Envelope[list[schemas.Webhook]]:
        return schemas.Envelope([presenters.webhook(w) for w in await webhooks.subscriptions(caller)])

    @get("/{webhook:str}", summary="One webhook subscription")
    async def get_webhook(
        self,
        caller: NamedDependency[Caller],
        webhooks: NamedDependency[WebhookService],
        webhook: FromPath[str],
    ) -> schemas.Envelope[schemas.Webhook]:
        return schemas.Envelope(presenters.webhook(await webhooks.subscription(caller, webhook)))

    @delete("/{webhook:str}", status_code=200, summary="Remove a webhook subscription and its delivery log")
    async def delete_webhook(
        self,
        caller: NamedDependency[Caller],
        webhooks: NamedDependency[WebhookService],
        webhook: FromPath[str],
    ) -> schemas.Envelope[dict[str, str]]:
        await webhooks.unsubscribe(caller, webhook)
        return schemas.Envelope({"id": webhook})

    @get("/{webhook:str}/deliveries", summary="A subscription's delivery log, newest first")
    async def list_deliveries(
        self,
        caller: NamedDependency[Caller],
        webhooks: NamedDependency[WebhookService],
        webhook: FromPath[str],
        limit: DeliveryLimit = 50,
    ) -> schemas.Envelope[list[schemas.WebhookDelivery]]:
        found = await webhooks.deliveries(caller, webhook, limit)
        return schemas.Envelope([presenters.webhook_delivery(d) for d in found])

    @post("/{webhook:str}/deliveries/{delivery:str}/replay", status_code=200,
          summary="Send a delivery's event again (a new delivery)")  # fmt: skip
    async def replay_delivery(
        self,
        caller: NamedDependency[Caller],
        webhooks: NamedDependency[WebhookService],
        webhook: FromPath[str],
        delivery: FromPath[str],
    ) -> schemas.Envelope[schemas.WebhookDelivery]:
        rec = await webhooks.replay(caller, webhook, delivery)
        return schemas.Envelope(presenters.webhook_delivery(rec))
