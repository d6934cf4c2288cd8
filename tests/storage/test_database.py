"""A transaction commits or rolls back as a whole; a deadlock is a transaction to run again; a query
is compiled once per dialect."""

from __future__ import annotations

import asyncio

import pytest

from annobatch.storage.database import Database, IntegrityError, Query, TransactionAborted
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


_TOUCH = Query("UPDATE organizations SET name = name WHERE id = :id")


def test_a_deadlock_postgresql_breaks_is_a_transaction_to_run_again(
    db: Database, runner: asyncio.Runner
) -> None:
    """Two transactions locking two rows in opposite orders: PostgreSQL aborts one of them, which
    surfaces as `TransactionAborted` (run it again), not as the driver's error."""
    if db.dialect != "postgresql":
        pytest.skip("SQLite write transactions never interleave")

    async def go() -> list[BaseException | None]:
        async with db.transaction(write=True) as tx:
            a = (await OrganizationQueries(tx).create("a")).id
            b = (await OrganizationQueries(tx).create("b")).id
        both_hold_one = asyncio.Barrier(2)

        async def lock(first: int, then: int) -> None:
            async with db.transaction(write=True) as tx:
                await tx.execute(_TOUCH, {"id": first})
                await both_hold_one.wait()
                await tx.execute(_TOUCH, {"id": then})

        results = await asyncio.gather(lock(a, b), lock(b, a), return_exceptions=True)
        return list(results)  # type: ignore[arg-type]

    results = run(runner, go())
    assert sorted(type(r).__name__ for r in results) == ["NoneType", "TransactionAborted"]
    (aborted,) = [r for r in results if r is not None]
    assert isinstance(aborted, TransactionAborted) and "deadlock detected" in str(aborted)


def test_a_query_is_compiled_once_per_dialect() -> None:
    q = Query("SELECT :a + :b", postgresql="SELECT CAST(:a AS int) + CAST(:b AS int)")
    assert q.compiled("sqlite") is q.compiled("sqlite")
    sql, names, _ = q.compiled("postgresql")
    assert "$1" in sql and names == ("a", "b")
