"""Batches: a project's batches by external id, their status and annotation types, and their
inputs counted by status.

A kept batch list stays good while the version it was built at is current (`list_version`): the
project's `batches_revision`, which every change to an existing batch bumps in the same
transaction, and how many batches the project has. A new batch only adds a row (batches are never
deleted, so the count only grows): creating one writes nothing to the project's row, and so
concurrent creates in one project never wait for each other's commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import Scoped, b, bucket, in_list, insert, shaped
from annobatch.storage.queries.events import EventQueries, is_webhook_kind
from annobatch.storage.records import BatchRecord, now_micros
from annobatch.storage.scope import Scope

_P, _B, _BAT, _I, _S = t.projects, t.batches, t.batch_annotation_types, t.inputs, t.scenes

_BATCH_BY_EXT = sa.select(*_B.c).where(_B.c.project_id == b("project_id"), _B.c.external_id == b("batch"))
Q_BATCH_INSERT = insert(_B, returning="id")
_NEW_BATCH = {
    "project_id": b("project_id"),
    "external_id": b("batch"),
    "title": b("title"),
    "status": b("status"),
    "created": b("created"),
    "updated": b("created"),
    "workflow": sa.null(),
}
# A new batch unless the project has one of that id already (then no row: the id is taken).
Q_BATCH_INSERT_NEW = Query(
    sqlite.insert(_B).values(_NEW_BATCH).on_conflict_do_nothing(index_elements=["project_id", "external_id"])
    .returning(_B.c.id),
    # The same, with its annotation types and its audit-log entry, in one statement: one round trip.
    postgresql=sa.text(
        "WITH nb AS ("
        " INSERT INTO batches (project_id, external_id, title, status, created, updated, workflow)"
        " VALUES (:project_id, :batch, :title, :status, :created, :created, NULL)"
        " ON CONFLICT (project_id, external_id) DO NOTHING RETURNING id"
        "), bat AS ("
        " INSERT INTO batch_annotation_types (batch_id, annotation_type, position)"
        " SELECT nb.id, u.annotation_type, u.n - 1"
        " FROM nb, unnest(CAST(:types AS VARCHAR[])) WITH ORDINALITY AS u(annotation_type, n)"
        "), audit AS ("
        " INSERT INTO events (organization_id, project_id, batch_id, kind, actor, data, created)"
        " SELECT :org, :project_id, nb.id, :kind, :actor, :data, :created FROM nb"
        ") SELECT id FROM nb"
    ),
)  # fmt: skip
Q_BATCH = Query(_BATCH_BY_EXT)
# Row locks are FOR NO KEY UPDATE (see queries/projects.py).
Q_BATCH_FOR_UPDATE = Query(_BATCH_BY_EXT.with_for_update(key_share=True))
Q_BATCH_BY_ID = Query(sa.select(*_B.c).where(_B.c.id == b("id")))
Q_BATCHES = Query(sa.select(*_B.c).where(_B.c.project_id == b("project_id")).order_by(_B.c.created, _B.c.id))
Q_BATCHES_FOR_UPDATE = Query(
    sa.select(*_B.c)
    .where(_B.c.project_id == b("project_id"))
    .order_by(_B.c.id)
    .with_for_update(key_share=True)
)
Q_BATCH_LATEST = Query(
    sa.select(*_B.c)
    .where(_B.c.project_id == b("project_id"))
    .order_by(_B.c.created.desc(), _B.c.id.desc())
    .limit(1)
)
Q_BATCH_SET_STATUS = Query(
    sa.update(_B).where(_B.c.id == b("id")).values(status=b("status"), updated=b("updated"))
)
Q_BATCH_SET_WORKFLOW = Query(
    sa.update(_B).where(_B.c.id == b("id")).values(workflow=b("workflow"), updated=b("updated"))
)
Q_BATCH_TOUCH = Query(sa.update(_B).where(_B.c.id == b("id")).values(updated=b("updated")))
# A project's id and the version of its batch list (see the module's docstring), in one read.
Q_LIST_VERSION = Query(
    sa.select(
        _P.c.id,
        _P.c.batches_revision,
        sa.select(sa.func.count()).where(_B.c.project_id == _P.c.id).scalar_subquery(),
    ).where(_P.c.organization_id == b("org"), _P.c.external_id == b("project"))
)
_BUMP = {"batches_revision": _P.c.batches_revision + 1}
Q_PROJECT_BUMP_BY_BATCH = Query(
    sa.update(_P)
    .where(_P.c.id == sa.select(_B.c.project_id).where(_B.c.id == b("batch_id")).scalar_subquery())
    .values(_BUMP)
)

Q_BAT = Query(
    sa.select(_BAT.c.annotation_type).where(_BAT.c.batch_id == b("batch_id")).order_by(_BAT.c.position)
)
Q_BAT_INSERT = insert(_BAT)
Q_BAT_DELETE = Query(sa.delete(_BAT).where(_BAT.c.batch_id == b("batch_id")))

# What a new batch is decided from, in one round trip: whether the project has a batch, the latest
# batch's types and the project's default types (rows: kind, type, position). Whether the id is
# taken is the insert's to find (`Q_BATCH_INSERT_NEW` writes nothing then): a check here too was
# one more plan to go wrong, and did: prepared while the project had a handful of batches,
# PostgreSQL's generic plan found a taken id through the (project_id, status) index, reading every
# batch of the project, and kept that plan while the project grew (bench/steady.py's creates slowed
# from 1.5 to 11 ms a statement over 70,000 batches where autovacuum is off).
#
# The latest batch is the last entry of the project's range in the (project_id, created, id)
# index. Asked as `project_id = :p ORDER BY created DESC, id DESC`, the same kind of generic plan
# read every batch of the project through another index and sorted them (0.74 ms a create at
# 7,000 batches, 5 ms at 20,000: bench/RESULTS.md, "Issue 13, fifth pass"). Asked in the index's
# own order from `project_id <= :p`, a plan that sorts would have to read a third of the table by
# the planner's reckoning, whatever the statistics: the index's first entry is the only cheap
# plan, and the project is checked on that one row.
_PID = b("project_id")
_LAST = (
    sa.select(_B.c.project_id, _B.c.id)
    .where(_B.c.project_id <= _PID)
    .order_by(_B.c.project_id.desc(), _B.c.created.desc(), _B.c.id.desc())
    .limit(sa.literal_column("1"))
    .subquery("last")
)
_LATEST_ID = sa.select(_LAST.c.id).where(_LAST.c.project_id == _PID).scalar_subquery()
_NO_TYPE = sa.null().cast(sa.String)
Q_CREATION_FACTS = Query(
    sa.union_all(
        sa.select(sa.literal("latest"), _NO_TYPE, sa.literal(0)).where(_LATEST_ID.is_not(None)),
        sa.select(sa.literal("inherited"), _BAT.c.annotation_type, _BAT.c.position).where(
            _BAT.c.batch_id == _LATEST_ID
        ),
        sa.select(sa.literal("default"), t.project_annotation_types.c.annotation_type,
                  t.project_annotation_types.c.position).where(
            t.project_annotation_types.c.project_id == _PID
        ),
    )
)  # fmt: skip

Q_INPUT_COUNTS = Scoped(
    sa.select(_I.c.status, sa.func.count()).where(_I.c.batch_id == b("batch_id")).group_by(_I.c.status),
    # an input is in the workspace of its scene
    sa.exists().where(_S.c.id == _I.c.scene_id, _S.c.workspace_id == b("ws")),
)


#: The version of a project's batch list: (project id, batches revision, number of batches).
ListVersion = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Audit:
    """An audit-log entry about a new batch, written with it (`EventQueries.add`'s fields)."""

    org: int
    kind: str
    actor: str
    data: str


@dataclass(frozen=True, slots=True)
class CreationFacts:
    #: the latest batch's annotation types (None: the project has no batch yet)
    inherited: list[str] | None
    defaults: list[str]


class BatchQueries:
    """`uow.batches`: create, find, list and lock a project's batches; status, annotation types,
    input counts."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def create(self, project_id: int, batch: str, title: str, status: str) -> BatchRecord:
        now = now_micros()
        values = {
            "project_id": project_id,
            "external_id": batch,
            "title": title,
            "status": status,
            "created": now,
            "updated": now,
            "workflow": None,
        }
        bid = await self.tx.fetch_val(Q_BATCH_INSERT, values)
        return BatchRecord(bid, project_id, batch, title, status, now, now)

    async def creation_facts(self, project_id: int) -> CreationFacts:
        """What a new batch of the project is decided from (one statement)."""
        rows = await self.tx.fetch_all(Q_CREATION_FACTS, {"project_id": project_id})
        kinds = {r[0] for r in rows}

        def types(kind: str) -> list[str]:
            return [r[1] for r in sorted((r for r in rows if r[0] == kind), key=lambda r: r[2])]

        inherited = types("inherited") if "latest" in kinds else None
        return CreationFacts(inherited, types("default"))

    async def create_with_types(
        self, project_id: int, batch: str, title: str, status: str, types: Sequence[str], audit: Audit
    ) -> BatchRecord | None:
        """A new batch, its annotation types (a new batch has none to replace) and its audit-log
        entry; None, writing nothing, when the project has a batch of that id already (one a
        concurrent create made, say). On PostgreSQL one statement: one round trip, not three
        (an entry of a kind webhooks may name goes through `EventQueries.add`, which enqueues
        its deliveries)."""
        now = now_micros()
        values = {"project_id": project_id, "batch": batch, "title": title, "status": status, "created": now}
        if self.tx.dialect == "postgresql" and not is_webhook_kind(audit.kind):
            more = {"types": list(types), "org": audit.org, "kind": audit.kind, "actor": audit.actor}
            bid = await self.tx.fetch_val(Q_BATCH_INSERT_NEW, {**values, **more, "data": audit.data})
            return None if bid is None else BatchRecord(bid, project_id, batch, title, status, now, now)
        bid = await self.tx.fetch_val(Q_BATCH_INSERT_NEW, values)
        if bid is None:
            return None
        rows = [{"batch_id": bid, "annotation_type": a, "position": i} for i, a in enumerate(types)]
        if rows:
            await self.tx.execute_many(Q_BAT_INSERT, rows)
        await EventQueries(self.tx).add(audit.org, project_id, bid, audit.kind, audit.actor, audit.data)
        return BatchRecord(bid, project_id, batch, title, status, now, now)

    async def list_version(self, org: int, project: str) -> ListVersion | None:
        """The version of the project's batch list (None: no such project)."""
        row = await self.tx.fetch_one(Q_LIST_VERSION, {"org": org, "project": project})
        return None if row is None else (row[0], row[1], row[2])

    async def get(self, project_id: int, batch: str, lock: bool = False) -> BatchRecord | None:
        q = Q_BATCH_FOR_UPDATE if lock else Q_BATCH
        row = await self.tx.fetch_one(q, {"project_id": project_id, "batch": batch})
        return None if row is None else BatchRecord(*row)

    async def by_id(self, batch_id: int) -> tuple[str, str, int]:
        """(external id, status, project id) of a batch known to exist (a row points at it)."""
        row = await self.tx.fetch_one(Q_BATCH_BY_ID, {"id": batch_id})
        assert row is not None
        return row[2], row[4], row[1]

    async def of(self, project_id: int) -> list[BatchRecord]:
        """The project's batches, oldest first."""
        return [BatchRecord(*r) for r in await self.tx.fetch_all(Q_BATCHES, {"project_id": project_id})]

    async def lock_all(self, project_id: int) -> list[tuple[int, str, str]]:
        """The project's batches (id, external id, status) in id order, which is the order they
        were made in, locked in that order against concurrent moves (PostgreSQL; SQLite write
        transactions are serial already)."""
        rows = await self.tx.fetch_all(Q_BATCHES_FOR_UPDATE, {"project_id": project_id})
        return [(r[0], r[2], r[4]) for r in rows]

    async def lock_ids(self, batch_ids: Sequence[int]) -> list[BatchRecord]:
        """These batches, locked in id order (the lock order says batches by id)."""
        if not batch_ids:
            return []
        ids = sorted(set(batch_ids))
        clause, values = in_list(_B.c.id, "b", ids)

        def build() -> Any:
            return sa.select(*_B.c).where(clause).order_by(_B.c.id).with_for_update(key_share=True)

        rows = await self.tx.fetch_all(shaped(("lock-batches", bucket(len(ids))), build), values)
        return [BatchRecord(*r) for r in rows]

    async def latest(self, project_id: int) -> BatchRecord | None:
        row = await self.tx.fetch_one(Q_BATCH_LATEST, {"project_id": project_id})
        return None if row is None else BatchRecord(*row)

    async def set_status(self, batch_id: int, status: str) -> int:
        """Answers the batch's new `updated` time."""
        now = now_micros()
        await self.tx.execute(Q_BATCH_SET_STATUS, {"id": batch_id, "status": status, "updated": now})
        await self.tx.execute(Q_PROJECT_BUMP_BY_BATCH, {"batch_id": batch_id})
        return now

    async def set_workflow(self, batch_id: int, workflow: str | None) -> int:
        """The batch's own phases, comma-separated (None: the project's). Answers its new `updated`."""
        now = now_micros()
        await self.tx.execute(Q_BATCH_SET_WORKFLOW, {"id": batch_id, "workflow": workflow, "updated": now})
        await self.tx.execute(Q_PROJECT_BUMP_BY_BATCH, {"batch_id": batch_id})
        return now

    async def record(self, batch_id: int) -> BatchRecord:
        """A batch known to exist (a row points at it)."""
        row = await self.tx.fetch_one(Q_BATCH_BY_ID, {"id": batch_id})
        assert row is not None
        return BatchRecord(*row)

    async def types(self, batch_id: int) -> list[str]:
        return [r[0] for r in await self.tx.fetch_all(Q_BAT, {"batch_id": batch_id})]

    async def set_types(self, batch_id: int, types: list[str]) -> int:
        """Answers the batch's new `updated` time."""
        await self.tx.execute(Q_BAT_DELETE, {"batch_id": batch_id})
        rows = [{"batch_id": batch_id, "annotation_type": a, "position": i} for i, a in enumerate(types)]
        if rows:
            await self.tx.execute_many(Q_BAT_INSERT, rows)
        now = now_micros()
        await self.tx.execute(Q_BATCH_TOUCH, {"id": batch_id, "updated": now})
        await self.tx.execute(Q_PROJECT_BUMP_BY_BATCH, {"batch_id": batch_id})
        return now

    async def types_by_batch(self, batch_ids: Sequence[int]) -> dict[int, list[str]]:
        """The annotation types of several batches at once (a page of inputs names a few)."""
        if not batch_ids:
            return {}
        ids = list(dict.fromkeys(batch_ids))
        clause, values = in_list(_BAT.c.batch_id, "b", ids)

        def build() -> Any:
            return (
                sa.select(_BAT.c.batch_id, _BAT.c.annotation_type)
                .where(clause)
                .order_by(_BAT.c.batch_id, _BAT.c.position)
            )

        q = shaped(("batch-types", bucket(len(ids))), build)
        found: dict[int, list[str]] = {i: [] for i in batch_ids}
        for bid, a in await self.tx.fetch_all(q, values):
            found.setdefault(int(bid), []).append(a)
        return found

    async def input_counts(self, batch_id: int, scope: Scope) -> dict[str, int]:
        """The batch's inputs within the scope (a batch holds inputs of several workspaces)
        counted by status."""
        return {s: n for s, n in await self.tx.fetch_all(*Q_INPUT_COUNTS.bind(scope, batch_id=batch_id))}
