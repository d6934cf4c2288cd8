"""Batch creation on PostgreSQL without HTTP: creators calling `BatchService.create_batch` side by
side in one project, on one event loop. Prints creates/s and latency, each round trip a create
makes with its time, and the CPU a create costs this process and the database's backends.

    .venv/bin/python bench/batch_creates.py                        # 1 and 8 creators, 4 s each
    .venv/bin/python bench/batch_creates.py --creators 8 --seconds 10
    .venv/bin/python bench/batch_creates.py --creators 16 --exclusive   # how long a lone lock waits

PostgreSQL: `ANNOBATCH_BENCH_DATABASE_URL` (default postgresql://postgres@127.0.0.1:5432/test) names
a server to make a scratch database on (dropped afterwards). The backends' CPU is read from
/proc/<pid>/stat: the server must run on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from _common import scratch_postgres_database

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
TICKS = os.sysconf("SC_CLK_TCK")
#: round trips of the create running in each task: (what, seconds)
TRIPS: dict[asyncio.Task[Any] | None, list[tuple[str, float]]] = {}


def _what(sql: str) -> str:
    words = " ".join(sql.split()[:4])[:44]
    return f"{words} … FOR SHARE" if sql.rstrip().endswith("FOR SHARE") else words


def _timed(label: Callable[[tuple[Any, ...]], str | None], call: Callable[..., Any]) -> Callable[..., Any]:
    """`call`, recording its time under `label(args)` (None: not recorded) for the running create."""

    async def timed(self: Any, *args: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return await call(self, *args)
        finally:
            what, trips = label(args), TRIPS.get(asyncio.current_task())
            if what is not None and trips is not None:
                trips.append((what, time.perf_counter() - t0))

    return timed


def _statement(args: tuple[Any, ...]) -> str:
    return _what(args[0].compiled("postgresql")[0])


def _begin_or_commit(args: tuple[Any, ...]) -> str | None:
    name = getattr(args[0], "__name__", "")
    return {"start": "BEGIN", "commit": "COMMIT"}.get(name)


def instrument() -> None:
    """Time every statement, BEGIN, COMMIT and pool acquisition of the storage layer."""
    from annobatch.storage import database as d

    for method in ("execute", "execute_many", "fetch_all"):
        setattr(d._PostgresTx, method, _timed(_statement, getattr(d._PostgresTx, method)))
    d._PostgresTx._guard = _timed(_begin_or_commit, d._PostgresTx._guard)  # type: ignore[method-assign]
    d.PostgresDatabase._acquire = _timed(lambda _: "pool acquire", d.PostgresDatabase._acquire)  # type: ignore[method-assign]


def _cpu(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


async def run(url: str, creators: int, seconds: float, exclusive: bool, every: float = 0.0) -> None:
    import asyncpg

    from annobatch.services import Services
    from annobatch.services.identity import operator
    from annobatch.storage.database import open_database

    db = open_database(url, pool_size=max(10, creators + 2))
    await db.connect()
    admin = await asyncpg.connect(url)
    try:
        ops = Services.over(db)
        org, _ = await ops.accounts.create_organization("bench")
        staff = operator(org.id)
        await ops.projects.create_project(staff, "p", title="p", annotation_types=["object-detection"])
        for i in range(20):  # a pool's worth of connections, warm
            await asyncio.gather(*(ops.batches.create_batch(staff, "p", f"warm-{i}-{k}") for k in range(8)))
        backends = [r[0] for r in await admin.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )]  # fmt: skip
        latencies: list[float] = []
        trips: dict[str, list[float]] = defaultdict(list)
        stop = time.perf_counter() + seconds

        async def creator(k: int) -> None:
            n = 0
            while time.perf_counter() < stop:
                mine = TRIPS[asyncio.current_task()] = []
                t0 = time.perf_counter()
                await ops.batches.create_batch(staff, "p", f"c{k}-{n}")
                latencies.append(time.perf_counter() - t0)
                for what, dt in mine:
                    trips[what].append(dt)
                n += 1

        waits: list[float] = []

        async def exclusive_changes() -> None:
            # A change that locks the project alone, every 0.5 s while the creates run.
            while time.perf_counter() < stop - 0.5:
                await asyncio.sleep(0.5)
                t = time.perf_counter()
                types = ["object-detection", f"t{len(waits)}"]
                await ops.projects.set_project_annotation_types(staff, "p", types)
                waits.append(time.perf_counter() - t)

        async def growth() -> None:
            # Every `every` seconds: the project's batches so far, creates/s and each round
            # trip's mean over the interval (does a create slow down as the project grows?).
            seen, since = 0, time.perf_counter()
            while time.perf_counter() < stop - every:
                await asyncio.sleep(every)
                now, n = time.perf_counter(), len(latencies)
                means = "  ".join(
                    f"{what.split(' ')[0]} {statistics.mean(t[seen_trips[what] :]) * 1e3:.2f}"
                    for what, t in trips.items()
                    if len(t) > seen_trips[what]
                )
                seen_trips.update({what: len(t) for what, t in trips.items()})
                print(f"  {n + 160:7,} batches  {(n - seen) / (now - since):6,.0f} creates/s  ms: {means}")
                seen, since = n, now

        seen_trips: dict[str, int] = defaultdict(int)
        client0, db0, t0 = time.process_time(), _cpu(backends), time.perf_counter()
        others = [exclusive_changes()] if exclusive else []
        if every:
            others.append(growth())
        await asyncio.gather(*(creator(k) for k in range(creators)), *others)
        elapsed = time.perf_counter() - t0
        client, backend = time.process_time() - client0, _cpu(backends) - db0
    finally:
        await admin.close()
        await db.close()
    n = len(latencies)
    latencies.sort()
    print(
        f"{creators} creator(s): {n / elapsed:,.0f} creates/s, p50 {latencies[n // 2] * 1e3:.2f} ms, "
        f"p99 {latencies[int(n * 0.99)] * 1e3:.2f} ms ({n} creates, load average {os.getloadavg()[0]:.1f})"
    )
    cpu = f"this process {client / n * 1e3:.3f} ms, PostgreSQL backends {backend / n * 1e3:.3f} ms"
    print(f"  CPU per create: {cpu}")
    if waits:
        print(f"  a change locking the project alone took {', '.join(f'{w * 1e3:.0f}' for w in waits)} ms")
    for what, times in sorted(trips.items(), key=lambda kv: -sum(kv[1])):
        print(
            f"  {len(times) / n:3.1f} x {what:50} mean {statistics.mean(times) * 1e3:6.3f} ms, "
            f"p50 {statistics.median(times) * 1e3:6.3f} ms"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--creators", default="1,8", help="concurrent creators, one run each (default 1,8)")
    ap.add_argument("--seconds", type=float, default=4.0, help="measured seconds per run (default 4)")
    ap.add_argument(
        "--every",
        type=float,
        default=0.0,
        help="also print creates/s and each round trip's mean every this many seconds (a long run: "
        "does a create slow down as the project grows?)",
    )
    ap.add_argument(
        "--exclusive",
        action="store_true",
        help="also set the project's default types every 0.5 s (it locks the project alone) and time it",
    )
    a = ap.parse_args()
    from annobatch.storage.migrate import upgrade

    instrument()
    admin_url = os.environ.get("ANNOBATCH_BENCH_DATABASE_URL", DEFAULT_PG)
    for creators in (int(c) for c in a.creators.split(",")):
        with scratch_postgres_database(admin_url) as url:
            upgrade(url)
            asyncio.run(run(url, creators, a.seconds, a.exclusive, a.every))


if __name__ == "__main__":
    main()
