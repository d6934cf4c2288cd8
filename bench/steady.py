"""Steady load: memory and latency of `annobatch serve` (PostgreSQL, 2 granian workers) under a
mixed load held for minutes at a fixed share of the most it can take. Stops by itself.

    .venv/bin/python bench/steady.py                  # ~1-3 min to find the maximum, then 10 minutes
    .venv/bin/python bench/steady.py --minutes 2      # a check

PostgreSQL only: `ANNOBATCH_BENCH_DATABASE_URL` (default postgresql://postgres@127.0.0.1:5432/test)
names a server and a database to connect to; the bench creates a database of its own there and
drops it afterwards.

The world: one organization and its credential; 20 projects; project `p1` with a handful of
batches, one (`pages`) holding 2,000 inputs; project `w`, where the creates go, so that they never
change what the reads answer. One operation of the mix is one of:

- projects: `GET /v1/projects`;
- batches: `GET /v1/projects/p1/batches`;
- page: `POST /v2/inputs/query?limit=100` over `p1/pages` (the listing `client.input.query_inputs`
  pages through), the first page or one at a random cursor;
- create: `POST /v1/projects/w/batches/{new}` `{"publishPreviousBatches": false}`;
- upload: the signed-URL flow on one connection: `POST /v1/inputs/project/p1/batch/up/cameras`
  (a one-image scene), `PUT` of a 1 MiB JPEG to the URL it answers, `POST …/actions/commit`.

Phase 1 drives the mix closed-loop (a fixed number of connections, each sending its next operation
as soon as the last is answered) for a first estimate of the most operations per second it can
take; phase 1b offers the mix open-loop from that rate down by 10% at a time, 20 s each, to the
highest rate the server keeps up with (the closed loop overstates it). Phase 2
offers the same mix open-loop at a fixed share of that (default 80%): operations are due at evenly
spaced times whether or not earlier ones were answered, each on an idle kept-alive connection (a
new one when none is idle), and an operation's latency runs from when it was due, so a server that
slows down shows it as latency and backlog, not as fewer requests. Every minute it prints
operations/s, p50/p99/p99.9 per kind, errors, and the RSS and PSS of each granian worker
(/proc/PID/smaps_rollup); at the end, the verdict: p99 of the last minute beside the first, each
worker's memory at the end beside the end of minute 1.

The load generator is a process of its own, built on `_compare_load.py`'s request templates and
answer framing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import random
import tempfile
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import scratch_postgres_database
from _compare_annobatch import T0, Annobatch, check_page, page_load, prepare, python_bin, serve
from _compare_load import MARK, Load, _complete, render
from _compare_measure import machine, process_tree, uptime
from api import postgres_version

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
WORKERS = 2
KINDS = ("projects", "batches", "page", "create", "upload")
#: Operations of each kind in every 40 of the mix.
MIX = {"projects": 12, "batches": 8, "page": 12, "create": 7, "upload": 1}
PROJECTS = 20
PAGE_TAG = 0x200
PAGE_INPUTS = 2000
UPLOAD_TAG = 0x300
OP_TIMEOUT = 30.0  # s: an operation not answered by then counts as an error
IDLE_DROP = 4.0  # s: a connection idle this long is closed (the server closes them after 10 s)
MAX_CONNECTIONS = 512  # open at once in the open loop; operations beyond wait for one


@dataclass
class PgAnnobatch(Annobatch):
    """`_compare_annobatch`'s server and store, on a PostgreSQL database."""

    database_url: str = ""

    @property
    def url(self) -> str:
        return self.database_url


# ===================================================================================== the world


_PG_ID = "lpad(to_hex($1::int), 8, '0') || '-0000-4000-{kind}-' || lpad(to_hex(i), 12, '0')"
_PG_SCENES = f"""
INSERT INTO scenes (id, organization_id, workspace_id, external_id, scene_type, status, project_id,
  batch_id, motion_compensate, spec, fingerprint, created, updated, batch_named)
SELECT {_PG_ID.format(kind="8000")}, $2::int, $3::text, 'seed-' || i, 'cameras', 'created', $4::int,
  $5::int, true, '{{"frames":[{{}}],"metadata":{{}},"sensorSpecification":null}}', '', $6::bigint + i,
  $6::bigint + i, true
FROM generate_series(0, $7::int - 1) AS i
"""
_PG_INPUTS = f"""
INSERT INTO inputs (id, organization_id, project_id, batch_id, scene_id, status, created)
SELECT {_PG_ID.format(kind="9000")}, $2::int, $3::int, $4::int, {_PG_ID.format(kind="8000")},
  'created', $5::bigint + i
FROM generate_series(0, $6::int - 1) AS i
"""


def build_world(a: PgAnnobatch) -> tuple[str, str]:
    """`_compare_annobatch.prepare`'s organization, credential and project `p1` (batches `creates`,
    `up`, `b10k`, `b100k`), and: batch `pages` with PAGE_INPUTS inputs (one SQL statement per
    table), projects up to PROJECTS in all, project `w` for the creates. Answers the credential."""
    import asyncpg

    from annobatch.services import Services
    from annobatch.services.identity import operator
    from annobatch.storage.database import open_database

    client = prepare(a)

    async def go() -> None:
        db = open_database(a.url)
        await db.connect()
        try:
            ops = Services.over(db)
            staff = operator(a.org)
            await ops.batches.create_batch(staff, "p1", "pages")
            for i in range(2, PROJECTS):
                await ops.projects.create_project(
                    staff, f"p{i}", title=f"Project {i}", annotation_types=["object-detection"]
                )
            await ops.projects.create_project(
                staff, "w", title="Writes", annotation_types=["object-detection"]
            )
        finally:
            await db.close()
        conn = await asyncpg.connect(a.url)
        try:
            project, batch = await conn.fetchrow(
                "SELECT p.id, b.id FROM batches b JOIN projects p ON p.id = b.project_id"
                " WHERE p.organization_id = $1 AND p.external_id = 'p1' AND b.external_id = 'pages'",
                a.org,
            )
            async with conn.transaction():
                await conn.execute(_PG_SCENES, PAGE_TAG, a.org, a.workspace, project, batch, T0, PAGE_INPUTS)
                await conn.execute(_PG_INPUTS, PAGE_TAG, a.org, project, batch, T0, PAGE_INPUTS)
            await conn.execute("ANALYZE")
        finally:
            await conn.close()

    asyncio.run(go())
    return client


# ===================================================================================== the mix


@dataclass
class Plan:
    """What the load generator sends: plain data, handed to its process."""

    port: int
    loads: dict[str, Load]  # projects, batches, page, create: one request each
    scene: Load  # the upload's scene create (`@N@` numbers the scene)
    auth: dict[str, str]
    payload: bytes
    kinds: list[str]  # the mix in the order operations take it, cycled
    start: int = 0  # sequence numbers used before (creates and scenes must be new)


def make_plan(a: PgAnnobatch, payload: bytes, seed: int = 7) -> Plan:
    rng = random.Random(seed)
    offsets = [0] + [rng.randrange(1, PAGE_INPUTS // 100) * 100 for _ in range(99)]
    headers = a.headers()
    scene = f"{UPLOAD_TAG:08x}-0000-4000-a000-{MARK}"
    scene_body = {
        "externalId": f"up-{MARK}",
        "frame": {"images": [{"filename": "/a.jpg", "resourceId": "/a.jpg", "sensorName": "CAM"}]},
        "internalId": scene,
    }
    kinds = [k for k, n in MIX.items() for _ in range(n)]
    rng.shuffle(kinds)
    return Plan(
        port=a.port,
        loads={
            "projects": Load("GET", "/v1/projects", headers),
            "batches": Load("GET", "/v1/projects/p1/batches", headers),
            "page": page_load(a, "pages", PAGE_TAG, offsets),
            "create": Load(
                "POST", f"/v1/projects/w/batches/b-{MARK}", headers, '{"publishPreviousBatches": false}'
            ),
        },
        scene=Load("POST", "/v1/inputs/project/p1/batch/up/cameras", headers, json.dumps(scene_body)),
        auth=headers,
        payload=payload,
        kinds=kinds,
    )


# ============================================================================ the load generator


class OpError(Exception):
    """An operation that failed: its answer's status, or what went wrong on the connection."""


class _Conn(asyncio.Protocol):
    """One kept-alive connection: one request at a time, its answer framed by `_complete`."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[bytes] | None = None
        self.lost = False
        self.idle_since = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        done = _complete(self.buf)
        if done is not None and self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(bytes(self.buf[: done[1]]))
            del self.buf[: done[1]]

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(OpError("connection closed"))

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send one request; answer (status, body)."""
        assert self.transport is not None
        if self.lost:
            raise OpError("connection closed")
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        answer = await self.waiter
        end = answer.find(b"\r\n\r\n")
        return int(answer[9:12]), answer[end + 4 :]

    def close(self) -> None:
        self.lost = True
        if self.transport is not None:
            self.transport.close()


@dataclass
class Window:
    """What completed in one window of time."""

    latencies: dict[str, list[int]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: dict[str, Counter[str]] = field(default_factory=lambda: {k: Counter() for k in KINDS})


class Runner:
    """Runs operations of the plan over a pool of kept-alive connections."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.n = plan.start
        self.idle: list[_Conn] = []
        self.open = 0
        self.slots = asyncio.Semaphore(MAX_CONNECTIONS)
        self.window = Window()
        self.in_flight = 0
        self.due = 0  # operations offered in the current window
        self.most_open = 0

    def next_kind(self) -> tuple[str, int]:
        n = self.n
        self.n += 1
        return self.plan.kinds[n % len(self.plan.kinds)], n

    async def _connection(self) -> _Conn:
        now = time.monotonic()
        while self.idle:
            c = self.idle.pop()  # the most recently used first: the others age out
            if not c.lost and now - c.idle_since < IDLE_DROP:
                return c
            c.close()
            self.open -= 1
        loop = asyncio.get_running_loop()
        _, c = await loop.create_connection(_Conn, "127.0.0.1", self.plan.port)
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        return c

    def _release(self, c: _Conn) -> None:
        if c.lost:
            self.open -= 1
            return
        c.idle_since = time.monotonic()
        self.idle.append(c)

    async def _send(self, c: _Conn, request: bytes) -> bytes:
        status, body = await c.exchange(request)
        if not 200 <= status < 300:
            raise OpError(str(status))
        return body

    async def _operation(self, c: _Conn, kind: str, n: int) -> None:
        p = self.plan
        if kind != "upload":
            await self._send(c, render(p.loads[kind], p.port, n))
            return
        body = await self._send(c, render(p.scene, p.port, n))
        try:
            target = urllib.parse.urlsplit(json.loads(body)["data"]["files"]["/a.jpg"])
        except (ValueError, KeyError, TypeError) as e:
            raise OpError("no upload URL") from e
        path = f"{target.path}?{target.query}" if target.query else target.path
        head = (
            f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1:{p.port}\r\nContent-Type: image/jpeg\r\n"
            f"Content-Length: {len(p.payload)}\r\n\r\n"
        )
        await self._send(c, head.encode() + p.payload)
        commit = Load("POST", f"/v1/inputs/{render_id(n)}/actions/commit", p.auth)
        await self._send(c, render(commit, p.port, n))

    async def run(self, kind: str, n: int, due_ns: int) -> None:
        """One operation; its latency runs from `due_ns`."""
        self.in_flight += 1
        try:
            async with self.slots:
                c = None
                try:
                    c = await self._connection()
                    await asyncio.wait_for(self._operation(c, kind, n), OP_TIMEOUT)
                except (OpError, OSError, TimeoutError) as e:
                    what = "timeout" if isinstance(e, TimeoutError) else str(e) or type(e).__name__
                    self.window.errors[kind][what] += 1
                    if c is not None and not what.isdigit():  # an answer (a status) leaves it usable
                        c.close()
                else:
                    self.window.latencies[kind].append(time.perf_counter_ns() - due_ns)
                finally:
                    if c is not None:
                        self._release(c)
        finally:
            self.in_flight -= 1

    def take_window(self) -> Window:
        w, self.window = self.window, Window()
        return w

    def close(self) -> None:
        for c in self.idle:
            c.close()
        self.idle.clear()


def render_id(n: int) -> str:
    return f"{UPLOAD_TAG:08x}-0000-4000-a000-{n:012x}"


def _pct(sorted_ns: list[int], q: float) -> float:
    if not sorted_ns:
        return float("nan")
    return sorted_ns[min(len(sorted_ns) - 1, int(len(sorted_ns) * q))] / 1e6


def summary(w: Window, seconds: float) -> dict[str, Any]:
    """Plain values: per kind (and `all`) count, ops/s, p50/p99/p99.9/max ms, errors."""
    out: dict[str, Any] = {}
    every: list[int] = []
    for kind in KINDS:
        lat = sorted(w.latencies[kind])
        every += lat
        out[kind] = _figures(lat, seconds, dict(w.errors[kind]))
    errors: Counter[str] = Counter()
    for kind in KINDS:
        errors.update(w.errors[kind])
    out["all"] = _figures(sorted(every), seconds, dict(errors))
    return out


def _figures(lat: list[int], seconds: float, errors: dict[str, int]) -> dict[str, Any]:
    return {
        "count": len(lat),
        "per_s": len(lat) / seconds,
        "p50": _pct(lat, 0.5),
        "p99": _pct(lat, 0.99),
        "p999": _pct(lat, 0.999),
        "max": lat[-1] / 1e6 if lat else float("nan"),
        "errors": errors,
    }


async def closed_loop(plan: Plan, connections: int, warmup: float, duration: float) -> dict[str, Any]:
    """`connections` loops each running the next operation as soon as the last is done; what
    completed in the `duration` after `warmup`."""
    runner = Runner(plan)
    running = True

    async def loop() -> None:
        while running:
            kind, n = runner.next_kind()
            await runner.run(kind, n, time.perf_counter_ns())

    tasks = [asyncio.create_task(loop()) for _ in range(connections)]
    await asyncio.sleep(warmup)
    runner.take_window()
    started = time.perf_counter()
    await asyncio.sleep(duration)
    w = runner.take_window()
    elapsed = time.perf_counter() - started
    running = False
    await asyncio.wait(tasks, timeout=OP_TIMEOUT + 5)
    runner.close()
    return {"summary": summary(w, elapsed), "used": runner.n - plan.start}


async def open_loop(plan: Plan, rate: float, minutes: int, report: Any, window: float = 60.0) -> None:
    """Offer `rate` operations/s, evenly spaced, for `minutes` windows of `window` seconds (a
    minute unless said); send each window's summary to `report` as it ends, then what was left
    unanswered."""
    runner = Runner(plan)
    tasks: set[asyncio.Task[None]] = set()
    start = time.perf_counter_ns()
    minute_ns = int(window * 10**9)
    end = start + minutes * minute_ns
    step = 1e9 / rate
    i = 0
    minute = 1
    while True:
        due = start + int(i * step)
        if due >= start + minute * minute_ns:
            w = runner.take_window()
            got = summary(w, window)
            got.update(
                minute=minute, offered=runner.due / window, in_flight=runner.in_flight, open=runner.open,
                most_open=runner.most_open,
            )  # fmt: skip
            report.send(got)
            runner.due = 0
            runner.most_open = runner.open
            minute += 1
        if due >= end:
            break
        now = time.perf_counter_ns()
        if due > now:
            await asyncio.sleep((due - now) / 1e9)
        elif i % 64 == 0:
            await asyncio.sleep(0)  # far behind: still let answers in
        kind, n = runner.next_kind()
        t = asyncio.create_task(runner.run(kind, n, due))
        tasks.add(t)
        t.add_done_callback(tasks.discard)
        runner.due += 1
        i += 1
    unfinished = runner.in_flight
    if tasks:
        await asyncio.wait(tasks, timeout=OP_TIMEOUT + 5)
    runner.close()
    report.send({"done": True, "unfinished_at_end": unfinished, "used": runner.n - plan.start})


def _generator(conn: Any, mode: str, plan: Plan, args: tuple[Any, ...]) -> None:
    # Plain values only: the parent cannot unpickle classes of this process's main module.
    try:
        if mode == "closed":
            conn.send(asyncio.run(closed_loop(plan, *args)))
        else:
            asyncio.run(open_loop(plan, args[0], args[1], conn, *args[2:]))
    except BaseException as e:  # reported to the parent, which fails loudly
        conn.send({"failed": f"{type(e).__name__}: {e}"})


@contextlib.contextmanager
def generator(mode: str, plan: Plan, *args: Any) -> Any:
    """The load generator in a process of its own; yields the pipe its reports come through."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_generator, args=(child, mode, plan, args))
    proc.start()
    try:
        yield parent
    except BaseException:
        proc.kill()  # interrupted, or a failure: no need to wait for the load to end
        raise
    finally:
        proc.join(OP_TIMEOUT + 30)
        if proc.is_alive():
            proc.kill()


def receive(pipe: Any, within: float) -> dict[str, Any]:
    if not pipe.poll(within):
        raise RuntimeError("the load generator stopped reporting")
    got: dict[str, Any] = pipe.recv()
    if "failed" in got:
        raise RuntimeError(f"the load generator failed: {got['failed']}")
    return got


# ==================================================================================== memory


def workers_of(pid: int) -> list[int]:
    """The granian workers: the server process's descendants."""
    return [p for p in process_tree(pid) if p != pid]


def memory(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of one process in MiB, from /proc/PID/smaps_rollup; NaN once it is gone."""
    rss = pss = float("nan")
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) / 1024
    return rss, pss


# ==================================================================================== report


def _errors(e: dict[str, int]) -> str:
    return ", ".join(f"{k} x{n}" for k, n in sorted(e.items())) or "0"


def kind_table(title: str, s: dict[str, Any]) -> str:
    lines = [
        title, "",
        "| kind | ops/s | p50 ms | p99 ms | p99.9 ms | max ms | errors |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]  # fmt: skip
    for kind in (*KINDS, "all"):
        f = s[kind]
        lines.append(
            f"| {kind} | {f['per_s']:,.1f} | {f['p50']:.1f} | {f['p99']:.1f} | {f['p999']:.1f} |"
            f" {f['max']:.1f} | {_errors(f['errors'])} |"
        )
    return "\n".join(lines)


@dataclass
class Minute:
    figures: dict[str, Any]
    memory: list[tuple[float, float]]  # per worker: RSS, PSS MiB
    server: tuple[float, float]  # the granian main process
    cpu_ms_per_op: float  # the workers' CPU time over the operations answered
    load: float  # the machine's 1-minute load average


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (/proc/PID/stat); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def progress(m: Minute) -> str:
    """One minute, as it ends."""
    f = m.figures
    kinds = "; ".join(f"{k} {f[k]['p50']:.0f}/{f[k]['p99']:.0f}/{f[k]['p999']:.0f}" for k in KINDS)
    mem = ", ".join(f"{rss:.1f}/{pss:.1f}" for rss, pss in m.memory)
    return (
        f"  minute {f['minute']}: {f['all']['per_s']:,.1f} ops/s of {f['offered']:,.1f} offered,"
        f" p50/p99/p99.9 ms all {f['all']['p50']:.0f}/{f['all']['p99']:.0f}/{f['all']['p999']:.0f} ({kinds}),"
        f" errors {_errors(f['all']['errors'])}, in flight {f['in_flight']},"
        f" workers RSS/PSS MiB {mem}, load {m.load:.1f}"
    )


def minute_table(rows: list[Minute]) -> str:
    mem = " | ".join(f"worker {i + 1} RSS / PSS MiB" for i in range(len(rows[0].memory)))
    lines = [
        "| minute | offered ops/s | answered ops/s | p50 ms | p99 ms | p99.9 ms | errors | in flight at"
        f" the end | workers' CPU ms/op | load average | {mem} |",
        "|" + "---:|" * (10 + len(rows[0].memory)),
    ]
    for m in rows:
        f = m.figures
        mems = " | ".join(f"{rss:.1f} / {pss:.1f}" for rss, pss in m.memory)
        lines.append(
            f"| {f['minute']} | {f['offered']:,.1f} | {f['all']['per_s']:,.1f} | {f['all']['p50']:.1f} |"
            f" {f['all']['p99']:.1f} | {f['all']['p999']:.1f} | {_errors(f['all']['errors'])} |"
            f" {f['in_flight']} | {m.cpu_ms_per_op:.2f} | {m.load:.1f} | {mems} |"
        )
    return "\n".join(lines)


def kinds_table(rows: list[Minute]) -> str:
    """p50 / p99 / p99.9 ms per kind and minute."""
    lines = [
        "| minute | " + " | ".join(f"{k} ({MIX[k]}/40)" for k in KINDS) + " |",
        "|---:|" + "---:|" * len(KINDS),
    ]
    for m in rows:
        f = m.figures
        cells = " | ".join(
            f"{f[k]['p50']:.1f} / {f[k]['p99']:.1f} / {f[k]['p999']:.1f}"
            + (f" ({_errors(f[k]['errors'])} errors)" if f[k]["errors"] else "")
            for k in KINDS
        )
        lines.append(f"| {f['minute']} | {cells} |")
    return "\n".join(lines)


def verdict(minutes: list[Minute], unfinished: int) -> list[str]:
    first, last = minutes[0], minutes[-1]
    lines = ["| check | first / warm | last / end | change | goal | met |", "|---|---:|---:|---:|---|---|"]
    for kind in (*KINDS, "all"):
        a, b = first.figures[kind]["p99"], last.figures[kind]["p99"]
        change = b / a - 1
        lines.append(
            f"| p99 {kind}, minute {last.figures['minute']} beside minute 1 | {a:.1f} ms | {b:.1f} ms |"
            f" {change:+.0%} | within 20% | {_met(abs(change) <= 0.2)} |"
        )
    for i, ((r0, p0), (r1, p1)) in enumerate(zip(first.memory, last.memory, strict=True)):
        for label, a, b in (("RSS", r0, r1), ("PSS", p0, p1)):
            change = b / a - 1
            lines.append(
                f"| worker {i + 1} {label}, end beside the end of minute 1 | {a:.1f} MiB | {b:.1f} MiB |"
                f" {change:+.1%} | within 10% | {_met(abs(change) <= 0.1)} |"
            )
    for i in range(len(first.memory)):
        rss = [m.memory[i][0] for m in minutes[1:]]
        half = rss[len(rss) // 2 :]
        lines.append(
            f"| worker {i + 1} RSS after minute 1: lowest and highest over the last half, least-squares"
            f" trend | {min(half):.1f} MiB | {max(half):.1f} MiB | {_slope(rss):+.2f} MiB/min | (to read the"
            " above by) | |"
        )
    kept = all(kept_up(m.figures) for m in minutes)
    lines.append(
        "| the server kept up: every minute it answered ≥ 98% of the operations offered, and less than"
        f" a second's worth was in flight at the minute's end | | | | yes | {_met(kept)} |"
    )
    errors = sum(sum(m.figures["all"]["errors"].values()) for m in minutes)
    lines.append(f"| errors over the run | | {errors} | | 0 | {_met(errors == 0)} |")
    lines.append(f"| operations unanswered when the load stopped | | {unfinished} | | | |")
    return lines


def _slope(ys: list[float]) -> float:
    """Least-squares slope of `ys` over 0, 1, 2, … (0 for fewer than two)."""
    n = len(ys)
    if n < 2:
        return 0.0
    mx, my = (n - 1) / 2, sum(ys) / n
    return sum((x - mx) * (y - my) for x, y in enumerate(ys)) / sum((x - mx) ** 2 for x in range(n))


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"


# ====================================================================================== run


def kept_up(window: dict[str, Any]) -> bool:
    """The server answered ≥ 98% of what a window offered, and less than a second's worth was in
    flight at its end."""
    return bool(
        window["all"]["per_s"] >= 0.98 * window["offered"] and window["in_flight"] <= window["offered"]
    )


def open_maximum(plan: Plan, start: float, seconds: float) -> float:
    """The most operations/s the server keeps up with offered open-loop: from `start` (the closed
    loop's maximum) down by 10% at a time, `seconds` at each rate, until a rate is kept up.

    The closed loop overstates what an open loop can be given: its 64 connections each wait for
    their answer, while an open loop's operations come whether or not the last were answered, on
    as many connections as are busy, and the load generator spends more per operation on the
    same two CPUs."""
    rate = start
    while True:
        with generator("open", plan, rate, 1, seconds) as pipe:
            got = receive(pipe, seconds + OP_TIMEOUT + 60)
            done = receive(pipe, OP_TIMEOUT + 60)
        plan.start += done["used"]
        ok = kept_up(got)
        print(
            f"  open loop at {rate:,.1f} ops/s for {seconds:g} s: answered {got['all']['per_s']:,.1f}/s,"
            f" {got['in_flight']} in flight at the end: {'kept up' if ok else 'fell behind'}",
            flush=True,
        )
        if ok or rate < 0.2 * start:
            return rate
        rate *= 0.9


def run(admin_url: str, minutes: int, probe: float, warmup: float, connections: int, share: float,
        upload_mib: float, fixed_rate: float | None, step_seconds: float) -> None:  # fmt: skip
    from inputs import jpeg_of_size

    print(f"Machine: {machine()}", flush=True)
    print(f"Before: {uptime()}", flush=True)
    payload = jpeg_of_size(int(upload_mib * 1024 * 1024))
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="annobatch-steady-") as tmp,
        scratch_postgres_database(admin_url) as url,
    ):
        a = PgAnnobatch("annobatch", Path(tmp) / "data", WORKERS, database_url=url)
        client = build_world(a)
        ttl = str(max(3600, int(probe + warmup + minutes * 60 + 600)))
        env = {"ANNOBATCH_DATABASE_URL": url, "ANNOBATCH_TOKEN_TTL": ttl}
        with serve(a, client, python_bin(), env):
            workers = workers_of(a.pid)
            if len(workers) != WORKERS:
                raise RuntimeError(f"expected {WORKERS} granian workers, found {workers}")
            check_page(a, "pages", PAGE_TAG, 100)
            plan = make_plan(a, payload)
            print(
                f"annobatch serve, {WORKERS} workers (pids {workers}), PostgreSQL; mix per 40 operations: "
                + ", ".join(f"{k} {n}" for k, n in MIX.items()),
                flush=True,
            )
            if fixed_rate is None:
                print(
                    f"Phase 1: closed loop, {connections} connections, {warmup:g} s + {probe:g} s", flush=True
                )
                with generator("closed", plan, connections, warmup, probe) as pipe:
                    got = receive(pipe, warmup + probe + OP_TIMEOUT + 120)
                most = got["summary"]
                plan.start += got["used"]
                print(kind_table(f"\n**Closed loop, {connections} connections**", most), flush=True)
                print(
                    f"\nPhase 1b: the most it keeps up with, open loop ({step_seconds:g} s a rate)",
                    flush=True,
                )
                most_s = open_maximum(plan, most["all"]["per_s"], step_seconds)
                rate = share * most_s
                what = f"{share:.0%} of the open-loop maximum, {most_s:,.1f}"
                print(f"\nPhase 2: open loop at {what}: {rate:,.1f} ops/s, {minutes} minutes", flush=True)
            else:
                rate, what = fixed_rate, "given with --rate"
                print(f"Open loop at {rate:,.1f} ops/s (--rate), {minutes} minutes", flush=True)
            rows: list[Minute] = []
            cpu = sum(cpu_seconds(p) for p in workers)
            with generator("open", plan, rate, minutes) as pipe:
                while True:
                    got = receive(pipe, 60 + OP_TIMEOUT + 60)
                    if got.get("done"):
                        unfinished = got["unfinished_at_end"]
                        break
                    now = workers_of(a.pid)
                    if now != workers:
                        print(f"  the workers changed: {workers} -> {now}", flush=True)
                    was, cpu = cpu, sum(cpu_seconds(p) for p in workers)
                    answered = max(1, got["all"]["count"])
                    m = Minute(got, [memory(p) for p in workers], memory(a.pid),
                               (cpu - was) * 1000 / answered, load_average())  # fmt: skip
                    rows.append(m)
                    print(progress(m), flush=True)
    print()
    print(f"**Open loop at {rate:,.1f} operations/s ({what}), every minute**")
    print()
    print(minute_table(rows))
    print()
    print("**p50 / p99 / p99.9 ms per kind** (operations of the kind in every 40)")
    print()
    print(kinds_table(rows))
    print()
    print("**Verdict**")
    print()
    lines = verdict(rows, unfinished)
    print("\n".join(lines))
    if any("the server kept up" in line and line.endswith("NO |") for line in lines):
        print(
            "\nThe server did not keep up with the offered rate (the machine had less to give than when"
            " the maximum was measured, or the maximum was overestimated): the latencies above measure"
            " the queue behind it. Run again on a quieter machine, or give --rate."
        )
    rss, pss = rows[-1].server
    print(f"\nThe server's main process at the end: RSS {rss:.1f} MiB, PSS {pss:.1f} MiB")
    print(f"After: {uptime()}")
    print(f"(run took {time.monotonic() - started:.0f} s)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--minutes", type=int, default=10, help="open-loop minutes (default 10)")
    ap.add_argument("--probe", type=float, default=30.0, help="closed-loop measured seconds (default 30)")
    ap.add_argument("--warmup", type=float, default=5.0, help="closed-loop unmeasured seconds (default 5)")
    ap.add_argument("--connections", type=int, default=64, help="closed-loop connections (default 64)")
    ap.add_argument("--share", type=float, default=0.8, help="open-loop rate over the maximum (default 0.8)")
    ap.add_argument(
        "--rate", type=float, default=None, help="open-loop operations/s: skip the maximum and offer this"
    )
    ap.add_argument("--upload-mib", type=float, default=1.0, help="size of each upload (default 1)")
    ap.add_argument(
        "--step-seconds", type=float, default=20.0, help="open-loop seconds at each rate tried (default 20)"
    )
    o = ap.parse_args(argv)
    if o.minutes < 2:
        ap.error("--minutes must be at least 2: the verdict compares the last minute with the first")
    admin = os.environ.get("ANNOBATCH_BENCH_DATABASE_URL", DEFAULT_PG)
    version = postgres_version(admin)
    if version is None:
        raise SystemExit(f"PostgreSQL at {admin} is not reachable: this bench runs on PostgreSQL only")
    print(f"PostgreSQL {version}", flush=True)
    run(admin, o.minutes, o.probe, o.warmup, o.connections, o.share, o.upload_mib, o.rate, o.step_seconds)


if __name__ == "__main__":
    main()
