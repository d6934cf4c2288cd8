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

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import Scoped, b, bucket, in_list, scope_values, shaped
from annobatch.storage.records import DashboardInputRow, EventRecord
from annobatch.storage.scope import Scope

_P, _B, _I, _S, _E, _AV = t.projects, t.batches, t.inputs, t.scenes, t.events, t.annotation_versions
_T = t.tasks

#: Where an input is, in one word: the segments of the progress bars.
_place = sa.case(
    (_I.c.status.like("invalidated%"), sa.literal("invalidated")),
    (_I.c.status == "failed", sa.literal("failed")),
    else_=_I.c.work_status,
).label("place")


def _in_workspace() -> sa.ColumnElement[bool]:
    ws = _S.alias("scene_ws")
    return sa.exists().where(ws.c.id == _I.c.scene_id, ws.c.workspace_id == b("ws"))


Q_COUNTS_BY_PROJECT = Scoped(
    sa.select(_I.c.project_id, _place, sa.func.count())
    .where(_I.c.organization_id == b("org"))
    .group_by(_I.c.project_id, _place),
    _in_workspace(),
)
Q_COUNTS_BY_BATCH = Scoped(
    sa.select(_I.c.batch_id, _place, sa.func.count())
    .where(_I.c.project_id == b("project_id"), _I.c.organization_id == b("org"))
    .group_by(_I.c.batch_id, _place),
    _in_workspace(),
)
Q_TASK_COUNTS = Query(
    sa.select(_T.c.status, sa.func.count()).where(_T.c.organization_id == b("org")).group_by(_T.c.status)
)
# Batches belong to the organization, not to a workspace.
Q_COUNTS_OF_BATCH = Scoped(
    sa.select(_place, sa.func.count())
    .where(_I.c.batch_id == b("batch_id"), _I.c.organization_id == b("org"))
    .group_by(_place),
    _in_workspace(),
)
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
        """{project id: {where: count}} over the organization's inputs within the scope."""
        return _nest(await self.tx.fetch_all(*Q_COUNTS_BY_PROJECT.bind(scope)))

    async def batches_by_project(self, scope: Scope) -> dict[int, dict[str, int]]:
        """{project id: {batch status: count}}."""
        return _nest(await self.tx.fetch_all(Q_BATCH_COUNTS_BY_PROJECT, {"org": scope.org}))

    async def inputs_by_batch(self, scope: Scope, project_id: int) -> dict[int, dict[str, int]]:
        """{batch id: {where: count}} over one project's inputs within the scope."""
        return _nest(await self.tx.fetch_all(*Q_COUNTS_BY_BATCH.bind(scope, project_id=project_id)))

    async def inputs_of_batch(self, scope: Scope, batch_id: int) -> dict[str, int]:
        """{where: count} over one batch's inputs within the scope."""
        rows = await self.tx.fetch_all(*Q_COUNTS_OF_BATCH.bind(scope, batch_id=batch_id))
        return {str(word): int(n) for word, n in rows}

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


def _nest(rows: Sequence[Sequence[Any]]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for key, word, n in rows:
        out.setdefault(int(key), {})[str(word)] = int(n)
    return out
