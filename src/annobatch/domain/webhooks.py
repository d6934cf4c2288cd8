"""Webhooks: which events an organization may subscribe to, which URLs it may name, and how a
delivery is signed.

A delivery's body is signed with the subscription's secret: HMAC-SHA256 over
`timestamp + "." + body` (the timestamp in whole seconds since the epoch, as sent in
`Annobatch-Webhook-Timestamp`), hex, sent as `Annobatch-Webhook-Signature: v1=<hex>`. A receiver
recomputes it and refuses a timestamp further than `SIGNATURE_TOLERANCE_SECONDS` from its clock
(docs/webhooks.md).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from annobatch.domain.errors import InvalidInput
from annobatch.domain.jobs import RetryPolicy

__all__ = [
    "SIGNATURE_HEADER",
    "SIGNATURE_TOLERANCE_SECONDS",
    "TIMESTAMP_HEADER",
    "WEBHOOK_EVENTS",
    "WEBHOOK_ID_HEADER",
    "WEBHOOK_RETRIES",
    "WebhookTarget",
    "address_refusal",
    "parse_webhook_events",
    "parse_webhook_url",
    "sign_webhook",
]

#: The events a subscription may name, as the audit log calls them.
WEBHOOK_EVENTS = (
    "annotation.delivered",  # an input's annotation is delivered to the client
    "annotation.reviewed",  # the client posted a review of a delivered annotation
    "batch.transitioned",  # a batch moved (open → ready → in-progress → completed …)
    "input.auto-reviewed",  # an automatic review was posted on an input
    "input.created",  # an input went into its batch (its scene being processed: input.failed may follow)
    "input.failed",  # an input's scene failed its processing (`error` says why)
)
TIMESTAMP_HEADER = "Annobatch-Webhook-Timestamp"
SIGNATURE_HEADER = "Annobatch-Webhook-Signature"
WEBHOOK_ID_HEADER = "Annobatch-Webhook-Id"
SIGNATURE_TOLERANCE_SECONDS = 300
#: A delivery that keeps failing is tried for about a day (20 attempts: pauses doubling from 30 s
#: to 2 h), then dead-lettered: the delivery log shows it and it can be replayed.
WEBHOOK_RETRIES = RetryPolicy(attempts=20, base_seconds=30.0, cap_seconds=7200.0)
MAX_URL_LENGTH = 2048


def parse_webhook_events(events: Sequence[str]) -> tuple[str, ...]:
    """The events a subscription names: at least one, each one of `WEBHOOK_EVENTS`
    (`*`: all of them)."""
    if not events:
        raise InvalidInput("name at least one event to subscribe to", "invalid-events")
    if "*" in events:
        return WEBHOOK_EVENTS
    unknown = sorted(set(events) - set(WEBHOOK_EVENTS))
    if unknown:
        raise InvalidInput(
            f"unknown event {', '.join(unknown)}; the events are {', '.join(WEBHOOK_EVENTS)}",
            "invalid-events",
        )
    return tuple(sorted(set(events)))


class WebhookTarget:
    """A URL a subscription may name, taken apart: its host (to resolve) and port."""

    __slots__ = ("host", "port", "scheme", "url")

    def __init__(self, url: str, scheme: str, host: str, port: int) -> None:
        self.url, self.scheme, self.host, self.port = url, scheme, host, port


def parse_webhook_url(url: str, *, allow_http: bool = False) -> WebhookTarget:
    """An https URL (or http to a loopback address, or any http when `allow_http`), with a host,
    no credentials and no fragment."""
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput(f"the webhook URL is longer than {MAX_URL_LENGTH} characters", "invalid-url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidInput(f"{url!r} is not a URL", "invalid-url") from None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidInput("a webhook URL is https://host/path", "invalid-url")
    if parts.username is not None or parts.password is not None or parts.fragment:
        raise InvalidInput("a webhook URL has no user, password or #fragment", "invalid-url")
    if parts.scheme == "http" and not (allow_http or _is_loopback_name(host)):
        raise InvalidInput(
            "a webhook URL must be https (plain http only to a loopback address)", "invalid-url"
        )
    return WebhookTarget(url, parts.scheme, host, port or (443 if parts.scheme == "https" else 80))


def _is_loopback_name(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def address_refusal(address: str, allowed: Iterable[str] = ()) -> str | None:
    """Why a webhook may not be sent to this resolved address (None: it may): only public
    addresses, never private, loopback, link-local, multicast or reserved ones, unless within one
    of the `allowed` networks (a setting)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for network in allowed:
        if ip in ipaddress.ip_network(network, strict=False):
            return None
    if ip.is_global and not ip.is_multicast:
        return None
    what = "loopback" if ip.is_loopback else "link-local" if ip.is_link_local else "private or reserved"
    return f"it resolves to {ip}, a {what} address, where webhooks are not sent"


def sign_webhook(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for a body sent at `timestamp` (seconds since the epoch)."""
    signed = str(timestamp).encode() + b"." + body
    return "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
