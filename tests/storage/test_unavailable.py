"""A database that cannot serve now answers 503 with Retry-After, never a bare 500."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from annobatch.server.app import create_app
from annobatch.services import Services, transactions
from annobatch.services.identity import operator
from annobatch.settings import Settings
from annobatch.storage.database import PostgresDatabase, SQLiteDatabase, TransactionAborted, Unavailable
from annobatch.storage.migrate import upgrade
from annobatch.storage.unit_of_work import UnitOfWork
from conftest import bearer


@contextmanager
def write_lock_held(path: Path) -> Iterator[None]:
    """Another process's writer, holding the database's write lock."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_write_waiting_past_the_busy_timeout_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "annobatch.db"
    upgrade(f"sqlite:///{path}")
    db = SQLiteDatabase(path, busy_timeout_ms=50)
    asyncio.run(db.connect())

    async def write() -> None:
        async with db.transaction(write=True) as tx:
            await UnitOfWork(tx).organizations.create("acme")

    with write_lock_held(path), pytest.raises(Unavailable, match="busy"):
        asyncio.run(write())
    asyncio.run(write())  # the lock gone, the same write goes through


def test_an_unreachable_postgresql_is_unavailable() -> None:
    db = PostgresDatabase("postgresql://nobody@127.0.0.1:9/none")

    async def read() -> None:
        async with db.transaction() as tx:
            await UnitOfWork(tx).organizations.all()

    with pytest.raises(Unavailable, match="cannot be reached"):
        asyncio.run(read())


def test_the_api_answers_503_with_retry_after_while_the_database_stays_locked(tmp_path: Path) -> None:
    path = tmp_path / "annobatch.db"
    settings = Settings(data_dir=tmp_path)
    upgrade(settings.database_url)

    async def set_up() -> object:
        ops = Services.over(SQLiteDatabase(path))
        org, _ = await ops.accounts.create_organization("acme")
        await ops.projects.create_project(operator(org.id), "p1", title="P", annotation_types=["x"])
        return await ops.accounts.create_credential(org.id, workspace=None, staff=False)

    cred = asyncio.run(set_up())
    with TestClient(create_app(settings, db=SQLiteDatabase(path, busy_timeout_ms=50))) as client:
        h = bearer(client, cred)  # type: ignore[arg-type]
        with write_lock_held(path):
            assert client.get("/v1/projects", headers=h).status_code == 200  # WAL readers never wait
            r = client.post("/v1/projects/p1/batches/b1", json={}, headers=h)
        assert r.status_code == 503 and r.headers["retry-after"] == "1"
        assert r.json()["code"] == "unavailable" and "retry" in r.json()["message"]
        assert client.post("/v1/projects/p1/batches/b1", json={}, headers=h).status_code == 200


class AlwaysDeadlocked(SQLiteDatabase):
    """A database whose every write transaction is aborted as a deadlock, as PostgreSQL's would be."""

    aborted = 0

    @asynccontextmanager
    async def transaction(self, write: bool = False) -> AsyncIterator[Any]:
        async with super().transaction(write) as tx:
            if write:
                self.aborted += 1
                raise TransactionAborted(
                    "the database aborted the transaction (deadlock detected); retry shortly"
                )
            yield tx


def test_a_write_the_database_keeps_aborting_answers_503_after_the_retries_never_500(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transactions, "BACKOFF_SECONDS", 0.0)
    path = tmp_path / "annobatch.db"
    settings = Settings(data_dir=tmp_path, secret_key="k" * 40)
    upgrade(settings.database_url)

    async def set_up() -> object:
        ops = Services.over(SQLiteDatabase(path))
        org, _ = await ops.accounts.create_organization("acme")
        await ops.projects.create_project(operator(org.id), "p1", title="P", annotation_types=["x"])
        return await ops.accounts.create_credential(org.id, workspace=None, staff=False)

    cred = asyncio.run(set_up())
    db = AlwaysDeadlocked(path)
    with TestClient(create_app(settings, db=db)) as client:
        r = client.post("/v1/projects/p1/batches/b1", json={}, headers=bearer(client, cred))  # type: ignore[arg-type]
    assert (r.status_code, r.headers["retry-after"], r.json()["code"]) == (503, "1", "unavailable")
    assert "deadlock" in r.json()["message"] and "retry" in r.json()["message"]
    assert db.aborted == transactions.ATTEMPTS
