"""Slow clients cannot take the server off the air: on `annobatch serve --workers 2` (granian, a
real loopback socket), a few hundred connections that send nothing, part of their headers, a
`Content-Length` and no body, or a body a byte at a time, or that go idle after a request, are all
closed by the server once their timeout passes, while /healthz keeps answering other clients.

The timeouts are set short (2 s) from the environment, as an operator would; the bounds asserted
are generous, and the test ends by itself within about half a minute."""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from liveserver import annobatch_command, free_port, serving

TIMEOUT = 2.0  # seconds, for the headers, an idle connection and a body's pauses
SLOW_CONNECTIONS = 300
CUT_WITHIN = 15.0  # a slow connection must be closed this long after it opened, at most
HEALTH_WITHIN = 5.0  # each health check must answer this fast, while the slow ones are open

TOKEN = "POST /v1/auth/oauth/token HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n"
#: What each kind of slow client sends first (then nothing, but `trickle`'s byte a second).
OPENINGS = {
    "silent": b"",
    "partial-headers": b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ",
    "idle-keep-alive": b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
    "no-body": (TOKEN + "Content-Length: 100\r\n\r\n").encode(),
    "trickle": (TOKEN + "Content-Length: 100000\r\n\r\ngrant_type=").encode(),
}


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    data: Path = tmp_path_factory.mktemp("slow-clients")
    port = free_port()
    env = dict(os.environ)
    env.update(
        ANNOBATCH_DATA=str(data),
        ANNOBATCH_DATABASE_URL=f"sqlite:///{data / 'annobatch.db'}",
        ANNOBATCH_HEADER_READ_TIMEOUT=str(TIMEOUT),
        ANNOBATCH_BODY_READ_TIMEOUT=str(TIMEOUT),
    )
    cmd = [*annobatch_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    with serving(cmd, port, data / "server.log", env):
        yield port


@dataclass
class Slow:
    kind: str
    closed_after: float | None = None  # seconds from opening to the server closing; None: still open
    answer: bytes = b""


async def slow_client(port: int, kind: str, stop: float) -> Slow:
    result = Slow(kind)
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(OPENINGS[kind])
        await writer.drain()
        while time.monotonic() < stop:
            try:
                chunk = await asyncio.wait_for(reader.read(4096), 1.0)
            except TimeoutError:
                if kind == "trickle":
                    writer.write(b"x")
                    await writer.drain()
                continue
            if not chunk:
                result.closed_after = time.monotonic() - started
                break
            result.answer += chunk
    except (ConnectionResetError, BrokenPipeError):
        result.closed_after = time.monotonic() - started
    finally:
        writer.close()
    return result


async def health_check(port: int) -> float:
    """Seconds /healthz took on a new connection (inf if it did not answer 200 in time)."""
    started = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), HEALTH_WITHIN)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        answer = await asyncio.wait_for(reader.read(), HEALTH_WITHIN)
        writer.close()
    except (TimeoutError, OSError):
        return float("inf")
    return time.monotonic() - started if answer.startswith(b"HTTP/1.1 200") else float("inf")


async def siege(port: int) -> tuple[list[Slow], list[float]]:
    stop = time.monotonic() + CUT_WITHIN + 3
    kinds = list(OPENINGS)
    clients = [
        asyncio.create_task(slow_client(port, kinds[i % len(kinds)], stop)) for i in range(SLOW_CONNECTIONS)
    ]
    await asyncio.sleep(0.5)  # all of them connected and stalled
    checks = []
    while not all(c.done() for c in clients) and time.monotonic() < stop:
        checks.append(await health_check(port))
        await asyncio.sleep(0.25)
    return [await c for c in clients], checks


def test_slow_clients_are_cut_while_the_server_answers_others(port: int) -> None:
    slow, checks = asyncio.run(siege(port))
    still_open = Counter(s.kind for s in slow if s.closed_after is None or s.closed_after > CUT_WITHIN)
    assert not still_open, f"not closed by the server within {CUT_WITHIN} s: {dict(still_open)}"
    assert all(s.closed_after >= TIMEOUT * 0.9 for s in slow if s.closed_after is not None), "cut too soon"
    assert len(checks) >= 3 and max(checks) < HEALTH_WITHIN, checks
    for s in slow:
        if s.kind in {"no-body", "trickle"}:
            assert s.answer.startswith(b"HTTP/1.1 408"), s.answer[:200]
            assert b'"code":"request-timeout"' in s.answer
        elif s.kind == "idle-keep-alive":
            assert s.answer.startswith(b"HTTP/1.1 200"), s.answer[:200]
        else:
            assert s.answer == b"", s.answer[:200]


def test_a_body_that_keeps_arriving_is_not_cut(port: int) -> None:
    """A body sent slowly but steadily (a pause shorter than the timeout, then the rest) is read."""

    async def go() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        body = b"grant_type=client_credentials&client_id=nobody&client_secret=wrong"
        writer.write((TOKEN + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode())
        writer.write(body[:10])
        await writer.drain()
        await asyncio.sleep(TIMEOUT / 2)
        writer.write(body[10:])
        answer = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        return answer

    assert asyncio.run(go()).startswith(b"HTTP/1.1 401")
