"""The migrated schema is exactly the table definitions, on every backend."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from annobatch.storage.tables import metadata


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
