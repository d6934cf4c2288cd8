"""`annobatch jobs` (the background job queue: list, retry the dead) and `annobatch worker` (a
process that only runs jobs, beside or instead of the server processes' own workers)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

import click

from annobatch.cli._tables import print_json
from annobatch.cli.operator.base import common_options, env, info, iso, print_table, run, when
from annobatch.services import Services
from annobatch.services.identity import operator
from annobatch.services.jobs import JobWorker
from annobatch.settings import Settings
from annobatch.storage.records import JobRecord

#: Jobs belong to the installation, not to an organization: staff list them as the operator.
STAFF = operator(0)


def _json(j: JobRecord) -> dict[str, Any]:
    return {
        "id": j.id, "kind": j.kind, "payload": j.payload, "status": j.status, "attempts": j.attempts,
        "maxAttempts": j.max_attempts, "runAfter": iso(j.run_after), "lastError": j.last_error,
        "organization": j.organization_id, "created": iso(j.created), "updated": iso(j.updated),
    }  # fmt: skip


def full_settings() -> Settings:
    """The settings of the environment (jobs, webhooks, sweeps), where the data is as given."""
    e = env()
    return Settings.from_env(data_dir=e.data, database_url=e.database_url or "")


@click.group()
def jobs() -> None:
    """Background jobs: webhook deliveries, sweeps, scene processing."""


@jobs.command("list")
@click.option(
    "--status", type=click.Choice(["queued", "running", "dead"]), help="Only jobs of this status."
)  # fmt: skip
@click.option("--after", type=int, default=0, metavar="ID", help="Jobs after this id (the next page).")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True)
@common_options
def jobs_list(status: str | None, after: int, limit: int) -> None:
    """The jobs in the queue in id order (a job that succeeded is not kept); with `--status dead`,
    the dead letters: jobs that failed their last attempt, with the last error."""

    async def work(ops: Services) -> tuple[list[JobRecord], dict[str, int]]:
        return await ops.jobs.jobs(STAFF, status, after, limit), await ops.jobs.counts(STAFF)

    found, counts = run(work)
    if env().as_json:
        print_json([_json(j) for j in found])
        return
    print_table(
        ["id", "kind", "status", "attempts", "run after", "payload", "last error"],
        [
            (j.id, j.kind, j.status, f"{j.attempts}/{j.max_attempts}", when(j.run_after), j.payload,
             j.last_error or "")
            for j in found
        ],
    )  # fmt: skip
    info(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "the queue is empty")


@jobs.command("retry")
@click.argument("job_ids", nargs=-1, type=int, required=True, metavar="ID...")
@common_options
def jobs_retry(job_ids: tuple[int, ...]) -> None:
    """Queue dead jobs again, their attempts counted from 0."""

    async def work(ops: Services) -> list[JobRecord]:
        return [await ops.jobs.retry(STAFF, job_id) for job_id in job_ids]

    retried = run(work)
    if env().as_json:
        print_json([_json(j) for j in retried])
    else:
        info(f"queued again: {', '.join(str(j.id) for j in retried)}")


@click.command()
@click.option(
    "--concurrency", type=click.IntRange(1, 256), metavar="N",
    help="Jobs run at once (default ANNOBATCH_JOB_WORKERS, else 4).",
)  # fmt: skip
@click.option("--until-idle", is_flag=True, help="Stop once no job is due (else run until stopped).")
@common_options
def worker(concurrency: int | None, until_idle: bool) -> None:
    """Run background jobs (webhook deliveries, the periodic sweep, scene processing) until stopped
    (SIGINT, SIGTERM): a process for jobs only, beside the server's own workers or instead of them
    (ANNOBATCH_JOB_WORKERS=0 on the servers). Reads the same ANNOBATCH_* settings as `serve`."""
    settings = full_settings()
    size = concurrency or settings.job_workers or 4

    async def work(ops: Services) -> int:
        runner = JobWorker(
            ops.db, ops.job_kinds(), concurrency=size, lease_seconds=settings.job_lease_seconds,
            poll_seconds=settings.job_poll_seconds,
        )  # fmt: skip
        if until_idle:
            return await runner.run_until_idle()
        info(f"running jobs, {size} at a time; stop with Ctrl-C (the jobs in hand finish first)")
        stop_sweeping = ops.housekeeping.start_sweeping()
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
        try:
            await runner.run_forever(stopping)
        finally:
            await stop_sweeping()
            for sig in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(Exception):
                    loop.remove_signal_handler(sig)
        return 0

    try:
        ran = run(work, files=True, settings=settings)
    except KeyboardInterrupt:
        ran = 0
    if until_idle:
        info(f"ran {ran} jobs; none is due now")
