"""What a client reads of the annotation work: its requests (batches) with their inputs counted by
work status, the request inputs with their open task, the delivered annotation versions (by id,
by input, by scene, by project and type page by page), reviews and the error-type catalogue.

Every read is narrowed to a `Scope` in its SQL: the caller's organization, and the workspace its
credential is bound to (an input, an annotation and a review belong to their scene's workspace).
A client never sees an annotation version that is not delivered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import Scoped, b, bucket, in_list, scope_values, shaped
from annobatch.storage.records import (
    BatchRecord,
    DeliveredRow,
    ErrorTypeRow,
    InputRecord,
    OpenTaskRow,
    ReviewRow,
)
from annobatch.storage.scope import Scope

_P, _B, _I, _S, _T = t.projects, t.batches, t.inputs, t.scenes, t.tasks
_AV, _R, _E = t.annotation_versions, t.reviews, t.error_types

#: Inputs that take part in the work: neither invalidated nor of a scene that failed (an input of
#: a scene still processing takes part: it is not started yet).
_TAKES_PART = sa.and_(_I.c.status.not_like("invalidated%"), _I.c.status != "failed")

#: Work that is not finished: what an input's current task is.
_OPEN_TASK = sa.or_(_T.c.status == "todo", _T.c.status == "ongoing")


@dataclass(frozen=True, slots=True)
class InputCursor:
    """Where the previous page of request inputs ended: its last input's (created, id)."""

    created: int
    id: str


def _in_workspace(scene_id: Any) -> sa.ColumnElement[bool]:
    """The row's scene is in the workspace `:ws`."""
    ws = _S.alias("scene_ws")
    return sa.exists().where(ws.c.id == scene_id, ws.c.workspace_id == b("ws"))


# ------------------------------------------------------------------ requests and their inputs

Q_PROJECT_IDS = Query(sa.select(_P.c.id).where(_P.c.organization_id == b("org")))
Q_BATCH_IDS = Query(
    sa.select(_B.c.id)
    .select_from(_B.join(_P, _P.c.id == _B.c.project_id))
    .where(_P.c.organization_id == b("org"))
)
Q_PROJECT_CENSUS = Query(
    sa.select(sa.func.count(), sa.func.coalesce(sa.func.max(_P.c.id), 0)).where(
        _P.c.organization_id == b("org")
    )
)
Q_BATCH_CENSUS = Query(
    sa.select(sa.func.count(), sa.func.coalesce(sa.func.max(_B.c.id), 0))
    .select_from(_B.join(_P, _P.c.id == _B.c.project_id))
    .where(_P.c.organization_id == b("org"))
)
Q_BATCH_OF_ORG = Query(
    sa.select(*_B.c)
    .select_from(_B.join(_P, _P.c.id == _B.c.project_id))
    .where(_B.c.id == b("id"), _P.c.organization_id == b("org"))
)
# One query for every request of a project: its inputs that take part, by batch and work status.
Q_PROGRESS = Scoped(
    sa.select(_I.c.batch_id, _I.c.work_status, sa.func.count())
    .where(_I.c.project_id == b("project_id"), _TAKES_PART)
    .group_by(_I.c.batch_id, _I.c.work_status),
    _in_workspace(_I.c.scene_id),
)

_TASK_COLS = (
    _T.c.id,
    _T.c.input_id,
    _T.c.kind,
    _T.c.phase,
    _T.c.status,
    _T.c.assignee,
    _T.c.holder,
    _T.c.created,
)

# ------------------------------------------------------------------ delivered annotations

_AV_COLS = (
    _AV.c.id, _AV.c.organization_id, _AV.c.project_id, _AV.c.batch_id, _AV.c.input_id, _AV.c.scene_id,
    _AV.c.annotation_type, _AV.c.task_id, _AV.c.blob_key, _AV.c.size, _AV.c.created, _AV.c.delivered,
    _AV.c.preliminary, _AV.c.current,
)  # fmt: skip
_DELIVERED = _AV.c.delivered.is_not(None)
_CURRENT = _AV.c.current == sa.true()

Q_DELIVERED = Scoped(
    sa.select(*_AV_COLS).where(_AV.c.id == b("id"), _AV.c.organization_id == b("org"), _DELIVERED),
    _in_workspace(_AV.c.scene_id),
)
Q_CURRENT_OF_SCENE = Scoped(
    sa.select(*_AV_COLS)
    .where(_AV.c.scene_id == b("scene_id"), _CURRENT, _AV.c.organization_id == b("org"), _DELIVERED)
    .order_by(_AV.c.delivered, _AV.c.id),
    _in_workspace(_AV.c.scene_id),
)
Q_CURRENT_OF_SCENE_AND_TYPE = Scoped(
    sa.select(*_AV_COLS)
    .where(
        _AV.c.scene_id == b("scene_id"),
        _CURRENT,
        _AV.c.annotation_type == b("annotation_type"),
        _AV.c.organization_id == b("org"),
        _DELIVERED,
    )
    .order_by(_AV.c.delivered, _AV.c.id),
    _in_workspace(_AV.c.scene_id),
)

# ------------------------------------------------------------------ reviews, error types

_REVIEW_COLS = (
    _R.c.id, _R.c.organization_id, _R.c.project_id, _R.c.input_id, _R.c.task_id, _R.c.annotation_id,
    _R.c.phase, _R.c.accepted, _R.c.workflow, _R.c.feedback, _R.c.actor, _R.c.created,
)  # fmt: skip
_RI, _RS = _I.alias("review_input"), _S.alias("review_scene")
Q_REVIEW = Scoped(
    sa.select(*_REVIEW_COLS).where(_R.c.id == b("id"), _R.c.organization_id == b("org")),
    # a review belongs to the workspace of its input's scene
    sa.exists()
    .select_from(_RI.join(_RS, _RS.c.id == _RI.c.scene_id))
    .where(_RI.c.id == _R.c.input_id, _RS.c.workspace_id == b("ws")),
)
Q_ERROR_TYPES = Query(
    sa.select(_E.c.id, _E.c.name, _E.c.pin_allowed, _E.c.object_allowed).order_by(_E.c.position, _E.c.id)
)


def _delivered(r: Sequence[Any]) -> DeliveredRow:
    # SQLite answers booleans as 0 and 1.
    return DeliveredRow(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], bool(r[12]), bool(r[13])
    )


def _review(r: Sequence[Any]) -> ReviewRow:
    return ReviewRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8], r[9], r[10], r[11])


class DeliveryQueries:
    """`uow.deliveries`: the client's reads of requests, request inputs, delivered annotations,
    reviews and error types."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    # -------------------------------------------------------------- requests

    async def project_ids(self, org: int) -> list[int]:
        """The ids of every project of the organization (to find one by its uuid)."""
        return [int(r[0]) for r in await self.tx.fetch_all(Q_PROJECT_IDS, {"org": org})]

    async def batch_ids(self, org: int) -> list[int]:
        """The ids of every batch of the organization (to find one by its request uid)."""
        return [int(r[0]) for r in await self.tx.fetch_all(Q_BATCH_IDS, {"org": org})]

    async def project_census(self, org: int) -> tuple[int, int]:
        """How many projects the organization has, and the highest id of them."""
        row = await self.tx.fetch_one(Q_PROJECT_CENSUS, {"org": org})
        assert row is not None
        return int(row[0]), int(row[1])

    async def batch_census(self, org: int) -> tuple[int, int]:
        """How many batches the organization has, and the highest id of them."""
        row = await self.tx.fetch_one(Q_BATCH_CENSUS, {"org": org})
        assert row is not None
        return int(row[0]), int(row[1])

    async def batch(self, org: int, batch_id: int) -> BatchRecord | None:
        """The batch, if it is the organization's."""
        row = await self.tx.fetch_one(Q_BATCH_OF_ORG, {"id": batch_id, "org": org})
        return None if row is None else BatchRecord(*row)

    async def progress_counts(self, scope: Scope, project_id: int) -> dict[int, dict[str, int]]:
        """The project's inputs that take part in the work (within the scope), counted by batch
        and work status, in one query: {batch id: {work status: count}}."""
        counts: dict[int, dict[str, int]] = {}
        for batch_id, status, n in await self.tx.fetch_all(*Q_PROGRESS.bind(scope, project_id=project_id)):
            counts.setdefault(int(batch_id), {})[status] = int(n)
        return counts

    async def request_inputs(
        self, scope: Scope, batch_id: int, scene_id: str | None, after: InputCursor | None, limit: int
    ) -> list[InputRecord]:
        """A page of the batch's inputs that take part in the work (within the scope), in
        (created, id) order after the cursor: a range scan of the index on (batch, created, id)."""
        conds: list[Any] = [_I.c.batch_id == b("batch_id"), _I.c.organization_id == b("org"), _TAKES_PART]
        values: dict[str, Any] = {"batch_id": batch_id, "limit": limit, **scope_values(scope)}
        if scope.workspace_id is not None:
            conds.append(_in_workspace(_I.c.scene_id))
        if scene_id is not None:
            conds.append(_I.c.scene_id == b("scene_id"))
            values["scene_id"] = scene_id
        if after is not None:
            after_key = sa.tuple_(
                sa.bindparam("after_created", type_=sa.BigInteger), sa.bindparam("after_id", type_=sa.String)
            )
            conds.append(sa.tuple_(_I.c.created, _I.c.id) > after_key)
            values.update(after_created=after.created, after_id=after.id)
        key = ("request-inputs", scope.workspace_id is not None, scene_id is not None, after is not None)

        def build() -> Any:
            return sa.select(*_I.c).where(*conds).order_by(_I.c.created, _I.c.id).limit(b("limit"))

        return [InputRecord(*r) for r in await self.tx.fetch_all(shaped(key, build), values)]

    async def open_tasks(self, input_ids: Sequence[str]) -> dict[str, OpenTaskRow]:
        """The open (todo or ongoing) task of each of these inputs that has one, in one query; of
        several (there should be one), the newest."""
        if not input_ids:
            return {}
        ids = list(dict.fromkeys(input_ids))
        clause, values = in_list(_T.c.input_id, "i", ids)

        def build() -> Any:
            return sa.select(*_TASK_COLS).where(clause, _OPEN_TASK).order_by(_T.c.created, _T.c.id)

        found: dict[str, OpenTaskRow] = {}
        for r in await self.tx.fetch_all(shaped(("open-tasks", bucket(len(ids))), build), values):
            found[r[1]] = OpenTaskRow(*r)
        return found

    # -------------------------------------------------------------- delivered annotations

    async def current_of_inputs(self, input_ids: Sequence[str]) -> list[DeliveredRow]:
        """The current delivered versions (one per annotation type) of these inputs, in one
        query. The inputs were found within the caller's scope already."""
        if not input_ids:
            return []
        ids = list(dict.fromkeys(input_ids))
        clause, values = in_list(_AV.c.input_id, "i", ids)

        def build() -> Any:
            return sa.select(*_AV_COLS).where(clause, _CURRENT, _DELIVERED).order_by(_AV.c.input_id, _AV.c.id)

        rows = await self.tx.fetch_all(shaped(("current-of-inputs", bucket(len(ids))), build), values)
        return [_delivered(r) for r in rows]

    async def delivered(self, scope: Scope, annotation_id: str) -> DeliveredRow | None:
        """A delivered version by id (current or not, preliminary or not)."""
        row = await self.tx.fetch_one(*Q_DELIVERED.bind(scope, id=annotation_id))
        return None if row is None else _delivered(row)

    async def current_of_scene(
        self, scope: Scope, scene_id: str, annotation_type: str | None = None
    ) -> list[DeliveredRow]:
        """The current delivered versions of every input of the scene (of one type, if named),
        oldest delivery first."""
        if annotation_type is None:
            q = Q_CURRENT_OF_SCENE.bind(scope, scene_id=scene_id)
        else:
            q = Q_CURRENT_OF_SCENE_AND_TYPE.bind(scope, scene_id=scene_id, annotation_type=annotation_type)
        return [_delivered(r) for r in await self.tx.fetch_all(*q)]

    async def project_page(
        self,
        scope: Scope,
        project_id: int,
        annotation_type: str,
        batch_id: int | None,
        after: str | None,
        limit: int,
    ) -> list[DeliveredRow]:
        """A page of the project's current delivered versions of one type (of one batch, if
        named) in id order after the annotation id `after`: a range scan of the index on
        (project, type, current, id), so a page costs the same however many there are."""
        conds: list[Any] = [
            _AV.c.project_id == b("project_id"),
            _AV.c.annotation_type == b("annotation_type"),
            _CURRENT,
            _AV.c.organization_id == b("org"),
            _DELIVERED,
        ]
        values: dict[str, Any] = {
            "project_id": project_id,
            "annotation_type": annotation_type,
            "limit": limit,
            **scope_values(scope),
        }
        if batch_id is not None:
            conds.append(_AV.c.batch_id == b("batch_id"))
            values["batch_id"] = batch_id
        if after is not None:
            conds.append(_AV.c.id > b("after"))
            values["after"] = after
        if scope.workspace_id is not None:
            conds.append(_in_workspace(_AV.c.scene_id))
        key = ("project-annotations", batch_id is not None, after is not None, scope.workspace_id is not None)

        def build() -> Any:
            return sa.select(*_AV_COLS).where(*conds).order_by(_AV.c.id).limit(b("limit"))

        return [_delivered(r) for r in await self.tx.fetch_all(shaped(key, build), values)]

    # -------------------------------------------------------------- reviews, error types

    async def review(self, scope: Scope, review_id: str) -> ReviewRow | None:
        row = await self.tx.fetch_one(*Q_REVIEW.bind(scope, id=review_id))
        return None if row is None else _review(row)

    async def error_types(self) -> list[ErrorTypeRow]:
        """The catalogue, in its order."""
        rows = await self.tx.fetch_all(Q_ERROR_TYPES)
        return [ErrorTypeRow(r[0], r[1], bool(r[2]), bool(r[3])) for r in rows]
