"""A page of inputs finds its rows' scenes by primary key, however many scenes the database holds:
its cost must not grow with the scenes table (on PostgreSQL it did: a hash join read the whole
table for every page, bench/RESULTS.md "Issue 13, fourth pass")."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from typing import Any

import pytest

from annobatch.storage.database import Database, Query
from annobatch.storage.queries.inputs import Cursor, InputFilter
from annobatch.storage.scope import Scope
from annobatch.storage.unit_of_work import UnitOfWork
from conftest import World
from plans import plan_nodes, sql_literal

#: Scenes of the organization that are in no page asked for; the page's batch holds PAGE_OF more.
OTHER_SCENES = 6000
PAGE_OF = 150


class _Recorder:
    """A transaction that records the statement a query method runs instead of running it."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.seen: list[tuple[Query, dict[str, Any]]] = []

    async def fetch_all(self, q: Query, params: dict[str, Any] | None = None) -> list[Any]:
        self.seen.append((q, dict(params or {})))
        return []


def _world(db: Database, world: World, runner: asyncio.Runner) -> tuple[int, int]:
    """An organization with a batch holding PAGE_OF inputs, and OTHER_SCENES scenes in no batch:
    (organization id, batch id)."""
    org = world.org("acme")
    world.project(org, "p1")
    world.batch(org, "p1", "b1")

    async def batch_id() -> int:
        async with db.transaction() as tx:
            return int(await tx.fetch_val(Query("SELECT id FROM batches WHERE external_id = 'b1'")))

    bid = runner.run(batch_id())
    _fill(db, runner, org, bid)
    return org, bid


async def _workspace(db: Database, org: int) -> str:
    async with db.transaction() as tx:
        q = Query("SELECT id FROM workspaces WHERE organization_id = :org")
        return str(await tx.fetch_val(q, {"org": org}))


def _fill(db: Database, runner: asyncio.Runner, org: int, batch_id: int) -> None:
    """OTHER_SCENES scenes in no batch, and PAGE_OF inputs (and their scenes) in the batch."""
    scene = (
        "INSERT INTO scenes (id, organization_id, workspace_id, external_id, scene_type, status,"
        " motion_compensate, spec, fingerprint, created, updated, batch_named)"
        " VALUES (:id, :org, (SELECT id FROM workspaces WHERE organization_id = :org LIMIT 1), :ext,"
        " 'cameras', 'created', false, '{}', '', 1, 1, false)"
    )
    inp = (
        "INSERT INTO inputs (id, organization_id, project_id, batch_id, scene_id, status, created)"
        " SELECT :id, :org, project_id, id, :scene, 'created', :n FROM batches WHERE id = :batch"
    )

    async def go() -> None:
        async with db.transaction(write=True) as tx:
            # Random ids, as scenes have: rows in no order of their key (a planner costs lookups by
            # such a key as a random read each).
            count = OTHER_SCENES + PAGE_OF
            rows = [{"id": str(uuid.uuid4()), "org": org, "ext": f"s{n}"} for n in range(count)]
            await tx.execute_many(Query(scene), rows)
            placed = [
                {"id": f"10000000-0000-4000-8000-{n:012x}", "scene": rows[n]["id"], "n": n}
                for n in range(PAGE_OF)
            ]
            await tx.execute_many(Query(inp), [{**p, "org": org, "batch": batch_id} for p in placed])

    runner.run(go())


def _scans(plan: Any) -> list[tuple[str, str]]:
    """(node type, relation) of every node of a PostgreSQL plan (JSON) that reads a relation."""
    return [(n["Node Type"], n["Relation Name"]) for n in plan_nodes(plan) if "Relation Name" in n]


@pytest.mark.parametrize("narrowed", [False, True], ids=["organization", "workspace"])
def test_a_page_finds_its_scenes_by_primary_key_however_many_scenes_there_are(
    db: Database, world: World, runner: asyncio.Runner, database_url: str, narrowed: bool
) -> None:
    """For a credential of the whole organization, and for one bound to a workspace (each input
    of the range checked against its scene's workspace)."""
    org, bid = _world(db, world, runner)
    scope = Scope(org, runner.run(_workspace(db, org)) if narrowed else None)
    recorder = _Recorder(db.dialect)
    uow = UnitOfWork(recorder)  # type: ignore[arg-type]
    for after in (None, Cursor(10, "10000000-0000-4000-8000-00000000000a")):  # first, after a cursor
        runner.run(uow.inputs.page(scope, InputFilter(batch_id=bid), after, 100))
    assert len(recorder.seen) == 2

    if db.dialect == "sqlite":
        path = database_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            conn.execute("ANALYZE")
            for q, values in recorder.seen:
                sql, args = q.bind("sqlite", values)
                steps = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, args)]
                on_scenes = [s for s in steps if " scenes" in s]
                assert on_scenes and all(s.startswith("SEARCH scenes USING INDEX") for s in on_scenes), steps
        return

    import asyncpg

    async def plans() -> list[tuple[str, list[tuple[str, str]]]]:
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute("ANALYZE scenes; ANALYZE inputs")
            found = []
            for i, (q, values) in enumerate(recorder.seen):
                sql, args = q.bind("postgresql", values)
                custom = await conn.fetchval("EXPLAIN (FORMAT JSON) " + sql, *args)
                found.append(("custom", _scans(json.loads(custom)[0]["Plan"])))
                # The plan a connection keeps for a statement it ran often: made without the values.
                await conn.execute(f"PREPARE page{i} AS {sql}")
                await conn.execute("SET plan_cache_mode = force_generic_plan")
                generic = await conn.fetchval(
                    f"EXPLAIN (FORMAT JSON) EXECUTE page{i}({', '.join(sql_literal(a) for a in args)})"
                )
                await conn.execute("RESET plan_cache_mode")
                found.append(("generic", _scans(json.loads(generic)[0]["Plan"])))
            return found
        finally:
            await conn.close()

    for kind, scans in runner.run(plans()):
        on_scenes = [node for node, rel in scans if rel == "scenes"]
        by_key = all(node in ("Index Scan", "Index Only Scan") for node in on_scenes)
        assert on_scenes and by_key, (kind, scans)


@pytest.mark.parametrize("after", [False, True])
def test_a_page_lists_the_same_rows_on_both_shapes_of_the_statement(
    db: Database, world: World, runner: asyncio.Runner, after: bool
) -> None:
    """The rows of a page and their scenes' fields, in order (the statement differs by database)."""
    org, bid = _world(db, world, runner)

    async def listed() -> list[Any]:
        async with db.transaction() as tx:
            uow = UnitOfWork(tx)
            first = await uow.inputs.page(Scope(org), InputFilter(batch_id=bid), None, 100)
            if not after:
                return first
            after_last = Cursor(first[-1].created, first[-1].id)
            return await uow.inputs.page(Scope(org), InputFilter(batch_id=bid), after_last, 100)

    rows = runner.run(listed())
    expected = list(range(100, PAGE_OF)) if after else list(range(100))
    assert [r.id for r in rows] == [f"10000000-0000-4000-8000-{n:012x}" for n in expected]
    assert [r.scene_external_id for r in rows] == [f"s{n}" for n in expected]
    assert {r.scene_type for r in rows} == {"cameras"}
