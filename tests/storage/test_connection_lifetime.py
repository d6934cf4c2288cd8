"""A pooled PostgreSQL connection serves for `CONNECTION_LIFETIME` seconds, then is replaced when
next released: the plans a connection keeps for its life (its foreign-key checks') are made again
at the tables' present size. Each test runs on a scratch database of its own."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest

from annobatch.storage import database
from annobatch.storage.database import PostgresDatabase, Query
from conftest import PG_ENV, fresh_postgres_database

pytestmark = pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"needs PostgreSQL ({PG_ENV})")

_PID = Query("SELECT pg_backend_pid()")
_SETUP = Query(
    "WITH o AS (INSERT INTO organizations (name, created, projects_revision) VALUES ('acme', 0, 0)"
    " RETURNING id), p AS (INSERT INTO projects (organization_id, external_id, title, description,"
    " status, created, updated, batches_revision) SELECT id, 'p1', 'P', '', 'ongoing', 0, 0, 0 FROM o"
    " RETURNING id, organization_id) INSERT INTO batches (project_id, external_id, title, status,"
    " created, updated) SELECT id, 'b0', 'b0', 'open', 0, 0 FROM p RETURNING id"
)
_GROW = Query(
    "INSERT INTO batches (project_id, external_id, title, status, created, updated)"
    " SELECT project_id, 'g' || CAST(g AS VARCHAR(12)), 't', 'open', g, g"
    " FROM batches, generate_series(1, 5000) AS g WHERE batches.external_id = 'b0'"
)
# An audit-log entry naming the first batch (ids from a fresh database's sequences): its
# foreign-key check looks the batch up.
_EVENT = Query(
    "INSERT INTO events (organization_id, project_id, batch_id, kind, actor, data, created)"
    " VALUES (1, 1, 1, 'test', 'a', '{}', 0)"
)
# This transaction's sequential scans of batches so far (the foreign-key checks' included).
_SEQ_SCANS = Query("SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'batches'")


@pytest.fixture
def url(runner: asyncio.Runner) -> Iterator[str]:
    with fresh_postgres_database(os.environ[PG_ENV], runner) as u:
        yield u


async def _pid(db: PostgresDatabase) -> int:
    async with db.transaction() as tx:
        return int(await tx.fetch_val(_PID))


def test_a_connection_is_kept_within_its_lifetime_and_replaced_after_it(
    url: str, runner: asyncio.Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def go() -> tuple[int, int, int, int, bool]:
        db = PostgresDatabase(url, min_size=1, max_size=2)
        await db.connect()
        try:
            first, again = await _pid(db), await _pid(db)
            async with db.transaction(write=True) as tx:
                before = int(await tx.fetch_val(_PID))
                monkeypatch.setattr(database, "CONNECTION_LIFETIME", 0)
                # Another transaction finds the lifetime passed: every connection is to be
                # replaced, and the one under way here ends its transaction on it first.
                await _pid(db)
                monkeypatch.setattr(database, "CONNECTION_LIFETIME", 3600)
                during = int(await tx.fetch_val(_PID))
            pids = {await _pid(db) for _ in range(3)}
            return first, again, before, during, before in pids
        finally:
            await db.close()

    first, again, before, during, reused = runner.run(go())
    assert first == again  # kept within its lifetime
    assert before == during  # a transaction under way keeps its connection to its end
    assert not reused  # and once released, it serves no more


def test_a_replaced_connection_plans_its_foreign_key_checks_at_the_tables_present_size(
    url: str, runner: asyncio.Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Statistics taken while batches held one row, a foreign-key check of events planned on a
    connection then; the table grows. The old connection's check still reads every batch; a new
    connection's looks the batch up by key."""

    async def scans_of_an_insert(db: PostgresDatabase) -> int:
        async with db.transaction(write=True) as tx:
            before = int(await tx.fetch_val(_SEQ_SCANS) or 0)
            await tx.execute(_EVENT)
            return int(await tx.fetch_val(_SEQ_SCANS) or 0) - before

    async def go() -> tuple[int, int]:
        monkeypatch.setattr(database, "CONNECTION_LIFETIME", 3600)
        db = PostgresDatabase(url, min_size=1, max_size=1)
        await db.connect()
        try:
            async with db.transaction(write=True) as tx:
                await tx.execute(_SETUP)
            async with db.transaction() as tx:
                await tx.execute(Query("ANALYZE"))
            for _ in range(8):  # PostgreSQL keeps a plan made without the values after five runs
                await scans_of_an_insert(db)
            async with db.transaction(write=True) as tx:
                await tx.execute(_GROW)
            kept = await scans_of_an_insert(db)
            monkeypatch.setattr(database, "CONNECTION_LIFETIME", 0)
            await _pid(db)  # the lifetime has passed: this connection is replaced once released
            monkeypatch.setattr(database, "CONNECTION_LIFETIME", 3600)
            return kept, await scans_of_an_insert(db)
        finally:
            await db.close()

    kept, replaced = runner.run(go())
    assert kept >= 1  # the plan made while the table was tiny scans it (what the lifetime bounds)
    assert replaced == 0
