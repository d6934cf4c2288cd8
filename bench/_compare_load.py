"""The load generator of `compare.py`, the same for every server it measures.

HTTP/1.1 over raw asyncio sockets in a process of its own: a fixed number of keep-alive
connections, each sending its next request as soon as the answer to the last one is complete
(Content-Length or chunked bodies alike), for a bounded time. Only requests that start and end
inside the measured window count; the window lasts a fixed time, or longer on a server too slow
to answer MIN_MEASURED requests in that time (until it has, at most MAX_SECONDS). A request is
rendered from a template: `@N@` in the path or the body becomes the request's sequence number
(12 hex digits, counted across all connections from `start`), so that every create can name a
thing of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import multiprocessing as mp
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

MARK = "@N@"
MIN_MEASURED = 20  # requests a measurement needs at least
MAX_SECONDS = 240  # how long a measurement may last to get them


@dataclass
class Load:
    """What to send. `paths`, when given, are taken in turn instead of `path` (e.g. pages at
    random offsets, chosen beforehand)."""

    method: str
    path: str
    headers: dict[str, str]
    body: str = ""
    start: int = 0
    paths: list[str] = field(default_factory=list)


@dataclass
class Result:
    per_s: float
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int]
    sent: int  # requests sent, the unmeasured ones included: where the next load's `start` goes


def render(load: Load, port: int, n: int) -> bytes:
    path = load.paths[n % len(load.paths)] if load.paths else load.path
    path = path.replace(MARK, f"{n:012x}")
    body = load.body.replace(MARK, f"{n:012x}").encode()
    lines = [f"{load.method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{k}: {v}" for k, v in load.headers.items()]
    if load.method != "GET":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _complete(buf: bytearray) -> tuple[int, int] | None:
    """(status, length of the whole answer) once `buf` holds a complete answer, else None."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buf[:end]).lower().split(b"\r\n")
    status = int(head[0][9:12])
    for h in head[1:]:
        if h.startswith(b"content-length:"):
            total = end + 4 + int(h[15:])
            return (status, total) if len(buf) >= total else None
    if not any(h.startswith(b"transfer-encoding:") and b"chunked" in h for h in head[1:]):
        return status, end + 4  # no body (204, 304)
    at = end + 4
    while True:  # chunked: size line, data, CRLF ... a zero-size chunk and a blank line
        eol = buf.find(b"\r\n", at)
        if eol < 0:
            return None
        size = int(bytes(buf[at:eol]).split(b";")[0], 16)
        if size == 0:
            stop = buf.find(b"\r\n\r\n", eol)
            return None if stop < 0 else (status, stop + 4)
        at = eol + 2 + size + 2
        if at > len(buf):
            return None


class _Conn(asyncio.Protocol):
    def __init__(self, gen: _Generator) -> None:
        self.gen = gen
        self.buf = bytearray()
        self.started = 0
        self.transport: asyncio.Transport | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        self.started = time.perf_counter_ns()
        self.transport.write(self.gen.next_request())

    def data_received(self, data: bytes) -> None:
        self.buf += data
        done = _complete(self.buf)
        if done is None:
            return
        self.gen.done(self.started, time.perf_counter_ns(), done[0])
        del self.buf[: done[1]]
        if self.gen.running:
            self._send()
        elif self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


class _Generator:
    def __init__(self, load: Load, port: int, warmup: float) -> None:
        self.load, self.port, self.n = load, port, load.start
        # A load that sends the same request every time is rendered once.
        same = not load.paths and MARK not in load.path and MARK not in load.body
        self.fixed = render(load, port, 0) if same else None
        self.measure_from = time.perf_counter_ns() + int(warmup * 1e9)
        self.measure_to = 1 << 62  # set when the load stops
        self.running = True
        self.latencies: list[int] = []
        self.statuses: Counter[int] = Counter()

    def next_request(self) -> bytes:
        self.n += 1
        return self.fixed or render(self.load, self.port, self.n - 1)

    def done(self, started: int, ended: int, status: int) -> None:
        if started >= self.measure_from and ended <= self.measure_to:
            self.latencies.append(ended - started)
            self.statuses[status] += 1

    def stop(self) -> None:
        self.running = False
        self.measure_to = time.perf_counter_ns()


async def generate(
    load: Load, port: int, connections: int, warmup: float, duration: float, least: int = MIN_MEASURED
) -> Result:
    """Measure for `duration` seconds after `warmup`; on a server too slow to answer `least`
    requests in that time, for longer (up to MAX_SECONDS), until it has."""
    loop = asyncio.get_running_loop()
    gen = _Generator(load, port, warmup)
    conns: list[_Conn] = []
    for _ in range(connections):
        _, proto = await loop.create_connection(functools.partial(_Conn, gen), "127.0.0.1", port)
        conns.append(proto)
    planned = gen.measure_from + int(duration * 1e9)
    cap = gen.measure_from + int(MAX_SECONDS * 1e9)
    await asyncio.sleep(max(0.0, (planned - time.perf_counter_ns()) / 1e9))
    while len(gen.latencies) < least and time.perf_counter_ns() < cap:
        await asyncio.sleep(0.05)
    gen.stop()
    for c in conns:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(c.closed), 60)
        if c.transport is not None:
            c.transport.close()
    lat = sorted(gen.latencies)
    if not lat:
        raise RuntimeError("no request completed within the measured window")
    return Result(
        per_s=len(lat) / ((gen.measure_to - gen.measure_from) / 1e9),
        p50_ms=lat[len(lat) // 2] / 1e6,
        p99_ms=lat[min(len(lat) - 1, int(len(lat) * 0.99))] / 1e6,
        statuses=dict(gen.statuses),
        sent=gen.n - load.start,
    )


def _child(conn: Any, load: Load, port: int, connections: int, warmup: float, duration: float) -> None:
    try:
        r = asyncio.run(generate(load, port, connections, warmup, duration))
        conn.send((r.per_s, r.p50_ms, r.p99_ms, r.statuses, r.sent))
    except BaseException as e:  # reported to the parent, which fails loudly
        conn.send(f"{type(e).__name__}: {e}")


def run_load(load: Load, port: int, connections: int, warmup: float, duration: float) -> Result:
    """Drive `load` from a separate process and answer what it measured."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, load, port, connections, warmup, duration))
    proc.start()
    try:
        if not parent.poll(MAX_SECONDS + 120):
            raise RuntimeError("the load generator did not finish")
        got = parent.recv()
    finally:
        proc.join(10)
        if proc.is_alive():
            proc.kill()
    if isinstance(got, str):
        raise RuntimeError(f"the load generator failed: {got}")
    return Result(*got)
