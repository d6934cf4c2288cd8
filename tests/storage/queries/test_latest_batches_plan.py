"""A project's newest batches — the latest one, which a new batch is decided from, and a page of
the dashboard's — are a range of an index, however many batches the project holds and whenever
the statement was planned: on PostgreSQL their cost grew with the project's batches (a generic
plan, made while the project held a few, sorted all of them each time; bench/RESULTS.md,
"Issue 13, fifth pass")."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from typing import Any

import pytest

from annobatch.storage.database import Database, Query, open_database
from annobatch.storage.queries.batches import Q_CREATION_FACTS
from annobatch.storage.queries.dashboard import Q_BATCH_PAGE, Q_BATCH_PAGE_BEFORE
from annobatch.storage.unit_of_work import UnitOfWork
from conftest import fresh_postgres_database
from plans import plan_nodes, sql_literal

#: Batches of another project, there before the statement is first planned; and of the project
#: itself, added after.
ELSEWHERE = 1000
GROWN = 20_000

_BULK = Query(
    "INSERT INTO batches (project_id, external_id, title, status, created, updated)"
    " SELECT :project, :prefix || CAST(g AS VARCHAR(12)), 't', 'open', g, g"
    " FROM generate_series(1, :n) AS g",
    sqlite="WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :n)"
    " INSERT INTO batches (project_id, external_id, title, status, created, updated)"
    " SELECT :project, :prefix || g, 't', 'open', g, g FROM s",
)


async def _setup(db: Database) -> tuple[int, int]:
    """Two projects: one with ELSEWHERE batches, one with none yet: (their ids)."""
    async with db.transaction(write=True) as tx:
        uow = UnitOfWork(tx)
        org = await uow.organizations.create("acme")
        other = await uow.projects.create(org.id, "other", "Other", "", "ongoing")
        grows = await uow.projects.create(org.id, "grows", "Grows", "", "ongoing")
        await tx.execute(_BULK, {"project": other.id, "prefix": "o-", "n": ELSEWHERE})
        return other.id, grows.id


async def _add(db: Database, project: int, batch: str, created: int, types: list[str]) -> None:
    async with db.transaction(write=True) as tx:
        uow = UnitOfWork(tx)
        b = await uow.batches.create(project, batch, batch, "open")
        await tx.execute(Query("UPDATE batches SET created = :c WHERE id = :id"), {"c": created, "id": b.id})
        await uow.batches.set_types(b.id, types)


async def _facts(db: Database, project: int) -> tuple[list[str] | None, list[str]]:
    async with db.transaction() as tx:
        f = await UnitOfWork(tx).batches.creation_facts(project)
        return f.inherited, f.defaults


def _sqlite_plan(
    db: Database, runner: asyncio.Runner, database_url: str, q: Query, values: dict[str, Any]
) -> list[str]:
    """The steps of SQLite's plan for `q` over the growing project (with a batch, analyzed)."""
    _, grows = runner.run(_setup(db))
    runner.run(_add(db, grows, "b0", 1, ["x"]))
    sql, _, fixed = q.compiled("sqlite")
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:
        conn.execute("ANALYZE")
        plan = conn.execute("EXPLAIN QUERY PLAN " + sql, {**fixed, "project_id": grows, **values})
        return [row[3] for row in plan]


def test_the_facts_name_the_latest_batch_of_the_project_and_only_of_it(
    db: Database, runner: asyncio.Runner
) -> None:
    """The latest by creation time (ties by id); a project with no batch of its own has none to
    inherit from, though a project of a lower id has batches."""
    other, grows = runner.run(_setup(db))
    assert runner.run(_facts(db, grows)) == (None, [])
    runner.run(_add(db, grows, "late", 5_000_000, ["lane"]))
    runner.run(_add(db, grows, "early", 4_000_000, ["box"]))
    assert runner.run(_facts(db, grows)) == (["lane"], [])
    runner.run(_add(db, grows, "tie", 5_000_000, ["tie"]))  # same time, a higher id
    assert runner.run(_facts(db, grows)) == (["tie"], [])
    assert runner.run(_facts(db, other)) == ([], [])  # its latest batch has no types
    assert runner.run(_facts(db, grows + 1)) == (None, [])  # above every project's id


def test_the_latest_batch_is_the_last_entry_of_an_index_whenever_the_plan_was_made(
    db: Database, runner: asyncio.Runner, database_url: str, postgres_admin_url: str | None
) -> None:
    if db.dialect == "sqlite":
        steps = _sqlite_plan(db, runner, database_url, Q_CREATION_FACTS, {})
        assert not [s for s in steps if "TEMP B-TREE" in s], steps
        assert [s for s in steps if s.startswith("SEARCH batches USING COVERING INDEX")], steps
        return

    # A database of its own: the tables of the session's database hold the dead rows of earlier
    # tests (emptied by DELETE, never vacuumed), and the plan depends on the tables' size.
    assert postgres_admin_url is not None
    with fresh_postgres_database(postgres_admin_url, runner) as url:
        nodes, rows = runner.run(_planned_early_run_late(url))
    assert sorted(tuple(r) for r in rows) == [("inherited", "newest", 0), ("latest", None, 0)]
    assert not [n for n in nodes if n["Node Type"] == "Sort"], nodes
    on_batches = [n for n in nodes if n.get("Relation Name") == "batches"]
    assert on_batches and all(n["Actual Rows"] <= 1 for n in on_batches), on_batches


async def _planned_early_run_late(
    url: str, q: Query = Q_CREATION_FACTS, **more: Any
) -> tuple[list[dict[str, Any]], Any]:
    """`q` prepared as a server's connection prepares it and run while the project holds a few
    batches (PostgreSQL makes its generic plan after five runs, and keeps it), then run again after
    GROWN more: (the nodes of that run's plan, its rows)."""
    import asyncpg

    db = open_database(url)
    await db.connect()
    conn = await asyncpg.connect(url)
    try:
        _, grows = await _setup(db)
        sql, names, fixed = q.compiled("postgresql")
        args = [{**fixed, "project_id": grows, **more}[n] for n in names]
        statement = await conn.prepare(sql)
        for i in range(8):
            await statement.fetch(*args)
            await _add(db, grows, f"b{i}", i, ["x"])
        async with db.transaction(write=True) as tx:
            await tx.execute(_BULK, {"project": grows, "prefix": "g-", "n": GROWN})
        await _add(db, grows, "newest", 10 * GROWN, ["newest"])
        literal = ", ".join(sql_literal(a) for a in args)
        explained = await conn.fetchval(
            f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE {statement.get_name()}({literal})"
        )
        return plan_nodes(json.loads(explained)[0]["Plan"]), await statement.fetch(*args)
    finally:
        await conn.close()
        await db.close()


@pytest.mark.parametrize("after", [False, True], ids=["first-page", "after-a-cursor"])
def test_a_page_of_batches_is_a_range_of_an_index_whenever_the_plan_was_made(
    db: Database,
    runner: asyncio.Runner,
    database_url: str,
    postgres_admin_url: str | None,
    after: bool,
) -> None:
    q, cursor = (
        (Q_BATCH_PAGE_BEFORE, {"before_created": GROWN, "before_id": 2**31 - 1})
        if after
        else (Q_BATCH_PAGE, {})
    )
    if db.dialect == "sqlite":
        steps = _sqlite_plan(db, runner, database_url, q, {"limit": 25, **cursor})
        # A range of the index, in its order; the page it yields (at most `limit` rows) is put
        # in order again by the outer statement, which SQLite does with a small sort.
        assert not [s for s in steps if s.startswith("SCAN batches")], steps
        assert [
            s for s in steps if s.startswith("SEARCH batches USING INDEX ix_batches_project_id_created_id")
        ], steps
        return
    assert postgres_admin_url is not None
    with fresh_postgres_database(postgres_admin_url, runner) as url:
        nodes, rows = runner.run(_planned_early_run_late(url, q, limit=25, **cursor))
    assert [r["external_id"] for r in rows] == (
        [f"g-{n}" for n in range(GROWN, GROWN - 25, -1)]
        if after
        else ["newest"] + [f"g-{n}" for n in range(GROWN, GROWN - 24, -1)]
    )
    assert not [n for n in nodes if n["Node Type"] == "Sort"], nodes
    on_batches = [n for n in nodes if n.get("Relation Name") == "batches"]
    assert on_batches and all(n["Actual Rows"] <= 25 for n in on_batches), on_batches


def test_pages_of_batches_hold_the_projects_batches_only_newest_first(
    db: Database, runner: asyncio.Runner
) -> None:
    """Page after page to the project's oldest batch, though a project of a lower id has batches
    (the range scan steps into them, and they are dropped)."""

    async def go() -> tuple[int, list[list[str]]]:
        _, grows = await _setup(db)  # the other project, of a lower id, has batches
        for i in range(7):
            await _add(db, grows, f"b{i}", 100 + i // 2, [])  # pairs made at the same time
        pages: list[list[str]] = []
        before = None
        while True:
            async with db.transaction() as tx:
                total, page = await UnitOfWork(tx).dashboard.batch_page(grows, before, 3)
            pages.append([b.external_id for b in page])
            if len(page) < 3:
                return total, pages
            before = (page[-1].created, page[-1].id)

    total, pages = runner.run(go())
    assert total == 7
    assert pages == [["b6", "b5", "b4"], ["b3", "b2", "b1"], ["b0"]]


@pytest.mark.parametrize("first", [True, False], ids=["first-batch", "later-batch"])
def test_a_create_inherits_as_before(db: Database, runner: asyncio.Runner, first: bool) -> None:
    """The facts a create reads, through the unit of work: the defaults for a first batch, the
    latest batch's types after."""

    async def go() -> tuple[list[str] | None, list[str]]:
        async with db.transaction(write=True) as tx:
            uow = UnitOfWork(tx)
            org = await uow.organizations.create("acme")
            p = await uow.projects.create(org.id, "p1", "P", "", "ongoing")
            await uow.projects.set_default_types(p.id, ["default"])
            if not first:
                b = await uow.batches.create(p.id, "b1", "b1", "open")
                await uow.batches.set_types(b.id, ["own"])
            f = await uow.batches.creation_facts(p.id)
            return f.inherited, f.defaults

    assert runner.run(go()) == ((None, ["default"]) if first else (["own"], ["default"]))
