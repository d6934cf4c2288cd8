"""`annobatch webhooks`: an organization's webhook subscriptions, their delivery log, replays.
Made here, a subscription is the organization's (every workspace's events)."""

from __future__ import annotations

from typing import Any

import click

from annobatch.cli._tables import print_json
from annobatch.cli.operator.base import ORG_OPTION, common_options, env, info, iso, print_table, run, when
from annobatch.cli.operator.jobs import full_settings
from annobatch.domain import WEBHOOK_EVENTS
from annobatch.services import Services
from annobatch.services.identity import operator
from annobatch.services.transactions import Write
from annobatch.storage.records import WebhookDeliveryRecord, WebhookSubscriptionRecord


def _sub_json(s: WebhookSubscriptionRecord, secret: bool = False) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": s.id, "url": s.url, "events": s.events.split(","), "description": s.description,
        "created": iso(s.created),
    }  # fmt: skip
    if secret:
        shown["secret"] = s.secret
    return shown


def _delivery_json(d: WebhookDeliveryRecord) -> dict[str, Any]:
    return {
        "id": d.id, "webhook": d.subscription_id, "event": d.event, "eventId": d.event_id, "status": d.status,
        "attempts": d.attempts, "responseStatus": d.response_status, "error": d.last_error,
        "created": iso(d.created), "updated": iso(d.updated),
    }  # fmt: skip


@click.group()
def webhooks() -> None:
    """Webhook subscriptions: events POSTed, signed, to an organization's URL."""


@webhooks.command("add")
@ORG_OPTION
@click.option("--url", required=True, metavar="URL", help="https://… (http only to loopback, or if allowed).")
@click.option(
    "--event", "events", multiple=True, metavar="EVENT",
    help=f"An event to send (repeat; default all): {', '.join(WEBHOOK_EVENTS)}.",
)  # fmt: skip
@click.option("--description", metavar="TEXT", help="What the subscription is for.")
@common_options
def webhooks_add(org_ref: str, url: str, events: tuple[str, ...], description: str | None) -> None:
    """Subscribe URL to ORG's events; prints the signing secret (shown this once)."""

    async def work(ops: Services) -> WebhookSubscriptionRecord:
        o = await ops.accounts.find_organization(org_ref)
        return await ops.webhooks.subscribe(operator(o.id), url, list(events) or ["*"], description, Write())

    sub = run(work, settings=full_settings())
    if env().as_json:
        print_json(_sub_json(sub, secret=True))
    else:
        print_table(
            ["id", "url", "events", "secret"], [(sub.id, sub.url, sub.events.replace(",", ", "), sub.secret)]
        )
        info("keep the secret: it signs every delivery and is not shown again")


@webhooks.command("list")
@ORG_OPTION
@common_options
def webhooks_list(org_ref: str) -> None:
    """ORG's webhook subscriptions (never their secrets)."""

    async def work(ops: Services) -> list[WebhookSubscriptionRecord]:
        o = await ops.accounts.find_organization(org_ref)
        return await ops.webhooks.subscriptions(operator(o.id))

    subs = run(work)
    if env().as_json:
        print_json([_sub_json(s) for s in subs])
    else:
        print_table(
            ["id", "url", "events", "description", "created"],
            [(s.id, s.url, s.events.replace(",", ", "), s.description or "", when(s.created)) for s in subs],
        )


@webhooks.command("remove")
@ORG_OPTION
@click.argument("webhook_id", metavar="ID")
@common_options
def webhooks_remove(org_ref: str, webhook_id: str) -> None:
    """Remove a subscription and its delivery log."""

    async def work(ops: Services) -> None:
        o = await ops.accounts.find_organization(org_ref)
        await ops.webhooks.unsubscribe(operator(o.id), webhook_id)

    run(work)
    info(f"webhook {webhook_id} removed")


@webhooks.command("deliveries")
@ORG_OPTION
@click.argument("webhook_id", metavar="ID")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@common_options
def webhooks_deliveries(org_ref: str, webhook_id: str, limit: int) -> None:
    """A subscription's delivery log, newest first: pending, delivered, or failed (dead-lettered)."""

    async def work(ops: Services) -> list[WebhookDeliveryRecord]:
        o = await ops.accounts.find_organization(org_ref)
        return await ops.webhooks.deliveries(operator(o.id), webhook_id, limit)

    found = run(work)
    if env().as_json:
        print_json([_delivery_json(d) for d in found])
    else:
        print_table(
            ["id", "event", "status", "attempts", "answer", "error", "updated"],
            [
                (
                    d.id,
                    d.event,
                    d.status,
                    d.attempts,
                    d.response_status or "",
                    d.last_error or "",
                    when(d.updated),
                )
                for d in found
            ],
        )


@webhooks.command("replay")
@ORG_OPTION
@click.argument("webhook_id", metavar="ID")
@click.argument("delivery_id", metavar="DELIVERY")
@common_options
def webhooks_replay(org_ref: str, webhook_id: str, delivery_id: str) -> None:
    """Send a delivery's event again, as a new delivery (a job worker sends it)."""

    async def work(ops: Services) -> WebhookDeliveryRecord:
        o = await ops.accounts.find_organization(org_ref)
        return await ops.webhooks.replay(operator(o.id), webhook_id, delivery_id)

    d = run(work)
    if env().as_json:
        print_json(_delivery_json(d))
    else:
        info(f"delivery {d.id} queued (event {d.event_id}, {d.event})")
