"""SQLite write latency: SQLite's automatic WAL checkpoint (inside a commit) beside the background
checkpointer (`storage/sqlite_checkpoint.py`), in one run, on the same kind of write.

    .venv/bin/python bench/sqlite_writes.py                # 5,000 writes per mode, 3 repeats
    .venv/bin/python bench/sqlite_writes.py --writes 20000

Each write is one transaction through `SQLiteDatabase` (`BEGIN IMMEDIATE`, an insert of a row
of ~600 bytes into an indexed table, `COMMIT`), one after another from an event loop, as the
server's single writer does. Prints p50/p99/p99.9/max per mode and repeat, and the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from annobatch.storage.database import Query, SQLiteDatabase
from annobatch.storage.sqlite_checkpoint import WAL_LIMIT

CREATE = Query("CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, k INTEGER, body TEXT)")
INDEX = Query("CREATE INDEX IF NOT EXISTS t_k ON t (k)")
INSERT = Query("INSERT INTO t (id, k, body) VALUES (:id, :k, :body)")


async def measure(path: Path, writes: int, interval: float | None, wal_limit: int) -> tuple[list[float], int]:
    """The writes' times (ms) and the largest the WAL file was, sampled every 100 writes."""
    db = SQLiteDatabase(path, checkpoint_interval=interval, wal_limit=wal_limit)
    wal = Path(f"{path}-wal")
    largest = 0
    await db.connect()
    async with db.transaction(write=True) as tx:
        await tx.execute(CREATE)
        await tx.execute(INDEX)
    body = "x" * 600
    times = []
    for i in range(writes):
        t0 = time.perf_counter()
        async with db.transaction(write=True) as tx:
            await tx.execute(INSERT, {"id": uuid.uuid4().hex, "k": i, "body": body})
        times.append((time.perf_counter() - t0) * 1000)
        if i % 100 == 0:
            largest = max(largest, wal.stat().st_size)
    await db.close()
    return times, largest


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(len(s) * p))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--writes", type=int, default=5000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print(f"{platform.platform()}, Python {platform.python_version()}, {args.writes} writes per cell\n")
    print("| mode | repeat | p50 ms | p99 ms | p99.9 ms | max ms | p99/p50 | largest WAL MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    modes = {
        "automatic (in COMMIT)": (None, WAL_LIMIT),
        "background, every 0.25 s": (0.25, WAL_LIMIT),
        "background, WAL unbounded (before)": (0.25, 1 << 62),
    }
    summary: dict[str, list[tuple[float, float]]] = {m: [] for m in modes}
    with tempfile.TemporaryDirectory() as d:
        for r in range(args.repeats):
            for i, (name, (interval, limit)) in enumerate(modes.items()):  # in turns: drift hits all alike
                path = Path(d) / f"{r}-{i}.sqlite"
                xs, largest = asyncio.run(measure(path, args.writes, interval, limit))
                p50, p99 = pct(xs, 0.5), pct(xs, 0.99)
                summary[name].append((p50, p99))
                print(
                    f"| {name} | {r + 1} | {p50:.3f} | {p99:.3f} | {pct(xs, 0.999):.3f} | {max(xs):.3f} "
                    f"| {p99 / p50:.1f} | {largest / 2**20:.0f} |"
                )
    print("\n| mode | median p50 ms | median p99 ms | p99/p50 |")
    print("|---|---:|---:|---:|")
    for name, rows in summary.items():
        p50 = statistics.median(r[0] for r in rows)
        p99 = statistics.median(r[1] for r in rows)
        print(f"| {name} | {p50:.3f} | {p99:.3f} | {p99 / p50:.1f} |")


if __name__ == "__main__":
    main()
