"""Typed queries return records and keep to their transaction."""

from __future__ import annotations

import asyncio

import pytest

from annobatch.storage.database import Database, IntegrityError, Query
from annobatch.storage.store import Store


def run(runner: asyncio.Runner, coro):  # type: ignore[no-untyped-def]
    return runner.run(coro)


def test_a_project_round_trips_as_a_record(db: Database, runner: asyncio.Runner) -> None:
    async def go() -> None:
        async with db.transaction(write=True) as tx:
            s = Store(tx)
            org = await s.create_organization("acme")
            p = await s.create_project(org.id, "p1", "P one", "", "ongoing")
            await s.set_project_default_types(p.id, ["b-type", "a-type"])
        async with db.transaction() as tx:
            s = Store(tx)
            assert await s.get_project(org.id, "p1") == p
            assert await s.get_project(org.id + 1, "p1") is None
            assert await s.project_default_types(p.id) == ["b-type", "a-type"]

    run(runner, go())


def test_the_latest_batch_is_the_newest_created_with_ties_broken_by_id(
    db: Database, runner: asyncio.Runner
) -> None:
    async def go() -> None:
        async with db.transaction(write=True) as tx:
            s = Store(tx)
            org = await s.create_organization("acme")
            p = await s.create_project(org.id, "p1", "P", "", "ongoing")
            await s.create_batch(p.id, "b1", "b1", "open")
            b2 = await s.create_batch(p.id, "b2", "b2", "open")
            assert await s.latest_batch(p.id) == b2
            assert [b.external_id for b in await s.list_batches(p.id)] == ["b1", "b2"]

    run(runner, go())


def test_the_catalogue_holds_defaults_then_batch_types_once_each(
    db: Database, runner: asyncio.Runner
) -> None:
    async def go() -> None:
        async with db.transaction(write=True) as tx:
            s = Store(tx)
            org = await s.create_organization("acme")
            p = await s.create_project(org.id, "p1", "P", "", "ongoing")
            await s.set_project_default_types(p.id, ["object-detection"])
            b = await s.create_batch(p.id, "b1", "b1", "open")
            await s.set_batch_types(b.id, ["lane-marking", "object-detection"])
            assert await s.project_catalogue(p.id) == ["object-detection", "lane-marking"]

    run(runner, go())


def test_a_failed_transaction_leaves_nothing_behind(db: Database, runner: asyncio.Runner) -> None:
    async def go() -> None:
        with pytest.raises(RuntimeError):
            async with db.transaction(write=True) as tx:
                await Store(tx).create_organization("acme")
                raise RuntimeError("boom")
        async with db.transaction() as tx:
            assert await Store(tx).list_organizations() == []

    run(runner, go())


def test_a_dry_run_writes_nothing(db: Database, runner: asyncio.Runner) -> None:
    async def go() -> None:
        async with db.dry_run() as tx:
            await Store(tx).create_organization("acme")
            assert len(await Store(tx).list_organizations()) == 1
        async with db.transaction() as tx:
            assert await Store(tx).list_organizations() == []

    run(runner, go())


def test_a_duplicate_key_is_an_integrity_error(db: Database, runner: asyncio.Runner) -> None:
    async def go() -> None:
        async with db.transaction(write=True) as tx:
            await Store(tx).create_organization("acme")
        with pytest.raises(IntegrityError):
            async with db.transaction(write=True) as tx:
                await Store(tx).create_organization("acme")

    run(runner, go())


def test_a_query_is_compiled_once_per_dialect() -> None:
    q = Query("SELECT :a + :b", postgresql="SELECT CAST(:a AS int) + CAST(:b AS int)")
    assert q.compiled("sqlite") is q.compiled("sqlite")
    sql, names, _ = q.compiled("postgresql")
    assert "$1" in sql and names == ("a", "b")
