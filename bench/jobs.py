"""Background-jobs benchmark: jobs processed per second, no-op jobs and webhook deliveries to a
receiver on loopback, on SQLite and PostgreSQL side by side. It prints one table and stops.

    .venv/bin/python bench/jobs.py                        # SQLite, and PostgreSQL when reachable
    .venv/bin/python bench/jobs.py --jobs 2000 --deliveries 500 --no-postgres

PostgreSQL: `ANNOBATCH_BENCH_DATABASE_URL` (default postgresql://postgres@127.0.0.1:5432/test) names a
server; the bench makes a database of its own there and drops it afterwards.

How it measures, per backend, on a freshly migrated database, in one process on one event loop:

- **No-op jobs/s**: `--jobs` queued jobs whose handler does nothing, run by 1 worker and then by
  4 workers at once (`JobWorker`, each claiming up to 8 jobs at a time and running them
  together), until none is left; jobs over wall time. Each job costs its claim (shared by up to 8),
  and its own `done`. Every job must run exactly once (checked).
- **Webhook deliveries/s**: an organization subscribed to `batch.transitioned` with a receiver on
  loopback (a threaded `http.server` answering 200), `--deliveries` audit-log entries written
  (each enqueues its delivery in its transaction), then 4 workers deliver them: read the delivery,
  its subscription and event, sign, resolve and check the host, POST (`http.client` in a thread),
  record the answer, forget the job. Every delivery must arrive exactly once (checked).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _common import scratch_postgres_database

from annobatch.domain import RetryPolicy
from annobatch.services import Services
from annobatch.services.jobs import JobKind, JobWorker
from annobatch.services.webhooks import WebhookOptions
from annobatch.storage.database import Database, open_database
from annobatch.storage.migrate import upgrade
from annobatch.storage.records import JobRecord, WebhookSubscriptionRecord, now_micros
from annobatch.storage.unit_of_work import UnitOfWork

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


@contextmanager
def receiver() -> Iterator[tuple[str, list[str]]]:
    got: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            got.append(self.headers["Annobatch-Webhook-Id"])
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", got
    finally:
        server.shutdown()


async def enqueue_noops(db: Database, n: int) -> None:
    now = now_micros()
    for start in range(0, n, 1000):
        async with db.transaction(write=True) as tx:
            uow = UnitOfWork(tx)
            for i in range(start, min(n, start + 1000)):
                await uow.jobs.enqueue("bench.noop", str(i), now=now, max_attempts=1)


async def noop_rate(db: Database, n: int, workers: int) -> float:
    await enqueue_noops(db, n)
    ran: list[str] = []

    async def handler(job: JobRecord) -> None:
        ran.append(job.payload)

    kinds = {"bench.noop": JobKind(handler, RetryPolicy(attempts=1))}
    pool = [JobWorker(db, kinds, concurrency=8) for _ in range(workers)]
    t0 = time.perf_counter()
    await asyncio.gather(*(w.run_until_idle() for w in pool))
    elapsed = time.perf_counter() - t0
    assert sorted(ran, key=int) == [str(i) for i in range(n)], "every job must run exactly once"
    return n / elapsed


async def delivery_rate(db: Database, n: int, workers: int) -> float:
    ops = Services.over(db, webhooks=WebhookOptions(allowed_networks=("127.0.0.0/8",)))
    org, _ = await ops.accounts.create_organization(f"bench-{os.getpid()}-{time.monotonic_ns()}")
    with receiver() as (url, got):
        async with db.transaction(write=True) as tx:
            sub = WebhookSubscriptionRecord(
                f"00000000-0000-4000-8000-{org.id:012d}",
                org.id,
                None,
                url,
                "batch.transitioned",
                "whsec_b",
                None,
                1,
            )
            await UnitOfWork(tx).webhooks.subscribe(sub)
        for start in range(0, n, 500):
            async with db.transaction(write=True) as tx:
                uow = UnitOfWork(tx)
                for i in range(start, min(n, start + 500)):
                    await uow.events.add(org.id, None, None, "batch.transitioned", "bench", f'{{"n":{i}}}')
        pool = [JobWorker(db, ops.job_kinds(), concurrency=8) for _ in range(workers)]
        t0 = time.perf_counter()
        await asyncio.gather(*(w.run_until_idle() for w in pool))
        elapsed = time.perf_counter() - t0
        assert len(got) == n and len(set(got)) == n, f"{len(got)} POSTs for {n} deliveries"
    return n / elapsed


def measure(url: str, jobs: int, deliveries: int) -> dict[str, float]:
    upgrade(url)  # Alembic runs its own event loop
    return asyncio.run(_measure(url, jobs, deliveries))


async def _measure(url: str, jobs: int, deliveries: int) -> dict[str, float]:
    db = open_database(url, pool_size=20)
    await db.connect()
    try:
        return {
            "no-op jobs/s, 1 worker": await noop_rate(db, jobs, 1),
            "no-op jobs/s, 4 workers": await noop_rate(db, jobs, 4),
            "webhook deliveries/s, 4 workers": await delivery_rate(db, deliveries, 4),
        }
    finally:
        await db.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=5000)
    ap.add_argument("--deliveries", type=int, default=1000)
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite"] = measure(f"sqlite:///{Path(tmp) / 'bench.db'}", args.jobs, args.deliveries)
    if not args.no_postgres:
        admin = os.environ.get("ANNOBATCH_BENCH_DATABASE_URL", DEFAULT_PG)
        try:
            with scratch_postgres_database(admin) as url:
                results["PostgreSQL"] = measure(url, args.jobs, args.deliveries)
        except OSError as e:
            print(f"PostgreSQL not measured: {e}", file=sys.stderr)
    print(
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; "
        f"load average before the table: {os.getloadavg()[0]:.1f}"
    )
    print(f"--jobs {args.jobs} --deliveries {args.deliveries}\n")
    names = list(results)
    print("| | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for row in next(iter(results.values())):
        print(f"| {row} | " + " | ".join(f"{results[n][row]:,.0f}" for n in names) + " |")


if __name__ == "__main__":
    main()
