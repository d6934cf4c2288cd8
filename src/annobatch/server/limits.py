"""Bounded body reads: a client that stops sending a body it announced (a `Content-Length` and no
body, or a trickle) is answered 408 and its connection closed, instead of holding a connection and
a request of a worker for as long as it likes.

granian bounds the time to read a request's headers (`annobatch serve` sets it from
`Settings.header_read_timeout_seconds`) but not the time to read its body: each `receive` of a
body is given a deadline here. A body may pause for at most `idle_seconds`, and must keep up an
average of `MIN_BODY_RATE` bytes a second past its first `idle_seconds` (so that one byte every
little while does not hold a connection forever either, while the slowest real upload does not
come close).

An answer given before the body was read (401, 403, 404, 413…) is followed by reading the rest of
the body, up to `DRAIN_BYTES` and `DRAIN_SECONDS`, and throwing it away: a server that closes a
connection with unread bytes in it resets the connection (TCP RST), and a proxy in front of it
(haproxy) then loses the answer it was about to forward and drops the client's connection, which
the client sees as a server that went away instead of the error it should read.
"""

from __future__ import annotations

import asyncio
import time

from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

#: The slowest average a request body may arrive at, after its first `idle_seconds`: 1 KiB/s.
MIN_BODY_RATE = 1024
#: After an answer given before its body was read: how much of the body is read and thrown away
#: (a body larger than this is not read at all), and for how long at most.
DRAIN_BYTES = 64 * 1024 * 1024
DRAIN_SECONDS = 10.0


class BodyReadTimeout(Exception):
    """The request's body stopped arriving (answered 408 by `errors.body_read_timeout`)."""

    def __init__(self, idle_seconds: float) -> None:
        super().__init__(
            f"the request body stopped arriving (nothing for {idle_seconds:g} s, or under "
            f"{MIN_BODY_RATE} bytes a second); send the request again"
        )
        self.idle_seconds = idle_seconds


def limit_body_reads(app: ASGIApp, idle_seconds: float, min_rate: float = MIN_BODY_RATE) -> ASGIApp:
    """`app`, with each read of a request body bounded in time (see the module)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = 0.0  # when the app first asked for the body
        received = 0
        done = stalled = False

        async def bounded_receive() -> ReceiveMessage:
            nonlocal started, received, done, stalled
            if done:  # the body is in: what follows (a disconnect) may take as long as it takes
                return await receive()
            started = started or time.monotonic()
            left = started + idle_seconds + received / min_rate - time.monotonic()
            try:
                async with asyncio.timeout(max(0.0, min(idle_seconds, left))):
                    message = await receive()
            except TimeoutError:
                stalled = True
                raise BodyReadTimeout(idle_seconds) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                done = not message.get("more_body", False)
            else:
                done = True
            return message

        await app(scope, bounded_receive, send)
        if not done and not stalled and _announced(scope) - received <= DRAIN_BYTES:
            await _drain(receive)

    return wrapped


def _announced(scope: Scope) -> int:
    """The body's announced length (`Content-Length`); a chunked body counts as small."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


async def _drain(receive: Receive) -> None:
    """Read what is left of a request body and throw it away (see the module)."""
    left = DRAIN_BYTES
    try:
        async with asyncio.timeout(DRAIN_SECONDS):
            while left > 0:
                message = await receive()
                if message["type"] != "http.request":
                    return
                left -= len(message.get("body", b""))
                if not message.get("more_body", False):
                    return
    except TimeoutError:
        return
