"""Projects: an organization's projects by external id, their status, their default annotation
types and their catalogue (every type the project knows of)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import b, bucket, in_list, insert, shaped
from annobatch.storage.records import ProjectRecord, now_micros
from annobatch.storage.tables import DEFAULT_WORKFLOW_TEXT

_P, _PAT, _O = t.projects, t.project_annotation_types, t.organizations

_BY_EXT = (_P.c.organization_id == b("org"), _P.c.external_id == b("project"))
_PROJECT_BY_EXT = sa.select(*_P.c).where(*_BY_EXT)
Q_PROJECT_INSERT = insert(_P, returning="id")
Q_PROJECT = Query(_PROJECT_BY_EXT)

# Row locks are FOR NO KEY UPDATE: they exclude every other writer of the row, and not the
# key-share locks that foreign-key checks take when a batch, scene, input or event is inserted.
# Creates of new batches lock the row FOR SHARE instead: they share it with each other, and it
# excludes every FOR NO KEY UPDATE, so every other change of the project waits for them and they
# for it. A row lock that is free for a sharer is granted at once, even while a lone locker
# waits, so that creates one after another could keep a lone locker waiting for as long as they
# come. Each project lock therefore also takes a transaction-scoped advisory lock on the project,
# in the same mode, before the row (in the same statement; for a list of projects, in one just
# before, in id order): PostgreSQL's lock manager queues a sharer behind a lone locker that
# waits, and so every lock of a project is granted in turn.
PROJECT_LOCK_CLASS = 1  # the advisory locks' first key (two-key space; the second: the project id)


def _queued(stmt: Any, alone: bool) -> Query:
    """`stmt` (the project's columns) locking its rows, behind the advisory lock of each (PostgreSQL),
    which an extra last column takes; SQLite gets a NULL in its place."""
    advisory = sa.func.pg_advisory_xact_lock if alone else sa.func.pg_advisory_xact_lock_shared
    pg = stmt.add_columns(advisory(sa.literal(PROJECT_LOCK_CLASS), _P.c.id).label("queued"))
    row_lock = {"key_share": True} if alone else {"read": True}
    return Query(
        stmt.add_columns(sa.null().label("queued")),
        postgresql=pg.with_for_update(**row_lock),
    )


Q_PROJECT_FOR_UPDATE = _queued(_PROJECT_BY_EXT, alone=True)
Q_PROJECT_FOR_SHARE = _queued(_PROJECT_BY_EXT, alone=False)
_PROJECT_BY_ID = sa.select(*_P.c).where(_P.c.id == b("id"))
Q_PROJECT_BY_ID = Query(_PROJECT_BY_ID)
Q_PROJECT_BY_ID_FOR_UPDATE = _queued(_PROJECT_BY_ID, alone=True)
# The advisory locks of a list of projects (`in_list`'s parameters, in id order), by its size.
_ADVISORY: dict[int, Query] = {}


def _advisory_locks(n: int) -> Query:
    q = _ADVISORY.get(n)
    if q is None:
        rows = ", ".join(f"(CAST(:p{i} AS INTEGER))" for i in range(n))
        sql = f"SELECT pg_advisory_xact_lock({PROJECT_LOCK_CLASS}, v) FROM (VALUES {rows}) AS t(v)"
        q = _ADVISORY[n] = Query(sql)
    return q


Q_PROJECTS = Query(sa.select(*_P.c).where(_P.c.organization_id == b("org")).order_by(_P.c.created, _P.c.id))
Q_PROJECTS_ALL = Query(sa.select(*_P.c).order_by(_P.c.organization_id, _P.c.created, _P.c.id))
Q_PROJECT_SET_STATUS = Query(
    sa.update(_P).where(_P.c.id == b("id")).values(status=b("status"), updated=b("updated"))
)
# The organization's project-list revision: bumped by every change to what the list shows.
Q_LIST_REVISION = Query(sa.select(_O.c.projects_revision).where(_O.c.id == b("org")))
Q_LIST_BUMP = Query(
    sa.update(_O).where(_O.c.id == b("org")).values(projects_revision=_O.c.projects_revision + 1)
)
Q_LIST_BUMP_BY_PROJECT = Query(
    sa.update(_O)
    .where(_O.c.id == sa.select(_P.c.organization_id).where(_P.c.id == b("id")).scalar_subquery())
    .values(projects_revision=_O.c.projects_revision + 1)
)
Q_PROJECT_SET_WORKFLOW = Query(
    sa.update(_P).where(_P.c.id == b("id")).values(workflow=b("workflow"), updated=b("updated"))
)

Q_PAT = Query(
    sa.select(_PAT.c.annotation_type).where(_PAT.c.project_id == b("project_id")).order_by(_PAT.c.position)
)
Q_PAT_INSERT = insert(_PAT)
Q_PAT_DELETE = Query(sa.delete(_PAT).where(_PAT.c.project_id == b("project_id")))
# The project's catalogue: configured defaults first, then every type its batches use.
Q_CATALOGUE = Query(
    sa.text(
        "SELECT annotation_type FROM ("
        " SELECT annotation_type, 0 AS src, position AS pos, 0 AS bid FROM project_annotation_types"
        " WHERE project_id = :project_id"
        " UNION ALL"
        " SELECT bat.annotation_type, 1, bat.position, b.id FROM batch_annotation_types bat"
        " JOIN batches b ON b.id = bat.batch_id WHERE b.project_id = :project_id"
        ") AS u ORDER BY src, bid, pos"
    )
)


class ProjectQueries:
    """`uow.projects`: create, find (optionally locking the row: the project row is the lock
    that serialises changes to its batches on PostgreSQL), list, status and annotation types."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def create(
        self, org: int, project: str, title: str, description: str, status: str
    ) -> ProjectRecord:
        now = now_micros()
        values = {
            "organization_id": org,
            "external_id": project,
            "title": title,
            "description": description,
            "status": status,
            "created": now,
            "updated": now,
            "batches_revision": 0,
            "workflow": DEFAULT_WORKFLOW_TEXT,
        }
        pid = await self.tx.fetch_val(Q_PROJECT_INSERT, values)
        await self.tx.execute(Q_LIST_BUMP, {"org": org})
        return ProjectRecord(
            pid, org, project, title, description, status, now, now, 0, DEFAULT_WORKFLOW_TEXT
        )

    async def get(
        self, org: int, project: str, lock: bool = False, shared: bool = False
    ) -> ProjectRecord | None:
        """The project, optionally locked: alone (`lock`), or `shared` with others who lock it
        shared, against every lock that is not (PostgreSQL; SQLite writers are serial already)."""
        q = Q_PROJECT_FOR_SHARE if shared else Q_PROJECT_FOR_UPDATE if lock else Q_PROJECT
        row = await self.tx.fetch_one(q, {"org": org, "project": project})
        return None if row is None else _record(row)

    async def by_id(self, project_id: int, lock: bool = False) -> ProjectRecord:
        """A project known to exist (a row points at it), optionally locked."""
        row = await self.tx.fetch_one(
            Q_PROJECT_BY_ID_FOR_UPDATE if lock else Q_PROJECT_BY_ID, {"id": project_id}
        )
        assert row is not None
        return _record(row)

    async def lock_ids(self, project_ids: Sequence[int]) -> None:
        """Lock these projects' rows, in id order (the lock order says projects by id)."""
        if not project_ids:
            return
        ids = sorted(set(project_ids))
        clause, values = in_list(_P.c.id, "p", ids)

        if self.tx.dialect == "postgresql":
            # The advisory locks first, one by one in id order, as a lock of one project takes them.
            await self.tx.fetch_all(_advisory_locks(len(values)), values)

        def build() -> Any:
            return sa.select(_P.c.id).where(clause).order_by(_P.c.id).with_for_update(key_share=True)

        await self.tx.fetch_all(shaped(("lock-projects", bucket(len(ids))), build), values)

    async def external_id(self, project_id: int) -> str:
        """The external id of a project known to exist (a row points at it)."""
        row = await self.tx.fetch_one(Q_PROJECT_BY_ID, {"id": project_id})
        assert row is not None
        return str(row[2])

    async def of(self, org: int) -> list[ProjectRecord]:
        """The organization's projects, oldest first."""
        return [ProjectRecord(*r) for r in await self.tx.fetch_all(Q_PROJECTS, {"org": org})]

    async def list_revision(self, org: int) -> int:
        """The organization's project-list revision (`organizations.projects_revision`)."""
        return int(await self.tx.fetch_val(Q_LIST_REVISION, {"org": org}) or 0)

    async def all(self) -> list[ProjectRecord]:
        """Every organization's projects (the operator's listing)."""
        return [ProjectRecord(*r) for r in await self.tx.fetch_all(Q_PROJECTS_ALL)]

    async def set_status(self, project_id: int, status: str) -> None:
        await self.tx.execute(
            Q_PROJECT_SET_STATUS, {"id": project_id, "status": status, "updated": now_micros()}
        )
        await self.tx.execute(Q_LIST_BUMP_BY_PROJECT, {"id": project_id})

    async def set_workflow(self, project_id: int, workflow: str) -> None:
        """The phases of the project's batches (those without their own), comma-separated."""
        await self.tx.execute(
            Q_PROJECT_SET_WORKFLOW, {"id": project_id, "workflow": workflow, "updated": now_micros()}
        )

    async def default_types(self, project_id: int) -> list[str]:
        return [r[0] for r in await self.tx.fetch_all(Q_PAT, {"project_id": project_id})]

    async def set_default_types(self, project_id: int, types: list[str]) -> None:
        await self.tx.execute(Q_PAT_DELETE, {"project_id": project_id})
        rows = [{"project_id": project_id, "annotation_type": a, "position": i} for i, a in enumerate(types)]
        if rows:
            await self.tx.execute_many(Q_PAT_INSERT, rows)

    async def catalogue(self, project_id: int) -> list[str]:
        """The defaults, then every type its batches use, each once, in that order."""
        seen: dict[str, None] = {}
        for (a,) in await self.tx.fetch_all(Q_CATALOGUE, {"project_id": project_id}):
            seen.setdefault(a, None)
        return list(seen)


def _record(row: tuple[Any, ...]) -> ProjectRecord:
    """A project from a row of its columns, and of a lock's last column when it is one."""
    n = len(ProjectRecord.__struct_fields__)
    return ProjectRecord(*row[:n])
