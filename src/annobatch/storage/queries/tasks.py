"""Tasks: one piece of work on one input in one phase. Beside the single-row reads and moves, the
claim: the next `todo` task a member may do, taken so that two claimers never get the same one.

A move is a conditional UPDATE (`… WHERE status = 'todo'`, `… AND holder = :holder`) that answers
the rows it changed (`RETURNING`): a move that lost a race changes nothing and says so, on SQLite
and on PostgreSQL alike. On PostgreSQL the claim's pick also takes the task and its input with
`FOR NO KEY UPDATE … SKIP LOCKED`, so that concurrent claimers each pass over what the others are
taking instead of queueing behind it (a SQLite writer holds the whole database: nothing interleaves).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import b, bucket, in_list, insert, one_of, params, shaped
from annobatch.storage.records import TaskListing, TaskRecord, WaitingWork

_T, _I, _B, _PM, _S = t.tasks, t.inputs, t.batches, t.project_members, t.scenes

#: Only the inputs of batches in these statuses are handed out: an `open` batch's tasks wait for
#: its publication; a `completed` one has work again only when a client reopened an input.
WORKING_BATCH_STATUSES = ("ready", "in-progress", "completed")
OPEN_TASK_STATUSES = ("todo", "ongoing")

Q_TASK_INSERT = insert(_T)
_BY_ID = sa.select(*_T.c).where(_T.c.id == b("id"), _T.c.organization_id == b("org"))
Q_TASK = Query(_BY_ID)
Q_TASK_FOR_UPDATE = Query(_BY_ID.with_for_update(key_share=True))
Q_TASK_ANY_ORG = Query(sa.select(*_T.c).where(_T.c.id == b("id")))
Q_OPEN_OF_INPUT = Query(
    sa.select(*_T.c)
    .where(_T.c.input_id == b("input_id"), one_of(_T.c.status, OPEN_TASK_STATUSES))
    .order_by(_T.c.created, _T.c.id)
)
Q_OF_INPUT = Query(sa.select(*_T.c).where(_T.c.input_id == b("input_id")).order_by(_T.c.created, _T.c.id))

Q_START = Query(
    sa.update(_T)
    .where(_T.c.id == b("id"), _T.c.status == "todo")
    .values(status="ongoing", holder=b("holder"), touched=b("now"))
    .returning(*_T.c)
)
Q_RELEASE = Query(
    sa.update(_T)
    .where(_T.c.id == b("id"), _T.c.status == "ongoing")
    .values(status="todo", holder=sa.null(), touched=sa.null())
    .returning(_T.c.id)
)
Q_EXPIRE_ONE = Query(
    sa.update(_T)
    .where(_T.c.id == b("id"), _T.c.status == "ongoing", _T.c.touched < b("cutoff"))
    .values(status="todo", holder=sa.null(), touched=sa.null())
    .returning(_T.c.id)
)
Q_FINISH = Query(
    sa.update(_T)
    .where(_T.c.id == b("id"), _T.c.status == "ongoing")
    .values(status="done", finished=b("now"))
    .returning(_T.c.id)
)
Q_SAVE_DRAFT = Query(
    sa.update(_T)
    .where(_T.c.id == b("id"), _T.c.status == "ongoing")
    .values(draft=b("draft"), touched=b("now"))
    .returning(_T.c.id)
)
Q_SET_ASSIGNEE = Query(
    sa.update(_T)
    .where(_T.c.id == b("id"), _T.c.status == "todo")
    .values(assignee=b("assignee"))
    .returning(_T.c.id)
)
Q_CANCEL_OF_INPUT = Query(
    sa.update(_T)
    .where(_T.c.input_id == b("input_id"), one_of(_T.c.status, OPEN_TASK_STATUSES))
    .values(status="cancelled", finished=b("now"))
    .returning(_T.c.id)
)
Q_DELETE_OF_INPUT = Query(sa.delete(_T).where(_T.c.input_id == b("input_id")))
Q_UNASSIGN_MEMBER = Query(
    sa.update(_T)
    .where(_T.c.project_id == b("project_id"), _T.c.assignee == b("user_id"), _T.c.status == "todo")
    .values(assignee=sa.null())
    .returning(_T.c.id)
)
Q_EXPIRED = Query(
    sa.select(_T.c.id, _T.c.input_id)
    .where(_T.c.status == "ongoing", _T.c.touched < b("cutoff"))
    .order_by(_T.c.touched, _T.c.id)
    .limit(b("limit"))
)
Q_STARTED_IN_BATCH = Query(
    sa.select(sa.func.count())
    .select_from(_I)
    .where(_I.c.batch_id == b("batch_id"), _I.c.work_status != "not_started")
)


_P = t.projects
Q_HELD_BY = Query(
    sa.select(*_T.c, _P.c.external_id, _B.c.external_id, _S.c.id, _S.c.external_id)
    .select_from(
        _T.join(_P, _P.c.id == _T.c.project_id)
        .join(_B, _B.c.id == _T.c.batch_id)
        .join(_I, _I.c.id == _T.c.input_id)
        .join(_S, _S.c.id == _I.c.scene_id)
    )
    .where(
        _T.c.organization_id == b("org"),
        sa.or_(
            sa.and_(_T.c.status == "ongoing", _T.c.holder == b("uid")),
            sa.and_(_T.c.status == "todo", _T.c.assignee == b("uid")),
        ),
    )
    .order_by(_T.c.created, _T.c.id)
    .limit(b("limit"))
)


@dataclass(frozen=True, slots=True)
class ClaimFilter:
    """Which `todo` tasks a claimer may take.

    - `org`: the claimer's organization; `user_id`: who claims (their assignments come first);
    - `member`: only tasks of projects the user is a member of (the workforce), else any of the
      organization's projects (staff);
    - `any_assignee`: also tasks assigned to someone else (staff), else only unassigned ones and
      the user's own;
    - `project_id`, `kinds`: narrower still.
    """

    org: int
    user_id: int
    member: bool
    any_assignee: bool
    kinds: tuple[str, ...]
    project_id: int | None = None


def _row(r: Sequence[Any]) -> TaskRecord:
    return TaskRecord(*r)


def _claimable(f: ClaimFilter, kinds: Any) -> list[Any]:
    """The conditions on a task (joined with its input and batch) that `f`'s claimer may take."""
    conds: list[Any] = [
        _T.c.status == "todo",
        _T.c.organization_id == b("org"),
        kinds,
        _I.c.status == "created",
        one_of(_B.c.status, WORKING_BATCH_STATUSES),
    ]
    if f.project_id is not None:
        conds.append(_T.c.project_id == b("project_id"))
    if f.member:
        conds.append(_T.c.project_id.in_(sa.select(_PM.c.project_id).where(_PM.c.user_id == b("uid"))))
    if not f.any_assignee:
        conds.append(sa.or_(_T.c.assignee.is_(None), _T.c.assignee == b("uid")))
    return conds


class TaskQueries:
    """`uow.tasks`: insert, find (within an organization), claim, move, list and expire tasks."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def insert(self, rec: TaskRecord) -> TaskRecord:
        await self.tx.execute(Q_TASK_INSERT, params(rec))
        return rec

    async def get(self, org: int, task_id: str, lock: bool = False) -> TaskRecord | None:
        """The organization's task (another organization's is None), optionally locked."""
        row = await self.tx.fetch_one(Q_TASK_FOR_UPDATE if lock else Q_TASK, {"id": task_id, "org": org})
        return None if row is None else _row(row)

    async def get_any_org(self, task_id: str) -> TaskRecord | None:
        row = await self.tx.fetch_one(Q_TASK_ANY_ORG, {"id": task_id})
        return None if row is None else _row(row)

    async def open_of_input(self, input_id: str) -> list[TaskRecord]:
        """The input's open tasks (todo or ongoing): at most one, by the rules."""
        return [_row(r) for r in await self.tx.fetch_all(Q_OPEN_OF_INPUT, {"input_id": input_id})]

    async def of_input(self, input_id: str) -> list[TaskRecord]:
        """Every task the input had, oldest first."""
        return [_row(r) for r in await self.tx.fetch_all(Q_OF_INPUT, {"input_id": input_id})]

    async def pick(self, f: ClaimFilter) -> tuple[str, str, int, str] | None:
        """The next task the filter allows — the user's own assignments first, then the oldest
        input — as (task id, input id, batch id, batch status), locked with its input on
        PostgreSQL (rows others are locking are passed over). Take it with `start`."""
        values: dict[str, Any] = {"org": f.org, "uid": f.user_id}
        kinds, kind_values = in_list(_T.c.kind, "k", f.kinds)
        values.update(kind_values)
        if f.project_id is not None:
            values["project_id"] = f.project_id
        key = ("claim", f.member, f.any_assignee, f.project_id is not None, bucket(len(f.kinds)))

        def build() -> Any:
            mine_first = sa.case((_T.c.assignee == b("uid"), 0), else_=1)
            return (
                sa.select(_T.c.id, _T.c.input_id, _T.c.batch_id, _B.c.status)
                .select_from(_T.join(_I, _I.c.id == _T.c.input_id).join(_B, _B.c.id == _T.c.batch_id))
                .where(*_claimable(f, kinds))
                .order_by(mine_first, _I.c.created, _T.c.created, _T.c.id)
                .limit(1)
                .with_for_update(key_share=True, skip_locked=True, of=[_T, _I])
            )

        row = await self.tx.fetch_one(shaped(key, build), values)
        return None if row is None else (row[0], row[1], int(row[2]), row[3])

    async def waiting(self, f: ClaimFilter) -> list[WaitingWork]:
        """What the filter's claimer could claim, counted per project and kind (none locked)."""
        values: dict[str, Any] = {"org": f.org, "uid": f.user_id}
        kinds, kind_values = in_list(_T.c.kind, "k", f.kinds)
        values.update(kind_values)
        if f.project_id is not None:
            values["project_id"] = f.project_id
        key = ("waiting", f.member, f.any_assignee, f.project_id is not None, bucket(len(f.kinds)))

        def build() -> Any:
            mine = sa.func.sum(sa.case((_T.c.assignee == b("uid"), 1), else_=0))
            return (
                sa.select(_T.c.project_id, _T.c.kind, sa.func.count(), mine)
                .select_from(_T.join(_I, _I.c.id == _T.c.input_id).join(_B, _B.c.id == _T.c.batch_id))
                .where(*_claimable(f, kinds))
                .group_by(_T.c.project_id, _T.c.kind)
                .order_by(_T.c.project_id, _T.c.kind)
            )

        rows = await self.tx.fetch_all(shaped(key, build), values)
        return [WaitingWork(int(r[0]), r[1], int(r[2]), int(r[3] or 0)) for r in rows]

    async def held_by(self, org: int, user_id: int, limit: int = 100) -> list[TaskListing]:
        """The ongoing tasks a user holds and the todo tasks assigned to them, oldest first, with
        their project's, batch's and scene's names."""
        rows = await self.tx.fetch_all(Q_HELD_BY, {"org": org, "uid": user_id, "limit": limit})
        return [TaskListing(_row(r[: len(_T.c)]), *r[len(_T.c) :]) for r in rows]

    async def start(self, task_id: str, holder: int, now: int) -> TaskRecord | None:
        """todo → ongoing, held by `holder` from `now`; None if it was no longer todo."""
        row = await self.tx.fetch_one(Q_START, {"id": task_id, "holder": holder, "now": now})
        return None if row is None else _row(row)

    async def release(self, task_id: str) -> bool:
        """ongoing → todo, held by no one (given up)."""
        return await self.tx.fetch_one(Q_RELEASE, {"id": task_id}) is not None

    async def expire(self, task_id: str, cutoff: int) -> bool:
        """ongoing → todo if it was last touched before `cutoff`."""
        return await self.tx.fetch_one(Q_EXPIRE_ONE, {"id": task_id, "cutoff": cutoff}) is not None

    async def finish(self, task_id: str, now: int) -> bool:
        """ongoing → done."""
        return await self.tx.fetch_one(Q_FINISH, {"id": task_id, "now": now}) is not None

    async def save_draft(self, task_id: str, draft: str, now: int) -> bool:
        """The holder's work in progress; renews the lease."""
        return await self.tx.fetch_one(Q_SAVE_DRAFT, {"id": task_id, "draft": draft, "now": now}) is not None

    async def set_assignee(self, task_id: str, user_id: int | None) -> bool:
        """Assign a todo task (None: unassign)."""
        return await self.tx.fetch_one(Q_SET_ASSIGNEE, {"id": task_id, "assignee": user_id}) is not None

    async def cancel_of_input(self, input_id: str, now: int) -> list[str]:
        """Cancel the input's open tasks; answers their ids."""
        return [r[0] for r in await self.tx.fetch_all(Q_CANCEL_OF_INPUT, {"input_id": input_id, "now": now})]

    async def delete_of_input(self, input_id: str) -> None:
        await self.tx.execute(Q_DELETE_OF_INPUT, {"input_id": input_id})

    async def unassign_member(self, project_id: int, user_id: int) -> list[str]:
        """Unassign a member's todo tasks in a project (they left it)."""
        values = {"project_id": project_id, "user_id": user_id}
        return [r[0] for r in await self.tx.fetch_all(Q_UNASSIGN_MEMBER, values)]

    async def expired(self, cutoff: int, limit: int = 500) -> list[tuple[str, str]]:
        """(task id, input id) of ongoing tasks last touched before `cutoff`, oldest first."""
        return [(r[0], r[1]) for r in await self.tx.fetch_all(Q_EXPIRED, {"cutoff": cutoff, "limit": limit})]

    async def started_in_batch(self, batch_id: int) -> bool:
        """Whether work has started on any input of the batch."""
        return bool(await self.tx.fetch_val(Q_STARTED_IN_BATCH, {"batch_id": batch_id}))

    async def page(
        self,
        org: int,
        *,
        member_of: int | None = None,
        workspace_id: str | None = None,
        project_id: int | None = None,
        batch_id: int | None = None,
        status: str | None = None,
        kind: str | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[TaskRecord]:
        """A page of the organization's tasks in (created, id) order after the task `after`;
        `member_of`: only those of projects that user is a member of; `workspace_id`: only those of
        inputs of that workspace's scenes."""
        values: dict[str, Any] = {"org": org, "limit": limit}
        optional = {
            "uid": member_of,
            "ws": workspace_id,
            "project_id": project_id,
            "batch_id": batch_id,
            "status": status,
            "kind": kind,
            "after": after,
        }
        values.update({k: v for k, v in optional.items() if v is not None})
        key = ("task-page", *(k for k, v in optional.items() if v is not None))

        def build() -> Any:
            conds: list[Any] = [_T.c.organization_id == b("org")]
            if member_of is not None:
                conds.append(
                    _T.c.project_id.in_(sa.select(_PM.c.project_id).where(_PM.c.user_id == b("uid")))
                )
            if workspace_id is not None:
                conds.append(
                    sa.exists().where(
                        _I.c.id == _T.c.input_id, _S.c.id == _I.c.scene_id, _S.c.workspace_id == b("ws")
                    )
                )
            for name in ("project_id", "batch_id", "status", "kind"):
                if optional[name] is not None:
                    conds.append(_T.c[name] == b(name))
            if after is not None:
                prev = _T.alias("prev")
                prev_created = sa.select(prev.c.created).where(prev.c.id == b("after")).scalar_subquery()
                conds.append(sa.tuple_(_T.c.created, _T.c.id) > sa.tuple_(prev_created, b("after")))
            return sa.select(*_T.c).where(*conds).order_by(_T.c.created, _T.c.id).limit(b("limit"))

        return [_row(r) for r in await self.tx.fetch_all(shaped(key, build), values)]
