"""API benchmark: requests/s and latency of the seed's hot endpoints, beside a bare ASGI floor, and
the storage layer's cost per query beside the raw driver. One run prints every table.

    .venv/bin/python bench/api.py                 # SQLite, and PostgreSQL when reachable
    .venv/bin/python bench/api.py --duration 5 --concurrency 64 --no-postgres

PostgreSQL: `ANNOBATCH_BENCH_DATABASE_URL` (default postgresql://postgres@127.0.0.1:5432/test) names a
server and a database to connect to; the bench creates a database of its own there and drops it.

Every server is granian on a free loopback port (the app the way `annobatch serve` runs it); the
load generator is a separate process speaking HTTP/1.1 over raw asyncio sockets, keep-alive, with a
fixed number of connections, for a bounded time (`_compare_load.py`, as for `compare.py`). The
floor is a minimal ASGI app on the same server answering the very bytes the real endpoints answered.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import free_port, scratch_postgres_database
from _compare_load import MARK, Load, Result, run_load

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
PROJECTS = 50
BATCHES = 1000
BIG = "p00"  # the project holding 1,000 batches


# ======================================================================================= servers


@contextlib.contextmanager
def granian(target: str, workers: int, env: dict[str, str], log: Path) -> Iterator[int]:
    """A granian server on a free loopback port, stopped on exit."""
    import httpx

    port = free_port()
    cmd = [
        sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--no-ws",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), target,
    ]  # fmt: skip
    full_env = {**os.environ, **env, "PYTHONPATH": os.pathsep.join([str(BENCH_DIR), *sys.path])}
    with log.open("ab") as out:
        # A process group of its own, so that stopping it ends every worker (granian sometimes
        # exits on SIGTERM before one of its workers does).
        proc = subprocess.Popen(
            cmd, env=full_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{target} did not start; see {log}")
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def floor_app() -> Callable[..., Awaitable[None]]:
    """granian factory: the bare ASGI floor. Answers every recorded request with the recorded bytes
    (POSTs with the recorded create answer), reading the body as the real app does."""
    recorded = json.loads(Path(os.environ["ANNOBATCH_BENCH_FLOOR"]).read_text())
    answers = {k: (v.encode(), [(b"content-type", b"application/json")]) for k, v in recorded.items()}

    async def app(scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            more = (await receive()).get("more_body", False)
        body, headers = answers.get(scope["path"]) or answers["POST"]
        headers = [*headers, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


# ====================================================================================== backends


@dataclass
class Backend:
    name: str
    url: str
    client: tuple[str, str] = ("", "")
    writer: tuple[str, str] = ("", "")
    writer_org: int = 0
    data_dir: Path = field(default_factory=Path)


@contextlib.contextmanager
def sqlite_backend(root: Path) -> Iterator[Backend]:
    data = root / "sqlite"
    yield Backend("SQLite", f"sqlite:///{data / 'annobatch.db'}", data_dir=data)


@contextlib.contextmanager
def postgres_backend(root: Path, admin_url: str) -> Iterator[Backend]:
    with scratch_postgres_database(admin_url) as url:
        yield Backend("PostgreSQL", url, data_dir=root / "pg")


def postgres_version(url: str) -> str | None:
    """The server's version, or None when it cannot be reached."""
    import asyncpg

    async def probe() -> str:
        conn = await asyncpg.connect(url, timeout=3)
        try:
            return str(await conn.fetchval("SHOW server_version"))
        finally:
            await conn.close()

    try:
        return asyncio.run(probe())
    except Exception:
        return None


async def _seed(backend: Backend) -> None:
    """50 projects (one with 1,000 batches) for the reading client; a second organization takes the
    benchmark's writes, so that they never change what the reads answer."""
    from annobatch.services import Services
    from annobatch.services.identity import operator
    from annobatch.storage.database import open_database

    db = open_database(backend.url)
    await db.connect()
    try:
        ops = Services.over(db)
        org, _ = await ops.accounts.create_organization("bench-reads")
        cred = await ops.accounts.create_credential(org.id, workspace=None, staff=False)
        staff = operator(org.id)
        for i in range(PROJECTS):
            await ops.projects.create_project(
                staff,
                f"p{i:02d}",
                title=f"Project {i:02d}",
                description="Highway cameras, summer 2024",
                annotation_types=["object-detection", "lane-marking"],
            )
        for i in range(BATCHES):
            await ops.batches.create_batch(staff, BIG, f"batch-{i:04d}")
        writers, _ = await ops.accounts.create_organization("bench-writes")
        wcred = await ops.accounts.create_credential(writers.id, workspace=None, staff=False)
        backend.client = (cred.record.client_id, cred.secret)
        backend.writer = (wcred.record.client_id, wcred.secret)
        backend.writer_org = writers.id
    finally:
        await db.close()


async def _write_project(backend: Backend, project: str) -> None:
    from annobatch.services import Services
    from annobatch.services.identity import operator
    from annobatch.storage.database import open_database

    db = open_database(backend.url)
    await db.connect()
    try:
        await Services.over(db).projects.create_project(
            operator(backend.writer_org), project, title=project, annotation_types=["object-detection"]
        )
    finally:
        await db.close()


def prepare(backend: Backend) -> None:
    from annobatch.storage.migrate import upgrade

    upgrade(backend.url)
    asyncio.run(_seed(backend))


def bearer(port: int, cred: tuple[str, str]) -> dict[str, str]:
    import httpx

    form = {"grant_type": "client_credentials", "client_id": cred[0], "client_secret": cred[1]}
    r = httpx.post(f"http://127.0.0.1:{port}/v1/auth/oauth/token", data=form)
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


# ====================================================================================== the runs

ENDPOINTS = {
    "projects": f"GET /v1/projects ({PROJECTS} projects)",
    "batches": f"GET /v1/projects/{{p}}/batches ({BATCHES:,} batches)",
    "create": "POST /v1/projects/{p}/batches/{b} (create a batch)",
}


@dataclass
class Options:
    duration: float
    warmup: float
    concurrency: int
    workers: list[int]
    postgres: str | None
    storage_seconds: float
    postgres_version: str | None = None
    #: the endpoints measured (`--only`); all of them, and the storage table, by default
    only: tuple[str, ...] = tuple(ENDPOINTS)


Cells = dict[tuple[str, int], Result]
SERVER_APP = "annobatch.server.app:from_env"


def _server_env(backend: Backend) -> dict[str, str]:
    return {"ANNOBATCH_DATA": str(backend.data_dir), "ANNOBATCH_DATABASE_URL": backend.url}


def _app_loads(port: int, backend: Backend, project: str) -> dict[str, Load]:
    reader, writer = bearer(port, backend.client), bearer(port, backend.writer)
    return {
        "projects": Load("GET", "/v1/projects", reader),
        "batches": Load("GET", f"/v1/projects/{BIG}/batches", reader),
        "create": Load(
            "POST", f"/v1/projects/{project}/batches/b-{MARK}",
            {**writer, "Content-Type": "application/json"}, '{"publishPreviousBatches": false}',
        ),
    }  # fmt: skip


def record_floor(backend: Backend, root: Path, floor_file: Path) -> None:
    """The bytes the floor answers: what the real endpoints answered."""
    import httpx

    asyncio.run(_write_project(backend, "sample"))
    with granian(SERVER_APP, 1, _server_env(backend), root / "server.log") as port:
        loads = _app_loads(port, backend, "sample")
        base = f"http://127.0.0.1:{port}"
        recorded = {
            load.path: httpx.get(base + load.path, headers=load.headers).text
            for load in (loads["projects"], loads["batches"])
        }
        create = loads["create"]
        recorded["POST"] = httpx.post(
            base + create.path.replace(MARK, "first"), headers=create.headers, content=create.body
        ).text
    floor_file.write_text(json.dumps(recorded))


def measure(label: str, loads: dict[str, Load], port: int, workers: int, opts: Options, into: Cells) -> None:
    for name, load in loads.items():
        if name not in opts.only:
            continue
        into[(name, workers)] = r = run_load(load, port, opts.concurrency, opts.warmup, opts.duration)
        print(f"  {label:10} {workers} worker(s) {name:8} {_fmt(r)}", flush=True)


def api_cells(opts: Options, backends: list[Backend], root: Path) -> tuple[Cells, dict[str, Cells]]:
    """Each worker count in turn: the floor, then every backend, so that the cells compared with
    each other are measured close together in time."""
    floor_file = root / "floor.json"
    record_floor(backends[0], root, floor_file)
    floor: Cells = {}
    by_backend: dict[str, Cells] = {b.name: {} for b in backends}
    hdr = {"Authorization": "Bearer floor", "Content-Type": "application/json"}
    floor_loads = {
        "projects": Load("GET", "/v1/projects", hdr),
        "batches": Load("GET", f"/v1/projects/{BIG}/batches", hdr),
        "create": Load("POST", f"/v1/projects/w/batches/b-{MARK}", hdr, '{"publishPreviousBatches": false}'),
    }
    for workers in opts.workers:
        with granian(
            "api:floor_app", workers, {"ANNOBATCH_BENCH_FLOOR": str(floor_file)}, root / "floor.log"
        ) as port:
            measure("floor", floor_loads, port, workers, opts, floor)
        for backend in backends:
            project = f"w{workers}"  # a project of its own for each run of creates
            asyncio.run(_write_project(backend, project))
            with granian(SERVER_APP, workers, _server_env(backend), root / "server.log") as port:
                measure(
                    backend.name,
                    _app_loads(port, backend, project),
                    port,
                    workers,
                    opts,
                    by_backend[backend.name],
                )
    return floor, by_backend


def _fmt(r: Result) -> str:
    bad = {s: n for s, n in r.statuses.items() if s != 200}
    return f"{r.per_s:9,.0f} req/s  p50 {r.p50_ms:6.2f} ms  p99 {r.p99_ms:6.2f} ms" + (
        f"  NON-200: {bad}" if bad else ""
    )


# ====================================================================================== storage


@dataclass
class StorageRow:
    query: str
    rows: int
    backend: str
    raw_us: float
    uow_us: float


def _per_call(fn: Callable[[int], None], seconds: float) -> float:
    """µs per call: calibrate a batch size, then the best of five timed batches."""
    n = 1
    while True:
        t = time.perf_counter()
        fn(n)
        if time.perf_counter() - t > seconds / 10 or n > 1_000_000:
            break
        n *= 2
    best = min(_timed(fn, n) for _ in range(5))
    return best / n * 1e6


def _timed(fn: Callable[[int], None], n: int) -> float:
    t = time.perf_counter()
    fn(n)
    return time.perf_counter() - t


async def _reading_ids(db: Any) -> tuple[int, int]:
    """The reading organization's id and the id of its project with 1,000 batches."""
    from annobatch.storage.unit_of_work import UnitOfWork

    async with db.transaction() as tx:
        uow = UnitOfWork(tx)
        org = await uow.organizations.get("bench-reads")
        assert org is not None
        p = await uow.projects.get(org.id, BIG)
        assert p is not None
        return org.id, p.id


def storage_sqlite(backend: Backend, seconds: float) -> list[StorageRow]:
    from annobatch.storage.database import open_database
    from annobatch.storage.queries.batches import Q_BATCHES
    from annobatch.storage.queries.projects import Q_PROJECT, Q_PROJECTS
    from annobatch.storage.unit_of_work import UnitOfWork

    db = open_database(backend.url)
    path = backend.url.removeprefix("sqlite:///")
    raw = sqlite3.connect(path, isolation_level=None)
    loop = asyncio.new_event_loop()
    rows: list[StorageRow] = []
    try:
        loop.run_until_complete(db.connect())

        org, pid = loop.run_until_complete(_reading_ids(db))
        cases: list[tuple[str, Any, dict[str, Any], Callable[[UnitOfWork], Awaitable[Any]]]] = [
            ("projects.get", Q_PROJECT, {"org": org, "project": BIG}, lambda u: u.projects.get(org, BIG)),
            ("projects.of", Q_PROJECTS, {"org": org}, lambda u: u.projects.of(org)),
            ("batches.of", Q_BATCHES, {"project_id": pid}, lambda u: u.batches.of(pid)),
        ]
        for label, q, params, call in cases:
            sql = q.compiled("sqlite")[0]
            count = len(raw.execute(sql, params).fetchall())

            def run_raw(n: int, sql: str = sql, params: dict[str, Any] = params) -> None:
                # In one read transaction, as a unit of work runs its queries.
                raw.execute("BEGIN")
                for _ in range(n):
                    raw.execute(sql, params).fetchall()
                raw.execute("COMMIT")

            def run_uow(n: int, call: Callable[[UnitOfWork], Awaitable[Any]] = call) -> None:
                async def go() -> None:
                    async with db.transaction() as tx:
                        uow = UnitOfWork(tx)
                        for _ in range(n):
                            await call(uow)

                loop.run_until_complete(go())

            rows.append(
                StorageRow(label, count, "SQLite", _per_call(run_raw, seconds), _per_call(run_uow, seconds))
            )
    finally:
        loop.run_until_complete(db.close())
        loop.close()
        raw.close()
    return rows


def storage_postgres(backend: Backend, seconds: float) -> list[StorageRow]:
    import asyncpg

    from annobatch.storage.database import open_database
    from annobatch.storage.queries.batches import Q_BATCHES
    from annobatch.storage.queries.projects import Q_PROJECT, Q_PROJECTS
    from annobatch.storage.unit_of_work import UnitOfWork

    loop = asyncio.new_event_loop()
    db = open_database(backend.url)
    rows: list[StorageRow] = []

    async def setup() -> tuple[Any, int, int]:
        await db.connect()
        return await asyncpg.connect(backend.url), *await _reading_ids(db)

    raw, org, pid = loop.run_until_complete(setup())
    try:
        cases: list[tuple[str, Any, list[Any], Callable[[UnitOfWork], Awaitable[Any]]]] = [
            ("projects.get", Q_PROJECT, [org, BIG], lambda u: u.projects.get(org, BIG)),
            ("projects.of", Q_PROJECTS, [org], lambda u: u.projects.of(org)),
            ("batches.of", Q_BATCHES, [pid], lambda u: u.batches.of(pid)),
        ]
        for label, q, args, call in cases:
            sql = q.compiled("postgresql")[0]
            count = len(loop.run_until_complete(raw.fetch(sql, *args)))

            def run_raw(n: int, sql: str = sql, args: list[Any] = args) -> None:
                async def go() -> None:
                    # Reads run outside an explicit transaction, as a unit of work runs them.
                    for _ in range(n):
                        await raw.fetch(sql, *args)

                loop.run_until_complete(go())

            def run_uow(n: int, call: Callable[[UnitOfWork], Awaitable[Any]] = call) -> None:
                async def go() -> None:
                    async with db.transaction() as tx:
                        uow = UnitOfWork(tx)
                        for _ in range(n):
                            await call(uow)

                loop.run_until_complete(go())

            rows.append(
                StorageRow(
                    label, count, "PostgreSQL", _per_call(run_raw, seconds), _per_call(run_uow, seconds)
                )
            )
    finally:
        loop.run_until_complete(raw.close())
        loop.run_until_complete(db.close())
        loop.close()
    return rows


# ====================================================================================== report


def machine() -> str:
    from importlib.metadata import version

    cpu = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    libs = ", ".join(f"{p} {version(p)}" for p in ("granian", "litestar", "msgspec", "asyncpg"))
    return (
        f"{cpu}, {os.cpu_count()} cores; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, {libs}, SQLite {sqlite3.sqlite_version}"
    )


def api_table(
    name: str, opts: Options, floor: dict[Any, Result], by_backend: dict[str, dict[Any, Result]]
) -> str:
    head = "| server |" + "".join(
        f" {w} worker{'s' if w > 1 else ''}: req/s | p50 ms | p99 ms | % of floor |" for w in opts.workers
    )
    lines = [f"**{ENDPOINTS[name]}**", "", head, "|---|" + "---:|" * 4 * len(opts.workers)]
    for label, res in [("bare ASGI floor", floor), *((f"annobatch, {b}", r) for b, r in by_backend.items())]:
        cells = []
        for w in opts.workers:
            r = res[(name, w)]
            share = 100 * r.per_s / floor[(name, w)].per_s
            cells.append(f" {r.per_s:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | {share:.0f}% |")
        lines.append(f"| {label} |" + "".join(cells))
    return "\n".join(lines)


def storage_table(rows: list[StorageRow]) -> str:
    lines = [
        "| query | rows | backend | raw driver µs/call | `UnitOfWork` µs/call | ratio |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| `{r.query}` | {r.rows:,} | {r.backend} | {r.raw_us:,.1f} | {r.uow_us:,.1f} | "
            f"{r.uow_us / r.raw_us:.2f}x |"
        )
    return "\n".join(lines)


def targets(
    opts: Options, floor: dict[Any, Result], by_backend: dict[str, dict[Any, Result]], rows: list[StorageRow]
) -> str:
    lines = ["| target | measured | met |", "|---|---|---|"]
    w = opts.workers[0]
    for backend, res in by_backend.items():
        for name in ("projects", "batches"):
            if name not in opts.only:
                continue
            goal = 0.4 if name == "projects" else 0.2  # issue goals: the project list at 40%
            share = res[(name, w)].per_s / floor[(name, w)].per_s
            what = f"{ENDPOINTS[name].split(' (')[0]} ≥ {goal:.0%} of the floor, {w} worker, {backend}"
            lines.append(f"| {what} | {share:.0%} | {_met(share >= goal)} |")
    for r in rows:
        if r.query == "batches.of":
            # What one worker could answer if it did nothing but this query on the raw driver.
            ceiling = 1e6 / r.raw_us / floor[("batches", w)].per_s
            what = f"(reference) the raw driver's `batches.of` alone, share of that floor, {r.backend}"
            lines.append(f"| {what} | {ceiling:.0%} | |")
    for r in rows:
        ratio = r.uow_us / r.raw_us
        what = f"`uow.{r.query}` within 2x of the raw driver, {r.backend}"
        lines.append(f"| {what} | {ratio:.2f}x | {_met(ratio <= 2)} |")
    if "SQLite" in by_backend and "create" in opts.only:
        rate = by_backend["SQLite"][("create", w)].per_s
        lines.append(
            f"| ≥ 500 batch creations/s on SQLite, {w} worker | {rate:,.0f}/s | {_met(rate >= 500)} |"
        )
    if "PostgreSQL" in by_backend and "create" in opts.only:
        for workers in opts.workers:
            r = by_backend["PostgreSQL"][("create", workers)]
            what = (
                f"≥ 1,000 batch creations/s at p50 ≤ 5 ms on PostgreSQL, {workers} worker(s), "
                f"{opts.concurrency} connections"
            )
            ok = r.per_s >= 1000 and r.p50_ms <= 5
            lines.append(f"| {what} | {r.per_s:,.0f}/s, p50 {r.p50_ms:.1f} ms | {_met(ok)} |")
    return "\n".join(lines)


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--duration", type=float, default=3.0, help="measured seconds per cell (default 3)")
    ap.add_argument(
        "--warmup", type=float, default=1.0, help="unmeasured seconds before each cell (default 1)"
    )
    ap.add_argument("--concurrency", type=int, default=32, help="open connections (default 32)")
    ap.add_argument("--workers", default="1,2", help="granian worker counts (default 1,2)")
    ap.add_argument("--no-postgres", action="store_true", help="SQLite only")
    ap.add_argument("--storage-seconds", type=float, default=1.0, help="time per storage measurement")
    ap.add_argument(
        "--only",
        default=",".join(ENDPOINTS),
        help=f"endpoints to measure, of {','.join(ENDPOINTS)} (default all; fewer skip the storage table)",
    )
    a = ap.parse_args(argv)
    only = tuple(n for n in a.only.split(",") if n)
    if not only or set(only) - set(ENDPOINTS):
        ap.error(f"--only takes endpoints among {','.join(ENDPOINTS)}")
    pg = None if a.no_postgres else os.environ.get("ANNOBATCH_BENCH_DATABASE_URL", DEFAULT_PG)
    pg_version = None if pg is None else postgres_version(pg)
    if pg is not None and pg_version is None:
        print(f"PostgreSQL at {pg} is not reachable: SQLite only", flush=True)
        pg = None
    opts = Options(
        a.duration,
        a.warmup,
        a.concurrency,
        [int(w) for w in a.workers.split(",")],
        pg,
        a.storage_seconds,
        pg_version,
        only,
    )
    run(opts)


def run(opts: Options) -> None:
    started = time.monotonic()
    rows: list[StorageRow] = []
    with tempfile.TemporaryDirectory(prefix="annobatch-bench-") as tmp, contextlib.ExitStack() as stack:
        root = Path(tmp)
        backends = [stack.enter_context(sqlite_backend(root))]
        if opts.postgres:
            backends.append(stack.enter_context(postgres_backend(root, opts.postgres)))
        for backend in backends:
            print(f"seeding {backend.name}: {PROJECTS} projects, {BATCHES:,} batches in one", flush=True)
            prepare(backend)
            if opts.only == tuple(ENDPOINTS):
                measure_storage = storage_sqlite if backend.name == "SQLite" else storage_postgres
                rows += measure_storage(backend, opts.storage_seconds)
        floor, by_backend = api_cells(opts, backends, root)
    print()
    print(f"Machine: {machine()}" + (f", PostgreSQL {opts.postgres_version}" if opts.postgres else ""))
    print(
        f"Load: one generator process, HTTP/1.1 keep-alive over raw asyncio sockets, {opts.concurrency} "
        f"connections, {opts.warmup:g} s warm-up + {opts.duration:g} s measured per cell, loopback."
    )
    for name in opts.only:
        print()
        print(api_table(name, opts, floor, by_backend))
    if rows:
        print()
        print("**Storage: one query, `UnitOfWork(tx)` beside the raw driver running the same SQL**")
        print()
        print(storage_table(rows))
    print()
    print("**Targets**")
    print()
    print(targets(opts, floor, by_backend, rows))
    print(f"\n(run took {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
