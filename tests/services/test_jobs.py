"""Background jobs: written in the transaction of what causes them, claimed by one worker each
(`SKIP LOCKED` on PostgreSQL), forgotten when done, retried with pauses that double when they
fail, dead-lettered after their last attempt and shown to staff, who can run them again; a job
whose worker stopped is taken over when its lease runs out."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from annobatch.domain import Forbidden, NotFound, RetryPolicy, Role
from annobatch.services.identity import Caller, operator
from annobatch.services.jobs import JobKind, JobWorker
from annobatch.services.transactions import reading, writing
from annobatch.storage.database import Database
from annobatch.storage.records import JobRecord, now_micros
from conftest import World

pytestmark = pytest.mark.postgres


class Recorder:
    """A job handler that records what it ran, and fails the first `failures` runs of each job."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.runs: list[tuple[int, str]] = []

    async def __call__(self, job: JobRecord) -> None:
        self.runs.append((job.id, job.payload))
        if sum(1 for j, _ in self.runs if j == job.id) <= self.failures:
            raise RuntimeError(f"no luck with {job.payload}")


def enqueue(
    world: World, db: Database, *payloads: str, kind: str = "test.noop", attempts: int = 3
) -> list[int]:
    async def go() -> list[int]:
        async with writing(db) as uow:
            return [
                await uow.jobs.enqueue(kind, p, now=now_micros(), max_attempts=attempts) for p in payloads
            ]

    return world.run(go())


def jobs(world: World, db: Database, status: str | None = None) -> list[JobRecord]:
    async def go() -> list[JobRecord]:
        async with reading(db) as uow:
            return await uow.jobs.page(status, 0, 1000)

    return world.run(go())


def worker(db: Database, handler: Any, retries: RetryPolicy | None = None, **kw: Any) -> JobWorker:
    kind = JobKind(handler, retries or RetryPolicy(attempts=3, base_seconds=0, cap_seconds=0))
    return JobWorker(db, {"test.noop": kind}, **kw)


def test_a_job_enqueued_in_a_transaction_that_rolls_back_never_exists(world: World, db: Database) -> None:
    async def go() -> None:
        with pytest.raises(RuntimeError):
            async with writing(db) as uow:
                await uow.jobs.enqueue("test.noop", "lost", now=now_micros(), max_attempts=1)
                raise RuntimeError("the change failed")

    world.run(go())
    assert jobs(world, db) == []


def test_a_worker_runs_each_due_job_once_and_forgets_it(world: World, db: Database) -> None:
    enqueue(world, db, "a", "b", "c")
    handler = Recorder()
    assert world.run(worker(db, handler, concurrency=2).run_until_idle()) == 3
    assert sorted(p for _, p in handler.runs) == ["a", "b", "c"]
    assert jobs(world, db) == []


def test_a_failing_job_waits_a_doubling_pause_before_it_runs_again(world: World, db: Database) -> None:
    [job_id] = enqueue(world, db, "flaky")
    slow = RetryPolicy(attempts=5, base_seconds=60, cap_seconds=3600)
    before = now_micros()
    assert world.run(worker(db, Recorder(failures=9), slow).run_once()) == 1
    [job] = jobs(world, db)
    assert (job.id, job.status, job.attempts) == (job_id, "queued", 1)
    assert "no luck with flaky" in (job.last_error or "")
    assert job.run_after >= before + 60_000_000  # not due again for a minute
    assert world.run(worker(db, Recorder(), slow).run_once()) == 0
    assert [slow.pause_after(n) for n in (1, 2, 3, 7, 8)] == [60, 120, 240, 3600, 3600]


def test_a_job_failing_its_last_attempt_is_dead_listed_for_staff_and_runs_again_when_retried(
    world: World, db: Database
) -> None:
    org = world.org("acme")
    [job_id] = enqueue(world, db, "doomed")
    handler = Recorder(failures=3)
    world.run(worker(db, handler).run_until_idle())
    assert len(handler.runs) == 3
    [dead] = world.run(world.ops.jobs.jobs(operator(org), status="dead"))
    assert (dead.id, dead.attempts, dead.status) == (job_id, 3, "dead")
    assert world.run(world.ops.jobs.counts(operator(org))) == {"dead": 1}

    retried = world.run(world.ops.jobs.retry(operator(org), job_id))
    assert (retried.status, retried.attempts) == ("queued", 0)
    world.run(worker(db, handler).run_until_idle())
    assert len(handler.runs) == 4  # the fourth run succeeded
    assert jobs(world, db) == []


def test_only_staff_see_jobs_and_only_dead_jobs_can_be_retried(world: World, db: Database) -> None:
    org = world.org("acme")
    caller = Caller("a-client", org, org, Role.CLIENT, None, "client@acme")
    with pytest.raises(Forbidden):
        world.run(world.ops.jobs.jobs(caller))
    [job_id] = enqueue(world, db, "queued")
    with pytest.raises(NotFound, match=f"no dead job {job_id}"):
        world.run(world.ops.jobs.retry(operator(org), job_id))


def test_a_job_whose_worker_stopped_is_taken_over_when_its_lease_runs_out(world: World, db: Database) -> None:
    [job_id] = enqueue(world, db, "orphaned")

    async def claim_and_stop() -> None:
        async with writing(db) as uow:
            now = now_micros()
            [job] = await uow.jobs.claim("a worker that died", now, now + 1, 10)  # a lease of 1 µs
            assert job.id == job_id

    world.run(claim_and_stop())
    handler = Recorder()
    assert world.run(worker(db, handler).run_until_idle()) == 1
    assert handler.runs == [(job_id, "orphaned")]


def test_concurrent_workers_never_run_the_same_job(world: World, db: Database) -> None:
    enqueue(world, db, *(f"j{i}" for i in range(40)))
    handler = Recorder()

    async def go() -> None:
        workers = [worker(db, handler, concurrency=3) for _ in range(4)]
        await asyncio.gather(*(w.run_until_idle() for w in workers))

    world.run(go())
    assert sorted(p for _, p in handler.runs) == sorted(f"j{i}" for i in range(40))


def test_a_job_of_a_kind_nobody_handles_is_dead_at_once(world: World, db: Database) -> None:
    enqueue(world, db, "x", kind="test.unknown")
    world.run(worker(db, Recorder()).run_until_idle())
    [dead] = jobs(world, db, "dead")
    assert "no handler for jobs of kind 'test.unknown'" in (dead.last_error or "")


def test_the_sweep_is_enqueued_once_per_interval_whoever_asks(world: World, db: Database) -> None:
    from annobatch.domain import SweepPolicy
    from annobatch.services.housekeeping import SWEEP_JOB, HousekeepingService
    from annobatch.storage.blobs import NoBlobStore

    policy = SweepPolicy(interval_seconds=3600)
    replicas = [HousekeepingService(db, NoBlobStore(), policy=policy) for _ in range(3)]
    assert [world.run(r.enqueue_sweep_if_due()) for r in replicas] == [True, False, False]
    assert [j.kind for j in jobs(world, db)] == [SWEEP_JOB]


def test_a_stopping_worker_lets_the_jobs_in_hand_finish(world: World, db: Database) -> None:
    enqueue(world, db, "slow")
    finished: list[str] = []

    async def slow(job: JobRecord) -> None:
        await asyncio.sleep(0.2)
        finished.append(job.payload)

    async def go() -> None:
        stop = worker(db, slow, poll_seconds=0.01).start(grace_seconds=30)
        while not any(j.status == "running" for j in await _jobs(db)):
            await asyncio.sleep(0.01)
        await stop()

    world.run(go())
    assert finished == ["slow"]
    assert jobs(world, db) == []


async def _jobs(db: Database) -> list[JobRecord]:
    async with reading(db) as uow:
        return await uow.jobs.page(None, 0, 10)
