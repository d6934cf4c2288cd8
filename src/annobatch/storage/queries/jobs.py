"""Background jobs: enqueue in the transaction of what causes them, claim a few at a time, finish.

A claim takes the oldest due queued jobs with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so that the
workers of every replica each take other jobs and none waits for another; on SQLite the claim's
write transaction (`BEGIN IMMEDIATE`) serialises the claimers. Times are microseconds.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from annobatch.domain import JobStatus
from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import b, in_list, insert, shaped
from annobatch.storage.records import JobRecord

_J = t.jobs
QUEUED, RUNNING, DEAD = JobStatus.QUEUED.value, JobStatus.RUNNING.value, JobStatus.DEAD.value

Q_ENQUEUE = insert(_J, returning="id")
_DUE = (
    sa.select(_J.c.id)
    .where(_J.c.status == QUEUED, _J.c.run_after <= b("now"))
    .order_by(_J.c.run_after, _J.c.id)
    .limit(b("limit"))
)
Q_CLAIM = Query(
    sa.update(_J)
    .where(_J.c.id.in_(_DUE.with_for_update(skip_locked=True).scalar_subquery()))
    .values(
        status=RUNNING,
        holder=b("holder"),
        lease_until=b("until"),
        attempts=_J.c.attempts + 1,
        updated=b("now"),
    )
    .returning(*_J.c),
    sqlite=sa.update(_J)
    .where(_J.c.id.in_(_DUE.scalar_subquery()))
    .values(
        status=RUNNING,
        holder=b("holder"),
        lease_until=b("until"),
        attempts=_J.c.attempts + 1,
        updated=b("now"),
    )
    .returning(*_J.c),
)
# A running job whose lease ran out: its worker stopped. That attempt failed; it is queued again,
# or dead when it was the last.
_STOPPED = "the worker running it stopped before it finished (its lease ran out)"
_STOPPED_IDS = sa.select(_J.c.id).where(_J.c.status == RUNNING, _J.c.lease_until <= b("now"))
_REQUEUE = sa.update(_J).values(
    status=sa.case((_J.c.attempts >= _J.c.max_attempts, DEAD), else_=QUEUED),
    holder=sa.null(),
    last_error=_STOPPED,
    run_after=b("now"),
    updated=b("now"),
)
# Concurrent claimers pass over the rows another is requeueing (no wait, no deadlock).
Q_REQUEUE_STOPPED = Query(
    _REQUEUE.where(_J.c.id.in_(_STOPPED_IDS.with_for_update(skip_locked=True).scalar_subquery())),
    sqlite=_REQUEUE.where(_J.c.id.in_(_STOPPED_IDS.scalar_subquery())),
)
Q_ANY_DUE = Query(
    sa.select(_J.c.id)
    .where(
        sa.or_(
            sa.and_(_J.c.status == QUEUED, _J.c.run_after <= b("now")),
            sa.and_(_J.c.status == RUNNING, _J.c.lease_until <= b("now")),
        )
    )
    .limit(1)
)
Q_RENEW = Query(
    sa.update(_J)
    .where(_J.c.id == b("id"), _J.c.holder == b("holder"), _J.c.status == RUNNING)
    .values(lease_until=b("until"))
)
Q_DONE = Query(sa.delete(_J).where(_J.c.id == b("id"), _J.c.holder == b("holder"), _J.c.status == RUNNING))
Q_FAILED = Query(
    sa.update(_J)
    .where(_J.c.id == b("id"), _J.c.holder == b("holder"), _J.c.status == RUNNING)
    .values(
        status=b("status"),
        holder=sa.null(),
        run_after=b("run_after"),
        last_error=b("error"),
        updated=b("now"),
        max_attempts=b("max_attempts"),
    )
)
Q_RETRY = Query(
    sa.update(_J)
    .where(_J.c.id == b("id"), _J.c.status == DEAD)
    .values(status=QUEUED, attempts=0, run_after=b("now"), updated=b("now"))
    .returning(*_J.c)
)
Q_GET = Query(sa.select(_J).where(_J.c.id == b("id")))
_LIST = sa.select(_J).where(_J.c.id > b("after")).order_by(_J.c.id).limit(b("limit"))
Q_LIST = Query(_LIST)
Q_LIST_STATUS = Query(_LIST.where(_J.c.status == b("status")))
Q_COUNTS = Query(sa.select(_J.c.status, sa.func.count()).group_by(_J.c.status))


class JobQueries:
    """`uow.jobs`: the job queue."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def enqueue(
        self, kind: str, payload: str, *, now: int, max_attempts: int, run_after: int | None = None,
        org: int | None = None,
    ) -> int:  # fmt: skip
        """A queued job, run once the transaction commits (not before `run_after`)."""
        values: dict[str, Any] = {
            "kind": kind, "payload": payload, "status": QUEUED, "attempts": 0, "max_attempts": max_attempts,
            "run_after": now if run_after is None else run_after, "holder": None, "lease_until": 0,
            "last_error": None, "organization_id": org, "created": now, "updated": now,
        }  # fmt: skip
        return int(await self.tx.fetch_val(Q_ENQUEUE, values))

    async def claim(self, holder: str, now: int, until: int, limit: int) -> list[JobRecord]:
        """Up to `limit` due jobs, oldest first, now running under `holder`'s lease until `until`
        (jobs whose worker stopped are queued again first)."""
        await self.tx.execute(Q_REQUEUE_STOPPED, {"now": now})
        rows = await self.tx.fetch_all(
            Q_CLAIM, {"holder": holder, "now": now, "until": until, "limit": limit}
        )
        return sorted((JobRecord(*r) for r in rows), key=lambda j: (j.run_after, j.id))

    async def any_due(self, now: int) -> bool:
        """Whether a claim would find anything (a read: an idle queue takes no write lock)."""
        return await self.tx.fetch_one(Q_ANY_DUE, {"now": now}) is not None

    async def renew(self, job_id: int, holder: str, until: int) -> None:
        await self.tx.execute(Q_RENEW, {"id": job_id, "holder": holder, "until": until})

    async def done(self, job_id: int, holder: str) -> None:
        """A job that succeeded is forgotten."""
        await self.tx.execute(Q_DONE, {"id": job_id, "holder": holder})

    async def done_many(self, job_ids: list[int], holder: str) -> None:
        """Jobs that succeeded, forgotten in one statement."""
        if not job_ids:
            return
        ids, values = in_list(_J.c.id, "id", job_ids)
        q = shaped(("jobs-done", len(values)), lambda: sa.delete(_J).where(ids, _J.c.holder == b("holder")))
        await self.tx.execute(q, {**values, "holder": holder})

    async def failed(
        self, job_id: int, holder: str, error: str, now: int, run_after: int | None, max_attempts: int
    ) -> None:
        """Queued again to run after `run_after`, or dead (None); `max_attempts`: its kind's, as
        the worker's settings have it."""
        status = DEAD if run_after is None else QUEUED
        values = {
            "id": job_id, "holder": holder, "status": status, "error": error[:2000], "now": now,
            "max_attempts": max_attempts,
        }  # fmt: skip
        await self.tx.execute(Q_FAILED, {**values, "run_after": now if run_after is None else run_after})

    async def retry(self, job_id: int, now: int) -> JobRecord | None:
        """A dead job queued again with its attempts reset; None if there is no such dead job."""
        row = await self.tx.fetch_one(Q_RETRY, {"id": job_id, "now": now})
        return None if row is None else JobRecord(*row)

    async def get(self, job_id: int) -> JobRecord | None:
        row = await self.tx.fetch_one(Q_GET, {"id": job_id})
        return None if row is None else JobRecord(*row)

    async def page(self, status: str | None, after: int, limit: int) -> list[JobRecord]:
        """Jobs in id order after a cursor, of one status or all."""
        values: dict[str, Any] = {"after": after, "limit": limit}
        if status is None:
            return [JobRecord(*r) for r in await self.tx.fetch_all(Q_LIST, values)]
        return [JobRecord(*r) for r in await self.tx.fetch_all(Q_LIST_STATUS, {**values, "status": status})]

    async def counts(self) -> dict[str, int]:
        """How many jobs there are of each status."""
        return {str(s): int(n) for s, n in await self.tx.fetch_all(Q_COUNTS)}
