"""Sending one webhook: resolve its host (refusing addresses webhooks may not reach), POST the
signed body with a timeout, answer the HTTP status. The standard library's `http.client`, run in a
thread: the services never load the web stack's HTTP clients (docs/architecture.md), and a
webhook needs one POST, no connection pool."""

from __future__ import annotations

import asyncio
import http.client
import socket
import ssl
from collections.abc import Iterable, Mapping

from annobatch import domain
from annobatch.domain import InvalidInput, WebhookTarget

#: What is read of an answer (it is not kept): enough to finish the exchange.
_ANSWER_BYTES = 4096


class SendFailed(Exception):
    """No HTTP answer: the host could not be reached, refused, timed out, or is not allowed."""


async def check_addresses(target: WebhookTarget, allowed: Iterable[str]) -> None:
    """Resolve the URL's host; refuse it (`InvalidInput`) when it does not resolve or any of its
    addresses is one webhooks may not reach (private, loopback, link-local … unless allowed)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise InvalidInput(
            f"the webhook URL's host {target.host!r} does not resolve to an address", "invalid-url"
        ) from None
    networks = tuple(allowed)
    for info in infos:
        refusal = domain.address_refusal(str(info[4][0]), networks)
        if refusal is not None:
            raise InvalidInput(f"the webhook URL's host {target.host!r} is refused: {refusal}", "invalid-url")


async def post(target: WebhookTarget, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
    """POST the body; the answer's status (`SendFailed` when there is none)."""
    return await asyncio.to_thread(_post, target, body, dict(headers), timeout)


def _post(target: WebhookTarget, body: bytes, headers: dict[str, str], timeout: float) -> int:
    parts = target.url.split("/", 3)
    path = "/" + (parts[3] if len(parts) > 3 else "")
    conn: http.client.HTTPConnection
    if target.scheme == "https":
        conn = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers=headers)
        answer = conn.getresponse()
        answer.read(_ANSWER_BYTES)
        return answer.status
    except (OSError, http.client.HTTPException) as e:
        what = "timed out" if isinstance(e, TimeoutError) else f"{type(e).__name__}: {e}"
        raise SendFailed(f"no answer from {target.host}:{target.port} ({what})") from None
    finally:
        conn.close()
