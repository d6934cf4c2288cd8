"""Housekeeping leases: one row per periodic job, so that one process at a time runs it across
every worker and replica sharing the database, and not more often than it is due."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import b

_H = t.housekeeping
_NEW = {"name": b("name"), "holder": sa.null(), "expires": 0, "finished": 0}
Q_JOB_ENSURE = Query(
    sa.insert(_H).values(_NEW),
    sqlite=sqlite.insert(_H).values(_NEW).on_conflict_do_nothing(),
    postgresql=postgresql.insert(_H).values(_NEW).on_conflict_do_nothing(),
)
# Free (no holder, or its lease ran out) and due: a concurrent claimer waits for this row's lock,
# then finds it held, so exactly one wins.
Q_JOB_CLAIM = Query(
    sa.update(_H)
    .where(_H.c.name == b("name"), _H.c.expires <= b("now"), _H.c.finished <= b("due_before"))
    .values(holder=b("holder"), expires=b("until"))
    .returning(_H.c.name)
)
Q_JOB_RENEW = Query(
    sa.update(_H)
    .where(_H.c.name == b("name"), _H.c.holder == b("holder"))
    .values(expires=b("until"))
    .returning(_H.c.name)
)
Q_JOB_RELEASE = Query(
    sa.update(_H)
    .where(_H.c.name == b("name"), _H.c.holder == b("holder"))
    .values(holder=sa.null(), expires=0, finished=b("finished"))
)


class HousekeepingQueries:
    """`uow.housekeeping`: claim a job's lease, renew it while running, release it when done.
    Times are microseconds."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def claim(self, name: str, holder: str, now: int, until: int, due_before: int) -> bool:
        """Hold the job until `until` if nobody holds it and it last finished before `due_before`."""
        await self.tx.execute(Q_JOB_ENSURE, {"name": name})
        params = {"name": name, "holder": holder, "now": now, "until": until, "due_before": due_before}
        return bool(await self.tx.fetch_all(Q_JOB_CLAIM, params))

    async def renew(self, name: str, holder: str, until: int) -> bool:
        """Hold the job longer; False when the lease was lost (it ran out and another took it)."""
        return bool(await self.tx.fetch_all(Q_JOB_RENEW, {"name": name, "holder": holder, "until": until}))

    async def release(self, name: str, holder: str, finished: int) -> None:
        await self.tx.execute(Q_JOB_RELEASE, {"name": name, "holder": holder, "finished": finished})
