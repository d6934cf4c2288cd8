"""A transaction commits or rolls back as a whole; a query is compiled once per dialect."""

from __future__ import annotations

import asyncio

import pytest

from annobatch.storage.database import Database, IntegrityError, Query
from annobatch.storage.queries.organizations import OrganizationQueries


def run(runner: asyncio.Runner, coro):  # type: ignore[no-untyped-def]
    return runner.run(coro)


def test_a_failed_transaction_leaves_nothing_behind(db: Database, runner: asyncio.Runner) -> None:
    async def go() -> None:
        with pytest.raises(RuntimeError):
            async with db.transaction(write=True) as tx:
                await OrganizationQueries(tx).create("acme")
                raise RuntimeError("boom")
        async with db.transaction() as tx:
            assert await OrganizationQueries(tx).all() == []

    run(runner, go())


def test_a_dry_run_writes_nothing(db: Database, runner: asyncio.Runner) -> None:
    async def go() -> None:
        async with db.dry_run() as tx:
            await OrganizationQueries(tx).create("acme")
            assert len(await OrganizationQueries(tx).all()) == 1
        async with db.transaction() as tx:
            assert await OrganizationQueries(tx).all() == []

    run(runner, go())


def test_a_duplicate_key_is_an_integrity_error(db: Database, runner: asyncio.Runner) -> None:
    async def go() -> None:
        async with db.transaction(write=True) as tx:
            await OrganizationQueries(tx).create("acme")
        with pytest.raises(IntegrityError):
            async with db.transaction(write=True) as tx:
                await OrganizationQueries(tx).create("acme")

    run(runner, go())


def test_a_query_is_compiled_once_per_dialect() -> None:
    q = Query("SELECT :a + :b", postgresql="SELECT CAST(:a AS int) + CAST(:b AS int)")
    assert q.compiled("sqlite") is q.compiled("sqlite")
    sql, names, _ = q.compiled("postgresql")
    assert "$1" in sql and names == ("a", "b")
