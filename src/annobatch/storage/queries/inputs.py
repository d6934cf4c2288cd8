"""Inputs: a scene placed in a batch. Beside the single-row queries, the listings: a page of the
caller's inputs in (created, id) order after a cursor, narrowed by an `InputFilter`. An input
belongs to its scene's workspace: a caller finds inputs within a `Scope`.

The page query is the hot path of the inputs endpoints; its shape is what keeps a page's cost
flat however many inputs there are (see `InputQueries.page`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import Scoped, b, bucket, in_list, insert, params, scope_values, shaped
from annobatch.storage.records import InputRecord, InputRow
from annobatch.storage.scope import Scope


@dataclass(frozen=True, slots=True)
class InputFilter:
    """What `v2/inputs/query` and `v1/inputs/fetch` may narrow a listing to."""

    project_id: int | None = None
    batch_id: int | None = None
    scene_ids: tuple[str, ...] = ()
    external_ids: tuple[str, ...] = ()
    include_invalidated: bool = False


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the previous page ended: its last input's (created, id)."""

    created: int
    id: str


_I, _S, _P, _B = t.inputs, t.scenes, t.projects, t.batches
_WS = _S.alias("scene_of_input")
#: An input is in the workspace of its scene.
_IN_WORKSPACE = sa.exists().where(_WS.c.id == _I.c.scene_id, _WS.c.workspace_id == b("ws"))
#: A constant LIMIT 1 (not a parameter: a plan made without the parameters' values knows it).
_ONE: sa.ColumnElement[int] = sa.literal_column("1")
#: The same check as PostgreSQL must run it over a range of inputs: each input's scene by its
#: primary key. PostgreSQL may run `EXISTS` as a hash semi-join over every scene of the
#: workspace; a scalar subquery with a LIMIT it runs per row.
_SCENE_WORKSPACE = sa.select(_WS.c.workspace_id).where(_WS.c.id == _I.c.scene_id).limit(_ONE)
_IN_WORKSPACE_BY_KEY = _SCENE_WORKSPACE.scalar_subquery() == b("ws")

Q_INPUT_INSERT = insert(_I)
Q_INPUT = Scoped(sa.select(*_I.c).where(_I.c.id == b("id"), _I.c.organization_id == b("org")), _IN_WORKSPACE)
Q_INPUT_DELETE = Query(sa.delete(_I).where(_I.c.id == b("id")))
_INPUT_BY_ID = sa.select(*_I.c).where(_I.c.id == b("id"))
Q_INPUT_ANY_ORG = Query(_INPUT_BY_ID)
# Row locks are FOR NO KEY UPDATE (see queries/projects.py).
Q_INPUT_FOR_UPDATE = Query(_INPUT_BY_ID.with_for_update(key_share=True))
Q_INPUT_SET_WORK = Query(
    sa.update(_I)
    .where(_I.c.id == b("id"))
    .values(work_status=b("work_status"), phase=b("phase"), work_updated=b("now"), completed=b("completed"))
)
# The inputs of a batch that count towards its completion (neither failed nor invalidated) and are
# not completed yet.
Q_UNFINISHED_IN_BATCH = Query(
    sa.select(sa.func.count())
    .select_from(_I)
    .where(
        _I.c.batch_id == b("batch_id"),
        _I.c.work_status != "completed",
        _I.c.status != "failed",
        _I.c.status.not_like("invalidated%"),
    )
)
Q_INPUTS_OF_SCENE = Query(
    sa.select(*_I.c).where(_I.c.scene_id == b("scene_id")).order_by(_I.c.created, _I.c.id)
)
Q_INPUT_OF_SCENE_IN_BATCH = Query(
    sa.select(*_I.c).where(_I.c.scene_id == b("scene_id"), _I.c.batch_id == b("batch_id"))
)
Q_INPUTS_SET_STATUS = Query(sa.update(_I).where(_I.c.scene_id == b("scene_id")).values(status=b("status")))

# Listings join an input to its scene only; batch and project names are looked up once per
# distinct batch of a page (a join per row lets a planner pick a poor order for small tables).
_ROW_COLS = (
    _I.c.id, _I.c.scene_id, _I.c.status, _I.c.created, _I.c.batch_id,
    _S.c.external_id, _S.c.scene_type, _S.c.calibration_id, _S.c.error_message,
)  # fmt: skip
_ROW_FROM = _I.join(_S, _S.c.id == _I.c.scene_id)
Q_BATCH_NAMES = Query(
    sa.select(_B.c.external_id, _P.c.external_id)
    .select_from(_B.join(_P, _P.c.id == _B.c.project_id))
    .where(_B.c.id == b("id"))
)


class InputQueries:
    """`uow.inputs`: create, find and delete inputs; move a scene's inputs' status; list them."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def create(self, rec: InputRecord) -> None:
        await self.tx.execute(Q_INPUT_INSERT, params(rec))

    async def get(self, scope: Scope, input_id: str) -> InputRecord | None:
        row = await self.tx.fetch_one(*Q_INPUT.bind(scope, id=input_id))
        return None if row is None else InputRecord(*row)

    async def get_any_org(self, input_id: str, lock: bool = False) -> InputRecord | None:
        """An input by id, whatever its organization (the caller checks), optionally locked."""
        row = await self.tx.fetch_one(Q_INPUT_FOR_UPDATE if lock else Q_INPUT_ANY_ORG, {"id": input_id})
        return None if row is None else InputRecord(*row)

    async def set_work(
        self, input_id: str, work_status: str, phase: int, now: int, completed: int | None
    ) -> None:
        """How far the input's annotation is: its work status, phase, and when it was completed."""
        values = {
            "id": input_id,
            "work_status": work_status,
            "phase": phase,
            "now": now,
            "completed": completed,
        }
        await self.tx.execute(Q_INPUT_SET_WORK, values)

    async def unfinished_in_batch(self, batch_id: int) -> int:
        """How many of the batch's inputs that count (not failed, not invalidated) are not completed."""
        return int(await self.tx.fetch_val(Q_UNFINISHED_IN_BATCH, {"batch_id": batch_id}))

    async def delete(self, input_id: str) -> None:
        await self.tx.execute(Q_INPUT_DELETE, {"id": input_id})

    async def of_scene(self, scene_id: str) -> list[InputRecord]:
        return [InputRecord(*r) for r in await self.tx.fetch_all(Q_INPUTS_OF_SCENE, {"scene_id": scene_id})]

    async def in_batch(self, scene_id: str, batch_id: int) -> InputRecord | None:
        """The scene's input in this batch, if it has one there."""
        row = await self.tx.fetch_one(Q_INPUT_OF_SCENE_IN_BATCH, {"scene_id": scene_id, "batch_id": batch_id})
        return None if row is None else InputRecord(*row)

    async def places_of_scenes(self, scene_ids: Sequence[str]) -> set[tuple[int, int]]:
        """The (project id, batch id) of every input of these scenes."""
        if not scene_ids:
            return set()
        clause, values = in_list(_I.c.scene_id, "s", scene_ids)

        def build() -> Any:
            return sa.select(_I.c.project_id, _I.c.batch_id).where(clause).distinct()

        q = shaped(("input-places", bucket(len(scene_ids))), build)
        return {(int(p), int(b)) for p, b in await self.tx.fetch_all(q, values)}

    async def set_status_of_scene(self, scene_id: str, status: str) -> None:
        """An input's status follows its scene's: every input of the scene moves with it."""
        await self.tx.execute(Q_INPUTS_SET_STATUS, {"scene_id": scene_id, "status": status})

    async def rows(
        self, scope: Scope, input_ids: Sequence[str], names: Mapping[int, tuple[str, str]] | None = None
    ) -> list[InputRow]:
        """The scope's inputs among these ids, as listings show them; `names`: the external ids
        (project, batch) of batches the caller knows already, by batch id."""
        if not input_ids:
            return []
        clause, values = in_list(_I.c.id, "v", input_ids)
        narrowed = scope.workspace_id is not None

        def build() -> Any:
            stmt = (
                sa.select(*_ROW_COLS).select_from(_ROW_FROM).where(_I.c.organization_id == b("org"), clause)
            )
            return stmt.where(_S.c.workspace_id == b("ws")) if narrowed else stmt

        q = shaped(("input-rows", bucket(len(input_ids)), narrowed), build)
        return await self._named(await self.tx.fetch_all(q, {**scope_values(scope), **values}), names)

    async def page(self, scope: Scope, f: InputFilter, after: Cursor | None, limit: int) -> list[InputRow]:
        """A page of the scope's inputs in (created, id) order, after the cursor: a range scan on an
        index that starts with the narrowest filter (batch, project or organization), so that a
        page costs the same however many inputs there are (narrowed to a workspace, each input
        of the range is checked against its scene's, by primary key)."""
        conds, values, key = _page_conditions(scope, f, after)
        values["limit"] = limit

        def build() -> Query:
            # The page is taken from the index first (a LIMITed range scan), then its rows are joined
            # to their scenes: a planner cannot spread that over parallel workers, whose start-up
            # would cost more than the whole page.
            def page_of(where: list[Any]) -> Any:
                return (
                    sa.select(*_I.c)
                    .where(*where)
                    .order_by(_I.c.created, _I.c.id)
                    .limit(b("limit"))
                    .subquery("page")
                )

            def listed(p: Any) -> tuple[Any, ...]:
                return (p.c.id, p.c.scene_id, p.c.status, p.c.created, p.c.batch_id)

            page = page_of(conds)
            cols = listed(page)
            scene_cols = (_S.c.external_id, _S.c.scene_type, _S.c.calibration_id, _S.c.error_message)
            joined = (
                sa.select(*cols, *scene_cols)
                .select_from(page.join(_S, _S.c.id == page.c.scene_id))
                .order_by(page.c.created, page.c.id)
            )
            # PostgreSQL costs a hash join over the whole scenes table below a hundred lookups by
            # primary key until the table holds tens of thousands of rows, and so read every scene
            # for every page: a page slowed as scenes were added anywhere in the database
            # (bench/steady.py: 47 million rows read in 17,000 pages; its server fell behind). Each
            # row now looks its scene up by primary key (a lateral subquery with a LIMIT, which the
            # planner cannot flatten into a join), and so does the workspace's check of each input
            # of the range (`_IN_WORKSPACE_BY_KEY`); SQLite joins so already.
            pg_page = page_of([_IN_WORKSPACE_BY_KEY if c is _IN_WORKSPACE else c for c in conds])
            pg_cols = listed(pg_page)
            scene = sa.select(*scene_cols).where(_S.c.id == pg_page.c.scene_id).limit(_ONE).lateral("scene")
            by_key = (
                sa.select(*pg_cols, *(scene.c[c.name] for c in scene_cols))
                .select_from(pg_page.join(scene, sa.true()))
                .order_by(pg_page.c.created, pg_page.c.id)
            )
            return Query(joined, postgresql=by_key)

        q = shaped(key, build)
        return await self._named(await self.tx.fetch_all(q, values))

    async def _named(
        self, rows: Sequence[Sequence[Any]], known: Mapping[int, tuple[str, str]] | None = None
    ) -> list[InputRow]:
        names: dict[int, tuple[str, str]] = dict(known or {})
        for r in rows:
            if r[4] not in names:
                row = await self.tx.fetch_one(Q_BATCH_NAMES, {"id": r[4]})
                assert row is not None
                names[r[4]] = (row[1], row[0])
        return [InputRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], *names[r[4]]) for r in rows]


def _page_conditions(
    scope: Scope, f: InputFilter, after: Cursor | None
) -> tuple[list[Any], dict[str, Any], tuple[Any, ...]]:
    """The WHERE of a page, its parameters, and the key of its shape."""
    # Exactly one of batch, project, organization leads (each has its own index on
    # (…, created, id)); the batch and project were found within the caller's organization.
    org = scope.org
    values: dict[str, Any] = {}
    conds: list[Any] = []
    if f.batch_id is not None:
        conds.append(_I.c.batch_id == b("batch_id"))
        values["batch_id"] = f.batch_id
    elif f.project_id is not None:
        conds.append(_I.c.project_id == b("project_id"))
        values["project_id"] = f.project_id
    else:
        conds.append(_I.c.organization_id == b("org"))
        values["org"] = org
    if scope.workspace_id is not None:
        conds.append(_IN_WORKSPACE)
        values["ws"] = scope.workspace_id
    if not f.include_invalidated:
        conds.append(_I.c.status.not_like("invalidated%"))
    if after is not None:
        after_key = sa.tuple_(
            sa.bindparam("after_created", type_=sa.BigInteger), sa.bindparam("after_id", type_=sa.String)
        )
        conds.append(sa.tuple_(_I.c.created, _I.c.id) > after_key)
        values.update(after_created=after.created, after_id=after.id)
    key: list[Any] = [
        "page",
        f.batch_id is not None,
        f.project_id is not None,
        f.include_invalidated,
        after is not None,
        scope.workspace_id is not None,
    ]
    if f.scene_ids:
        clause, p = in_list(_I.c.scene_id, "s", f.scene_ids)
        conds.append(clause)
        values.update(p)
        key.append(("s", bucket(len(f.scene_ids))))
    if f.external_ids:
        clause, p = in_list(_S.c.external_id, "e", f.external_ids)
        conds.append(_I.c.scene_id.in_(sa.select(_S.c.id).where(_S.c.organization_id == b("org"), clause)))
        values.update(p, org=org)
        key.append(("e", bucket(len(f.external_ids))))
    return conds, values, tuple(key)
