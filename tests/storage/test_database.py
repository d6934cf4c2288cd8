"""A transaction commits or rolls back as a whole; a deadlock is a transaction to run again; a query
is compiled once per dialect."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from annobatch.storage.database import (
    Database,
    IntegrityError,
    Query,
    SQLiteDatabase,
    TransactionAborted,
    Unavailable,
)
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


def test_workers_opening_a_sqlite_file_in_rollback_mode_together_all_connect(tmp_path: Path) -> None:
    """The first connections put the file in WAL mode. SQLite refuses that switch at once, without
    waiting its busy timeout, while another connection has the file open; each connection asks
    again until it is through, so no worker of several starting together fails to start."""
    workers = 8
    for round_ in range(100):
        path = tmp_path / f"{round_}.db"
        sqlite3.connect(path).execute("CREATE TABLE t (x INTEGER)").connection.close()
        together = threading.Barrier(workers)

        def open_one(path: Path = path, together: threading.Barrier = together) -> str:
            db = SQLiteDatabase(path, checkpoint_interval=None)
            with asyncio.Runner() as runner:
                runner.get_loop()
                together.wait(timeout=30)
                try:
                    runner.run(db.connect())
                    return str(db._conn().execute("PRAGMA journal_mode").fetchone()[0])
                finally:
                    runner.run(db.close())

        with ThreadPoolExecutor(workers) as pool:
            modes = list(pool.map(lambda _: open_one(), range(workers)))
        assert modes == ["wal"] * workers, round_


_T = Query("CREATE TABLE t (x INTEGER)")
_ADD = Query("INSERT INTO t VALUES (1)")
_COUNT = Query("SELECT count(*) FROM t")


def test_a_sqlite_write_waiting_for_another_processs_writer_leaves_the_event_loop_serving(
    tmp_path: Path,
) -> None:
    """SQLite's busy handler would sleep the loop's thread until the lock came free (here: never,
    since the holder lets go only when the loop runs on); the write waits on the loop instead,
    and reads on the same connection go on meanwhile."""
    path = tmp_path / "db.sqlite"
    db = SQLiteDatabase(path, busy_timeout_ms=5_000, checkpoint_interval=None)

    async def go() -> tuple[int, int]:
        await db.connect()
        async with db.transaction(write=True) as tx:
            await tx.execute(_T)
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # another process's writer holds the lock
        other.execute("INSERT INTO t VALUES (2)")
        reads = 0

        async def read_on() -> None:
            nonlocal reads
            while True:
                async with db.transaction() as tx:
                    assert await tx.fetch_val(_COUNT) == 0
                reads += 1
                await asyncio.sleep(0.005)

        async def write() -> None:
            async with db.transaction(write=True) as tx:
                await tx.execute(_ADD)

        reader = asyncio.create_task(read_on())
        writing = asyncio.create_task(write())
        await asyncio.sleep(0.2)
        assert not writing.done()
        reader.cancel()
        other.execute("COMMIT")
        await writing
        other.close()
        async with db.transaction() as tx:
            total = await tx.fetch_val(_COUNT)
        await db.close()
        return reads, total

    reads, total = asyncio.run(go())
    assert reads >= 10 and total == 2


def test_a_sqlite_write_that_waits_past_the_busy_timeout_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    db = SQLiteDatabase(path, busy_timeout_ms=100, checkpoint_interval=None)

    async def go() -> None:
        await db.connect()
        async with db.transaction(write=True) as tx:
            await tx.execute(_T)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(Unavailable):
            async with db.transaction(write=True) as tx:
                await tx.execute(_ADD)
        other.execute("ROLLBACK")
        other.close()
        assert db._conn().execute("PRAGMA busy_timeout").fetchone()[0] == 100  # as it was
        async with db.transaction() as tx:
            assert await tx.fetch_val(_COUNT) == 0
        await db.close()

    asyncio.run(go())
