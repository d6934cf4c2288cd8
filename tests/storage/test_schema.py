"""The migrated schema is exactly the table definitions, on every backend; a migration carries an
existing database's rows forward."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from annobatch.storage.database import Query, open_database
from annobatch.storage.migrate import upgrade
from annobatch.storage.tables import metadata
from conftest import PG_ENV, fresh_postgres_database


def _diff(connection: Connection) -> list[Any]:
    ctx = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(ctx, metadata))


def migrated_schema_differences(url: str) -> list[Any]:
    if url.startswith("sqlite"):
        engine = create_engine(url, poolclass=pool.NullPool)
        with engine.connect() as conn:
            return _diff(conn)

    async def go() -> list[Any]:
        engine = create_async_engine(
            url.replace("postgresql://", "postgresql+asyncpg://", 1), poolclass=pool.NullPool
        )
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(_diff)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_the_migrated_schema_equals_the_table_definitions(database_url: str) -> None:
    assert migrated_schema_differences(database_url) == []


@pytest.mark.parametrize("backend", ["sqlite", "postgres"] if os.environ.get(PG_ENV) else ["sqlite"])
def test_revision_0003_carries_existing_scenes_forward_as_they_behaved(
    backend: str, tmp_path: Path, postgres_admin_url: str | None, runner: asyncio.Runner
) -> None:
    """Before 0003 a scene's commit sent it to the batch chosen at its create: such scenes count
    as having named their batch; a scene without a project named none."""
    with contextlib.ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / 'old.db'}"
        else:
            assert postgres_admin_url is not None
            url = stack.enter_context(fresh_postgres_database(postgres_admin_url, runner, migrate=False))
        upgrade(url, "0002")
        runner.run(_run(url, _OLD_ROWS))

        upgrade(url)

        rows = runner.run(_run(url, ["SELECT id, batch_named FROM scenes ORDER BY id"]))
        assert [(sid, bool(named)) for sid, named in rows] == [("s-placed", True), ("s-unplaced", False)]
        assert migrated_schema_differences(url) == []


_OLD_ROWS = [
    "INSERT INTO organizations (id, name, created) VALUES (1, 'acme', 0)",
    "INSERT INTO workspaces (id, external_id, organization_id, name, created)"
    " VALUES ('w', 'w', 1, 'default', 0)",
    "INSERT INTO projects (id, organization_id, external_id, title, description, status, created, updated,"
    " batches_revision) VALUES (1, 1, 'p1', 'P', '', 'ongoing', 0, 0, 0)",
    "INSERT INTO batches (id, project_id, external_id, title, status, created, updated)"
    " VALUES (1, 1, 'b1', 'b1', 'open', 0, 0)",
    *(
        "INSERT INTO scenes (id, organization_id, workspace_id, external_id, scene_type, status, project_id,"
        f" batch_id, motion_compensate, spec, fingerprint, created, updated) VALUES ('{sid}', 1, 'w', 'x',"
        f" 'cameras', 'pending', {place}, {place}, false, '{{}}', 'f', 0, 0)"
        for sid, place in (("s-placed", "1"), ("s-unplaced", "NULL"))
    ),
]


async def _run(url: str, statements: list[str]) -> list[tuple[Any, ...]]:
    """Run raw SQL on a database at any revision; answers the last statement's rows."""
    db = open_database(url)
    await db.connect()
    try:
        rows: list[tuple[Any, ...]] = []
        async with db.transaction(write=True) as tx:
            for sql in statements:
                rows = await tx.fetch_all(Query(sql))
        return rows
    finally:
        await db.close()
