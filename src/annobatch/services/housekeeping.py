"""Housekeeping of the blob store: deletions that survive a crash, and the sweep.

A change that leaves blobs without a row referring to them (an invalidation, a file uploaded
again) records them in `blob_deletions` in its own transaction; after the commit the files are
deleted and then the records (`finish_deletions`). A crash in between leaves the records, and the
sweep finishes them. The sweep also removes partial uploads nobody writes to any more and blobs no
row refers to past a grace period, abandons stale pending scenes and returns tasks held past their
lease (`domain.SweepPolicy`). It runs as a background job (`SWEEP_JOB`), enqueued periodically
by one process at a time across workers and replicas, and on demand with `annobatch blobs sweep`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from annobatch.domain import DEFAULT_LEASE_SECONDS, SweepPolicy, orphaned_blobs
from annobatch.services.blob_deletions import finish_deletions
from annobatch.services.leases import expire_leases
from annobatch.services.scene_recovery import SceneRecoveryService
from annobatch.services.transactions import reading, writing
from annobatch.storage.blobs import BlobStore
from annobatch.storage.database import Database
from annobatch.storage.records import JobRecord, now_micros

log = logging.getLogger("annobatch.housekeeping")

SWEEP = "blob-sweep"
#: The lease row that decides, across processes, when the sweep job is enqueued next.
SCHEDULE = "blob-sweep-schedule"
#: The job kind of the periodic sweep, and how often it is tried when it fails.
SWEEP_JOB = "housekeeping.sweep"
SWEEP_ATTEMPTS = 3
#: How long a running sweep holds its lease; it renews it after each page of work, so that a sweep
#: that died is taken over after this long, and one that lives is never run twice at once.
LEASE_SECONDS = 300.0
#: The server's first sweep comes this long after start at most (a random moment, so that workers
#: starting together do not all ask at once); later ones every interval.
FIRST_SWEEP_WITHIN_SECONDS = 30.0


@dataclass
class SweepReport:
    """What a sweep removed (or, in a dry run, would remove)."""

    dry_run: bool = False
    #: blobs whose deletion a committed change recorded, left by a crash or a failed delete
    deletions: list[str] = field(default_factory=list)
    #: temporary files of uploads nobody writes to any more
    partials: list[str] = field(default_factory=list)
    #: blobs no row refers to, past the grace period
    orphans: list[str] = field(default_factory=list)
    #: pending scenes abandoned for being left uncommitted past their retention (not in a dry run)
    abandoned_scenes: int = 0
    #: False when the sweep stopped early: its lease was lost to another process
    complete: bool = True
    #: tasks held past their lease that went back to `todo` (not in a dry run)
    expired_tasks: int = 0

    @property
    def removed(self) -> int:
        return len(self.deletions) + len(self.partials) + len(self.orphans)


def process_name() -> str:
    """Who holds a lease: host, process, and a token that tells two stores in one process apart."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaseLost(Exception):
    """The sweep's lease ran out and another process took it: this sweep stops where it is."""


class HousekeepingService:
    """The sweep of the blob store, on demand or periodically."""

    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        task_lease_seconds: int = DEFAULT_LEASE_SECONDS,
        policy: SweepPolicy | None = None,
    ) -> None:
        self.db = db
        #: what the periodic sweep (the sweep job) removes, and how often it is enqueued
        self.policy = policy or SweepPolicy()
        self.blobs = blobs
        self.task_lease_seconds = task_lease_seconds
        self.holder = process_name()

    async def sweep(
        self, policy: SweepPolicy, *, dry_run: bool = False, only_if_due: bool = False
    ) -> SweepReport | None:
        """One sweep: finish recorded deletions, remove abandoned partial uploads, remove blobs no
        row refers to past the grace period. None when another process is sweeping (or, with
        `only_if_due`, when the last sweep finished less than the policy's interval ago). A dry run
        removes nothing and takes no lease: it reports what a sweep would remove now."""
        now = time.time()
        report = SweepReport(dry_run=dry_run)
        if dry_run:
            await self._sweep(policy, now, report, dry_run=True)
            return report
        due_before = policy.due_before(now) if only_if_due else now
        if not await self._claim(now, due_before):
            return None
        try:
            await self._sweep(policy, now, report, dry_run=False)
        except LeaseLost:
            log.warning("the blob sweep's lease was taken over; this sweep stops here")
            report.complete = False
        finally:
            with contextlib.suppress(Exception):
                async with writing(self.db) as uow:
                    await uow.housekeeping.release(SWEEP, self.holder, now_micros())
        return report

    async def _sweep(self, policy: SweepPolicy, now: float, report: SweepReport, dry_run: bool) -> None:
        if not dry_run:
            # Tasks held past their lease without a save go back to `todo`.
            report.expired_tasks = await expire_leases(self.db, self.task_lease_seconds, _micros(now))
        if not dry_run and policy.stale_scene_after_seconds > 0:
            # First, so that the files of the scenes it abandons go in this same sweep.
            recovery = SceneRecoveryService(self.db, self.blobs)
            report.abandoned_scenes = await recovery.sweep_stale_scenes(int(policy.stale_scene_after_seconds))
            await self._renew()
        async for keys in self._recorded_deletions():
            if not dry_run:
                keys = await finish_deletions(self.db, self.blobs, keys)
                await self._renew()
            report.deletions.extend(keys)
        for name in await self.blobs.partials(policy.partials_before(now)):
            if not dry_run:
                await self.blobs.remove_partial(name)
            report.partials.append(name)
        async for page in self.blobs.blobs(policy.orphans_before(now)):
            async with reading(self.db) as uow:
                orphans = orphaned_blobs(page, await uow.blob_deletions.referenced(page))
            for key in orphans:
                if not dry_run:
                    try:
                        await self.blobs.delete(key)
                    except OSError as e:
                        log.warning("unreferenced blob %s not deleted: %s", key, e)
                        continue
                report.orphans.append(key)
            if not dry_run:
                await self._renew()

    async def _recorded_deletions(self) -> AsyncIterator[list[str]]:
        after = ""
        while True:
            async with reading(self.db) as uow:
                keys = await uow.blob_deletions.pending(after)
            if not keys:
                return
            yield keys
            after = keys[-1]

    async def _claim(self, now: float, due_before: float) -> bool:
        async with writing(self.db) as uow:
            return await uow.housekeeping.claim(
                SWEEP, self.holder, _micros(now), _micros(now + LEASE_SECONDS), _micros(due_before)
            )

    async def _renew(self) -> None:
        async with writing(self.db) as uow:
            if not await uow.housekeeping.renew(SWEEP, self.holder, _micros(time.time() + LEASE_SECONDS)):
                raise LeaseLost

    async def enqueue_sweep_if_due(self) -> bool:
        """Enqueue the sweep as a job when it is due (its interval passed since the last one was
        enqueued): one process decides, across every worker and replica."""
        now = time.time()
        async with writing(self.db) as uow:
            due_before = _micros(now - self.policy.interval_seconds)
            if not await uow.housekeeping.claim(
                SCHEDULE, self.holder, _micros(now), _micros(now), due_before
            ):
                return False
            await uow.housekeeping.release(SCHEDULE, self.holder, _micros(now))
            await uow.jobs.enqueue(SWEEP_JOB, "{}", now=_micros(now), max_attempts=SWEEP_ATTEMPTS)
            return True

    async def sweep_job(self, job: JobRecord) -> None:
        """The sweep job: one sweep (nothing when another process is sweeping now)."""
        report = await self.sweep(self.policy)
        if report is not None and (report.removed or report.abandoned_scenes or report.expired_tasks):
            log.info(
                "sweep: %d task leases expired, %d stale pending scenes abandoned, "
                "%d recorded deletions finished, %d partial uploads and %d unreferenced blobs removed",
                report.expired_tasks,
                report.abandoned_scenes,
                len(report.deletions),
                len(report.partials),
                len(report.orphans),
            )

    def start_sweeping(self) -> Callable[[], Awaitable[None]]:
        """Run `schedule_periodically` as a task of the running event loop (unless the policy's
        interval is 0); answers how to stop it."""
        if not self.policy.interval_seconds:
            return _nothing
        task = asyncio.create_task(self.schedule_periodically(), name="annobatch sweep schedule")

        async def stop() -> None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        return stop

    async def schedule_periodically(self) -> None:
        """Every `policy.interval_seconds` (jittered), enqueue the sweep job if it is due, until
        cancelled; the job workers run it. A failure (the database unavailable) is logged and
        tried again."""
        interval = self.policy.interval_seconds
        delay = random.uniform(0, min(FIRST_SWEEP_WITHIN_SECONDS, interval))
        while True:
            await asyncio.sleep(delay)
            delay = interval * random.uniform(0.5, 1.0)
            try:
                await self.enqueue_sweep_if_due()
            except Exception:
                log.exception("enqueueing the sweep failed; trying again in %.0f s", delay)


async def _nothing() -> None:
    return None


def _micros(seconds: float) -> int:
    return int(seconds * 1_000_000)
