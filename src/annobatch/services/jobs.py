"""Background jobs: the workers that run them, and what staff see of them.

A job is written in the transaction of the change that causes it (`uow.jobs.enqueue`), so that it
exists exactly when the change committed. Workers — a loop inside each server process
(`create_app`'s lifespan) or `annobatch worker` — claim a few due jobs at a time (`SKIP LOCKED` on
PostgreSQL: workers of many replicas never take the same job nor wait for each other), run each
under a lease they renew while it works, and then forget it, or record its failure: it runs again
after a pause that doubles (`domain.RetryPolicy`) until its last attempt, and then it is dead,
listed for staff (`annobatch jobs list --status dead`, `GET /v1/jobs`) until they retry it.

A job's handler may run more than once (a worker that stops mid-job loses its lease and another
runs the job again): handlers are idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from annobatch.domain import InvalidInput, JobStatus, NotFound, RetryPolicy, parse_integer
from annobatch.services.housekeeping import process_name
from annobatch.services.identity import Caller
from annobatch.services.transactions import reading, transact, writing
from annobatch.storage.database import Database
from annobatch.storage.records import JobRecord, now_micros

log = logging.getLogger("annobatch.jobs")

Handler = Callable[[JobRecord], Awaitable[None]]
#: A job that fails runs 5 times in all, its pauses doubling from 10 s.
DEFAULT_RETRIES = RetryPolicy()


@dataclass(frozen=True, slots=True)
class JobKind:
    """What runs a kind of job, and how its failures are retried."""

    handler: Handler
    retries: RetryPolicy = DEFAULT_RETRIES


class JobService:
    """What staff see of the queue: the jobs (the dead letters above all), and a retry."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def jobs(
        self, caller: Caller, status: str | None = None, after: int = 0, limit: int = 100
    ) -> list[JobRecord]:
        caller.require_staff("list background jobs")
        if status is not None and status not in {s.value for s in JobStatus}:
            known = ", ".join(s.value for s in JobStatus)
            raise InvalidInput(f"unknown job status {status!r}; one of {known}", "invalid-status")
        async with reading(self.db) as uow:
            return await uow.jobs.page(status, after, limit)

    async def counts(self, caller: Caller) -> dict[str, int]:
        caller.require_staff("count background jobs")
        async with reading(self.db) as uow:
            return await uow.jobs.counts()

    async def retry(self, caller: Caller, job_id: int | str) -> JobRecord:
        """A dead job queued again, its attempts counted from 0 (its id as a number, or as the
        text of a path)."""
        caller.require_staff("retry background jobs")
        if isinstance(job_id, str):
            job_id = parse_integer(job_id, "job id", minimum=1)
        async with writing(self.db) as uow:
            job = await uow.jobs.retry(job_id, now_micros())
            if job is None:
                raise NotFound(f"no dead job {job_id}", "job-not-found")
            return job


class JobWorker:
    """Claims due jobs and runs them, `concurrency` at a time, in this process."""

    def __init__(
        self,
        db: Database,
        kinds: dict[str, JobKind],
        *,
        concurrency: int = 4,
        lease_seconds: float = 60.0,
        poll_seconds: float = 1.0,
    ) -> None:
        self.db = db
        self.kinds = kinds
        self.concurrency = max(1, concurrency)
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self.holder = process_name()

    async def run_once(self, look_first: bool = True) -> int:
        """Claim up to `concurrency` due jobs and run them; answers how many ran. `look_first`:
        read whether any job is due before taking the claim's write lock (an idle queue costs a
        read); a worker whose last claim came back full skips that read."""
        now = now_micros()
        if look_first:
            async with reading(self.db) as uow:
                if not await uow.jobs.any_due(now):
                    return 0
        until = now + _micros(self.lease_seconds)
        jobs = await transact(self.db, lambda uow: uow.jobs.claim(self.holder, now, until, self.concurrency))
        if jobs:
            await self._run_all(jobs)
        return len(jobs)

    async def run_until_idle(self, rounds: int = 10_000) -> int:
        """Run jobs until none is due (the operator's `annobatch worker --until-idle`, tests)."""
        done, ran = 0, 0
        for _ in range(rounds):
            ran = await self.run_once(look_first=ran < self.concurrency)
            if not ran:
                break
            done += ran
        return done

    async def run_forever(self, stopping: asyncio.Event | None = None) -> None:
        """Run jobs as they come due, until cancelled or `stopping` is set (then the jobs in hand
        finish first); an empty queue is asked again every `poll_seconds` (jittered, so that
        replicas started together do not ask in step)."""
        stopping = stopping or asyncio.Event()
        ran = 0
        while not stopping.is_set():
            try:
                ran = await self.run_once(look_first=ran < self.concurrency)
            except Exception:
                log.exception("claiming jobs failed; trying again in %.1f s", self.poll_seconds)
                ran = 0
            if not ran:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), self.poll_seconds * random.uniform(0.5, 1.0))

    def start(self, grace_seconds: float = 10.0) -> Callable[[], Awaitable[None]]:
        """`run_forever` as a task of the running loop; answers how to stop it: the jobs in hand
        get `grace_seconds` to finish, then they are cancelled (their leases run out and another
        worker runs them again)."""
        stopping = asyncio.Event()
        task = asyncio.create_task(self.run_forever(stopping), name="annobatch job worker")

        async def stop() -> None:
            stopping.set()
            done, _ = await asyncio.wait({task}, timeout=grace_seconds)
            if not done:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        return stop

    async def _run_all(self, jobs: list[JobRecord]) -> None:
        """Run the claimed jobs together, then record every outcome in one transaction."""
        outcomes = await asyncio.gather(*(self._run(job) for job in jobs))
        now = time.time()
        async with writing(self.db) as uow:
            await uow.jobs.done_many(
                [j.id for j, e in zip(jobs, outcomes, strict=True) if e is None], self.holder
            )
            for job, error in zip(jobs, outcomes, strict=True):
                if error is None:
                    continue
                kind = self.kinds.get(job.kind)
                retry_at = None if kind is None else kind.retries.next_run(job.attempts, now)
                if retry_at is None:
                    log.warning(
                        "job %d (%s) is dead after %d attempts: %s", job.id, job.kind, job.attempts, error
                    )
                else:
                    log.info("job %d (%s) failed (attempt %d): %s", job.id, job.kind, job.attempts, error)
                run_after = None if retry_at is None else _micros(retry_at)
                attempts = job.attempts if kind is None else kind.retries.attempts
                await uow.jobs.failed(job.id, self.holder, error, _micros(now), run_after, attempts)

    async def _run(self, job: JobRecord) -> str | None:
        """Run one job under its renewed lease; answers its error (None: it succeeded)."""
        kind = self.kinds.get(job.kind)
        beat = asyncio.create_task(self._heartbeat(job))
        try:
            if kind is None:
                raise LookupError(f"no handler for jobs of kind {job.kind!r} in this annobatch")
            await kind.handler(job)
        except Exception as e:
            return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        finally:
            beat.cancel()
        return None

    async def _heartbeat(self, job: JobRecord) -> None:
        """Renew the job's lease while its handler works."""
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            with contextlib.suppress(Exception):
                async with writing(self.db) as uow:
                    await uow.jobs.renew(job.id, self.holder, now_micros() + _micros(self.lease_seconds))


def _micros(seconds: float) -> int:
    return int(seconds * 1_000_000)
