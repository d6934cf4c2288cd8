"""Bounded body reads: a client that stops sending a body it announced (a `Content-Length` and no
body, or a trickle) is answered 408 and its connection closed, instead of holding a connection and
a request of a worker for as long as it likes.

granian bounds the time to read a request's headers (`annobatch serve` sets it from
`Settings.header_read_timeout_seconds`) but not the time to read its body: each `receive` of a
body is given a deadline here. A body may pause for at most `idle_seconds`, and must keep up an
average of `MIN_BODY_RATE` bytes a second past its first `idle_seconds` (so that one byte every
little while does not hold a connection forever either, while the slowest real upload does not
come close).
"""

from __future__ import annotations

import asyncio
import time

from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

#: The slowest average a request body may arrive at, after its first `idle_seconds`: 1 KiB/s.
MIN_BODY_RATE = 1024


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
        done = False

        async def bounded_receive() -> ReceiveMessage:
            nonlocal started, received, done
            if done:  # the body is in: what follows (a disconnect) may take as long as it takes
                return await receive()
            started = started or time.monotonic()
            left = started + idle_seconds + received / min_rate - time.monotonic()
            try:
                async with asyncio.timeout(max(0.0, min(idle_seconds, left))):
                    message = await receive()
            except TimeoutError:
                raise BodyReadTimeout(idle_seconds) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                done = not message.get("more_body", False)
            else:
                done = True
            return message

        await app(scope, bounded_receive, send)

    return wrapped
