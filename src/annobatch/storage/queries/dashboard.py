"""What the dashboard's pages read at a glance: inputs counted by where they are (per project, per
batch), the newest entries of a project's audit log, a batch's inputs page by page with filters,
and the delivered annotations of a page's inputs.

An input is counted as `failed` (its scene failed), `invalidated`, or else by its work status
(`not_started`, `in_progress`, `completed`). Every read of inputs is narrowed to a `Scope`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from annobatch.domain import SceneStatus
from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import Scoped, b, bucket, in_list, one_of, scope_values, shaped
from annobatch.storage.records import BatchRecord, DashboardInputRow, EventRecord
from annobatch.storage.scope import Scope

_P, _B, _I, _S, _E, _AV = t.projects, t.batches, t.inputs, t.scenes, t.events, t.annotation_versions
_T = t.tasks

#: Where an input is, in one word: the segments of the progress bars.
_place = sa.case(
    (_I.c.status.like("invalidated%"), sa.literal("invalidated")),
    (_I.c.status == "failed", sa.literal("failed")),
    else_=_I.c.work_status,
).label("place")
#: The statuses of inputs out of the work: counted apart from their work status.
_OUT = (SceneStatus.FAILED.value, *(s.value for s in SceneStatus if s.is_invalidated))


def _in_workspace() -> sa.ColumnElement[bool]:
    ws = _S.alias("scene_ws")
    return sa.exists().where(ws.c.id == _I.c.scene_id, ws.c.workspace_id == b("ws"))


# Counting a batch of 100,000 inputs at every view: the work statuses come from a scan of the
# covering index on (batch, work status), never the rows; the few inputs out of the work (failed,
# invalidated) are then read through the index on (batch, status) and moved to their own words.
_BY_BATCH = _B.join(_I, _I.c.batch_id == _B.c.id)
_BY_PROJECT = _P.join(_B, _B.c.project_id == _P.c.id).join(_I, _I.c.batch_id == _B.c.id)


def _counts(key: Any, source: Any, where: sa.ColumnElement[bool]) -> tuple[Scoped, Scoped]:
    """The two statements of a count by `key`: every input by work status, and the inputs out of
    the work by status and work status."""
    work = sa.select(key, _I.c.work_status, sa.func.count()).select_from(source).where(where)
    out = sa.select(key, _I.c.status, _I.c.work_status, sa.func.count()).select_from(source)
    out = out.where(where, one_of(_I.c.status, _OUT))
    return (
        Scoped(work.group_by(key, _I.c.work_status), _in_workspace()),
        Scoped(out.group_by(key, _I.c.status, _I.c.work_status), _in_workspace()),
    )


Q_COUNTS_BY_PROJECT = _counts(_B.c.project_id, _BY_PROJECT, _P.c.organization_id == b("org"))
Q_COUNTS_BY_BATCH = _counts(_B.c.id, _BY_BATCH, _B.c.project_id == b("project_id"))
Q_COUNTS_OF_BATCH = _counts(_I.c.batch_id, _I, _I.c.batch_id == b("batch_id"))
#: A page of a project's batches, newest first: a backward range scan of (project, created, id),
#: from the end of the project's range (or the cursor), the project checked on the rows found.
#: Asked as `project_id = :p ORDER BY created DESC, id DESC`, PostgreSQL's generic plan, made
#: while the project held a few batches, read all of them through the (project_id, status) index
#: and sorted them for every page (7 ms a page at 20,000 batches); from `project_id <= :p` a plan
#: that sorts would read a third of the table by the planner's reckoning, so the range scan is the
#: only cheap one (as for a new batch's latest predecessor, `queries.batches`). The scan may step
#: past the project's oldest batch into another project's: the page is still at most `limit`
#: rows, and those are dropped.
_NEWEST_FIRST = (_B.c.project_id.desc(), _B.c.created.desc(), _B.c.id.desc())
_AT_OR_BELOW = _B.c.project_id <= b("project_id")
_BEFORE = sa.tuple_(_B.c.project_id, _B.c.created, _B.c.id) < sa.tuple_(
    b("project_id"),
    sa.bindparam("before_created", type_=sa.BigInteger),
    sa.bindparam("before_id", type_=sa.Integer),
)


def _batch_page(where: sa.ColumnElement[bool]) -> Query:
    page = sa.select(*_B.c).where(where).order_by(*_NEWEST_FIRST).limit(b("limit")).subquery("page")
    return Query(
        sa.select(*page.c)
        .where(page.c.project_id == b("project_id"))
        .order_by(page.c.created.desc(), page.c.id.desc())
    )


Q_BATCH_PAGE = _batch_page(_AT_OR_BELOW)
Q_BATCH_PAGE_BEFORE = _batch_page(_BEFORE)
Q_BATCH_COUNT = Query(sa.select(sa.func.count()).select_from(_B).where(_B.c.project_id == b("project_id")))
Q_TASK_COUNTS = Query(
    sa.select(_T.c.status, sa.func.count()).where(_T.c.organization_id == b("org")).group_by(_T.c.status)
)
# Batches belong to the organization, not to a workspace.
Q_BATCH_COUNTS_BY_PROJECT = Query(
    sa.select(_B.c.project_id, _B.c.status, sa.func.count())
    .select_from(_B.join(_P, _P.c.id == _B.c.project_id))
    .where(_P.c.organization_id == b("org"))
    .group_by(_B.c.project_id, _B.c.status)
)
_EVENT_COLS = (*_E.c, _P.c.external_id, _B.c.external_id)
Q_NEWEST_EVENTS = Scoped(
    sa.select(*_EVENT_COLS)
    .select_from(_E.join(_P, _P.c.id == _E.c.project_id).outerjoin(_B, _B.c.id == _E.c.batch_id))
    .where(_E.c.project_id == b("project_id"))
    .order_by(_E.c.id.desc())
    .limit(b("limit")),
    sa.or_(_E.c.workspace_id.is_(None), _E.c.workspace_id == b("ws")),
)
_INPUT_COLS = (
    _I.c.id,
    _I.c.scene_id,
    _S.c.external_id,
    _S.c.scene_type,
    _I.c.status,
    _I.c.work_status,
    _I.c.phase,
    _S.c.error_message,
    _I.c.created,
)


@dataclass(frozen=True, slots=True)
class InputFilter:
    """A batch page's filters: where the inputs are (a word of `_place`), their scene's type,
    only those with an error, their workflow phase; and the page's cursor (created, id)."""

    where: str | None = None
    scene_type: str | None = None
    with_error: bool = False
    phase: int | None = None
    after: tuple[int, str] | None = None


class DashboardQueries:
    """`uow.dashboard`: the pages' counts, newest log entries and filtered input pages."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def inputs_by_project(self, scope: Scope) -> dict[int, dict[str, int]]:
        """{project id: {place: count}} over the organization's inputs within the scope."""
        return await self._count(Q_COUNTS_BY_PROJECT, scope)

    async def batches_by_project(self, scope: Scope) -> dict[int, dict[str, int]]:
        """{project id: {batch status: count}}."""
        rows = await self.tx.fetch_all(Q_BATCH_COUNTS_BY_PROJECT, {"org": scope.org})
        out: dict[int, dict[str, int]] = {}
        for key, status, n in rows:
            out.setdefault(int(key), {})[str(status)] = int(n)
        return out

    async def inputs_by_batch(self, scope: Scope, project_id: int) -> dict[int, dict[str, int]]:
        """{batch id: {place: count}} over one project's inputs within the scope."""
        return await self._count(Q_COUNTS_BY_BATCH, scope, project_id=project_id)

    async def inputs_of_batch(self, scope: Scope, batch_id: int) -> dict[str, int]:
        """{place: count} over one batch's inputs within the scope."""
        return (await self._count(Q_COUNTS_OF_BATCH, scope, batch_id=batch_id)).get(batch_id, {})

    async def _count(
        self, qs: tuple[Scoped, Scoped], scope: Scope, **values: Any
    ) -> dict[int, dict[str, int]]:
        """Inputs by place: by work status, less those out of the work, which count as `failed`
        or `invalidated` instead."""
        work, out = qs
        counts: dict[int, dict[str, int]] = {}
        for key, status, n in await self.tx.fetch_all(*work.bind(scope, **values)):
            counts.setdefault(int(key), {})[str(status)] = int(n)
        for key, status, work_status, n in await self.tx.fetch_all(*out.bind(scope, **values)):
            place = "failed" if status == SceneStatus.FAILED.value else "invalidated"
            of_key = counts.setdefault(int(key), {})
            of_key[work_status] = of_key.get(work_status, 0) - int(n)
            of_key[place] = of_key.get(place, 0) + int(n)
        return counts

    async def batch_page(
        self, project_id: int, before: tuple[int, int] | None, limit: int
    ) -> tuple[int, list[BatchRecord]]:
        """How many batches the project has, and a page of them, newest first, before the cursor
        (a batch's created time and id)."""
        total = int(await self.tx.fetch_val(Q_BATCH_COUNT, {"project_id": project_id}))
        values: dict[str, Any] = {"project_id": project_id, "limit": limit}
        if before is None:
            rows = await self.tx.fetch_all(Q_BATCH_PAGE, values)
        else:
            values.update(before_created=before[0], before_id=before[1])
            rows = await self.tx.fetch_all(Q_BATCH_PAGE_BEFORE, values)
        return total, [BatchRecord(*r) for r in rows]

    async def tasks_by_status(self, org: int) -> dict[str, int]:
        """The organization's tasks counted by status."""
        return {str(s): int(n) for s, n in await self.tx.fetch_all(Q_TASK_COUNTS, {"org": org})}

    async def newest_events(self, scope: Scope, project_id: int, limit: int) -> list[EventRecord]:
        """The project's newest audit log entries the scope may read, newest first."""
        q, values = Q_NEWEST_EVENTS.bind(scope, project_id=project_id, limit=limit)
        return [EventRecord(*r) for r in await self.tx.fetch_all(q, values)]

    async def input_page(
        self, scope: Scope, batch_id: int, f: InputFilter, limit: int
    ) -> list[DashboardInputRow]:
        """A page of the batch's inputs in (created, id) order after the cursor, filtered: a range
        scan of the index on (batch, created, id)."""
        conds: list[Any] = [_I.c.batch_id == b("batch_id"), _I.c.organization_id == b("org")]
        values: dict[str, Any] = {"batch_id": batch_id, "limit": limit, **scope_values(scope)}
        if scope.workspace_id is not None:
            conds.append(_S.c.workspace_id == b("ws"))
        if f.where is not None:
            conds.append(_place == b("where"))
            values["where"] = f.where
        if f.scene_type is not None:
            conds.append(_S.c.scene_type == b("scene_type"))
            values["scene_type"] = f.scene_type
        if f.with_error:
            conds.append(_S.c.error_message.is_not(None))
        if f.phase is not None:
            conds.append(_I.c.phase == b("phase"))
            values["phase"] = f.phase
        if f.after is not None:
            after_key = sa.tuple_(
                sa.bindparam("after_created", type_=sa.BigInteger), sa.bindparam("after_id", type_=sa.String)
            )
            conds.append(sa.tuple_(_I.c.created, _I.c.id) > after_key)
            values.update(after_created=f.after[0], after_id=f.after[1])

        def build() -> Any:
            return (
                sa.select(*_INPUT_COLS)
                .select_from(_I.join(_S, _S.c.id == _I.c.scene_id))
                .where(*conds)
                .order_by(_I.c.created, _I.c.id)
                .limit(b("limit"))
            )

        key = (
            "dashboard-inputs",
            scope.workspace_id is not None,
            f.where is not None,
            f.scene_type is not None,
            f.with_error,
            f.phase is not None,
            f.after is not None,
        )
        return [DashboardInputRow(*r) for r in await self.tx.fetch_all(shaped(key, build), values)]

    async def delivered(self, input_ids: Sequence[str]) -> dict[str, list[tuple[str, str, bool]]]:
        """{input id: [(annotation id, annotation type, preliminary)]}: the current delivered
        versions of these inputs (what a client may review)."""
        if not input_ids:
            return {}
        ids = list(dict.fromkeys(input_ids))
        clause, values = in_list(_AV.c.input_id, "i", ids)

        def build() -> Any:
            return (
                sa.select(_AV.c.input_id, _AV.c.id, _AV.c.annotation_type, _AV.c.preliminary)
                .where(clause, _AV.c.current.is_(True), _AV.c.delivered.is_not(None))
                .order_by(_AV.c.input_id, _AV.c.annotation_type)
            )

        found: dict[str, list[tuple[str, str, bool]]] = {}
        q = shaped(("dashboard-delivered", bucket(len(ids))), build)
        for input_id, aid, kind, preliminary in await self.tx.fetch_all(q, values):
            found.setdefault(input_id, []).append((aid, kind, bool(preliminary)))
        return found
