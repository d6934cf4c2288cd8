"""A PostgreSQL that cannot serve — refusing connections, terminating them, out of connections, too
slow — answers 503 with Retry-After, never a 500; the server recovers by itself when it can serve
again. Each test runs on a scratch database of its own, dropped afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from annobatch.server.app import create_app
from annobatch.services import Services
from annobatch.services.accounts import NewCredential
from annobatch.services.identity import operator
from annobatch.settings import Settings
from annobatch.storage.database import PostgresDatabase, Query, Unavailable
from annobatch.storage.unit_of_work import UnitOfWork
from conftest import PG_ENV, bearer, fresh_postgres_database

pytestmark = pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"needs PostgreSQL ({PG_ENV})")

ADMIN_URL = os.environ.get(PG_ENV, "")
_PID = Query("SELECT pg_backend_pid()")
_SLEEP = Query("SELECT pg_sleep(2)")


def admin(sql: str, *args: Any) -> Any:
    """One statement on the admin database, on a connection of its own."""
    import asyncpg

    async def go() -> Any:
        conn = await asyncpg.connect(ADMIN_URL, timeout=10)
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    return asyncio.run(go())


def terminate_backends(name: str) -> None:
    others = "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()"
    admin(f"SELECT pg_terminate_backend(pid) FROM ({others}) AS o", name)


@pytest.fixture
def scratch(runner: asyncio.Runner) -> Iterator[str]:
    with fresh_postgres_database(ADMIN_URL, runner) as url:
        try:
            yield url
        finally:
            admin(f'ALTER DATABASE "{db_name(url)}" ALLOW_CONNECTIONS true')


def db_name(url: str) -> str:
    return url.rpartition("/")[2]


def seeded(url: str) -> NewCredential:
    """An organization with a project, and a credential of it."""

    async def go() -> NewCredential:
        db = PostgresDatabase(url)
        try:
            ops = Services.over(db)
            org, _ = await ops.accounts.create_organization("acme")
            await ops.projects.create_project(operator(org.id), "p1", title="P", annotation_types=["x"])
            return await ops.accounts.create_credential(org.id, workspace=None, staff=False)
        finally:
            await db.close()

    return asyncio.run(go())


def app_settings(url: str, tmp_path: Path, **db: Any) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=url, **db)


def assert_unavailable(r: Any) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == "1" and r.json()["code"] == "unavailable"


def test_a_database_refusing_connections_answers_503_until_it_accepts_them_again(
    scratch: str, tmp_path: Path
) -> None:
    cred = seeded(scratch)
    with TestClient(create_app(app_settings(scratch, tmp_path))) as client:
        h = bearer(client, cred)
        assert client.get("/v1/projects", headers=h).status_code == 200
        admin(f'ALTER DATABASE "{db_name(scratch)}" ALLOW_CONNECTIONS false')
        terminate_backends(db_name(scratch))
        for _ in range(3):
            assert_unavailable(client.get("/v1/projects", headers=h))
            assert_unavailable(client.post("/v1/projects/p1/batches/b1", json={}, headers=h))
            assert_unavailable(client.get("/healthz"))
        admin(f'ALTER DATABASE "{db_name(scratch)}" ALLOW_CONNECTIONS true')
        assert client.get("/healthz").status_code == 200
        assert client.post("/v1/projects/p1/batches/b1", json={}, headers=h).status_code == 200


def test_a_connection_terminated_mid_transaction_is_unavailable_and_never_reused(scratch: str) -> None:
    db = PostgresDatabase(scratch, min_size=1, max_size=1)

    async def go() -> None:
        with pytest.raises(Unavailable):
            async with db.transaction(write=True) as tx:
                await UnitOfWork(tx).organizations.create("acme")
                pid = await tx.fetch_val(_PID)
                await asyncio.to_thread(admin, "SELECT pg_terminate_backend($1)", pid)
                await UnitOfWork(tx).organizations.create("other")
        async with db.transaction() as tx:  # the pool's one connection is a new one
            assert await tx.fetch_val(_PID) != pid
            assert await UnitOfWork(tx).organizations.all() == []  # the first insert rolled back
        await db.close()

    asyncio.run(go())


def test_backends_terminated_under_load_answer_503_never_500(scratch: str, tmp_path: Path) -> None:
    cred = seeded(scratch)
    stop = threading.Event()

    def killer() -> None:
        while not stop.is_set():
            terminate_backends(db_name(scratch))
            time.sleep(0.01)

    with TestClient(create_app(app_settings(scratch, tmp_path, db_pool_size=4))) as client:
        h = bearer(client, cred)

        def requests(worker: int) -> list[int]:
            codes = []
            for i in range(15):
                codes.append(client.get("/v1/projects", headers=h).status_code)
                r = client.post(f"/v1/projects/p1/batches/w{worker}-{i}", json={}, headers=h)
                codes.append(r.status_code)
            return codes

        with ThreadPoolExecutor(5) as pool:
            killing = pool.submit(killer)
            codes = [c for f in [pool.submit(requests, w) for w in range(4)] for c in f.result()]
            stop.set()
            killing.result()
        assert set(codes) <= {200, 503}, sorted(set(codes))
        assert 503 in codes  # the load did meet the terminations
        assert client.get("/healthz").status_code == 200
        assert client.get("/v1/projects", headers=h).status_code == 200


def wait_for(condition: Callable[[], bool], what: str) -> None:
    for _ in range(500):
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.contextmanager
def projects_locked(url: str) -> Iterator[None]:
    """Another client holding the projects table locked, until the block ends."""
    import asyncpg

    loop = asyncio.new_event_loop()
    conn = loop.run_until_complete(asyncpg.connect(url, timeout=10))
    try:
        loop.run_until_complete(conn.execute("BEGIN; LOCK TABLE projects IN ACCESS EXCLUSIVE MODE"))
        yield
    finally:
        loop.run_until_complete(conn.close())
        loop.close()


def waiting_on_a_lock(name: str) -> bool:
    rows = admin(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", name
    )
    return bool(rows[0][0])


def test_a_request_waits_for_a_free_connection_then_answers_503_after_the_acquire_timeout(
    scratch: str, tmp_path: Path
) -> None:
    cred = seeded(scratch)
    settings = app_settings(scratch, tmp_path, db_pool_size=1, db_acquire_timeout_seconds=0.3)
    with TestClient(create_app(settings)) as client, ThreadPoolExecutor(2) as pool:
        h = bearer(client, cred)
        with projects_locked(scratch):
            holder = pool.submit(client.get, "/v1/projects", headers=h)  # holds the only connection
            wait_for(lambda: waiting_on_a_lock(db_name(scratch)), "the request to hold its connection")
            assert_unavailable(client.get("/healthz"))
            assert_unavailable(client.get("/v1/workspaces", headers=h))
        assert holder.result(timeout=30).status_code == 200
        assert client.get("/healthz").status_code == 200


def test_a_request_waits_its_turn_for_a_connection_within_the_acquire_timeout(
    scratch: str, tmp_path: Path
) -> None:
    cred = seeded(scratch)
    settings = app_settings(scratch, tmp_path, db_pool_size=1, db_acquire_timeout_seconds=30)
    with TestClient(create_app(settings)) as client, ThreadPoolExecutor(2) as pool:
        h = bearer(client, cred)
        with projects_locked(scratch):
            holder = pool.submit(client.get, "/v1/projects", headers=h)
            wait_for(lambda: waiting_on_a_lock(db_name(scratch)), "the request to hold its connection")
            waiter = pool.submit(client.get, "/healthz")
            time.sleep(0.2)  # give it time to queue for the connection (not an assertion)
        assert holder.result(timeout=30).status_code == 200
        assert waiter.result(timeout=30).status_code == 200


def test_a_statement_over_the_statement_timeout_is_unavailable(scratch: str) -> None:
    db = PostgresDatabase(scratch, statement_timeout=0.2)

    async def go() -> None:
        try:
            with pytest.raises(Unavailable, match="too long"):
                async with db.transaction() as tx:
                    await tx.fetch_all(_SLEEP)
            async with db.transaction() as tx:
                assert await tx.fetch_val(_PID)
        finally:
            await db.close()

    asyncio.run(go())


@pytest.fixture
def limited_role(scratch: str) -> Iterator[str]:
    """The scratch database's URL for a role allowed one connection (superusers have no limit)."""
    role = f"annobatch_limited_{uuid.uuid4().hex[:8]}"
    admin(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 1')
    try:
        grant = (
            f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{role}"; '
            f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{role}"'
        )
        asyncio.run(_execute(scratch, grant))
        base = ADMIN_URL.split("://", 1)[1].split("@", 1)[1].rpartition("/")[0]
        yield f"postgresql://{role}@{base}/{db_name(scratch)}"
    finally:
        terminate_backends(db_name(scratch))
        asyncio.run(_execute(scratch, f'DROP OWNED BY "{role}"'))
        admin(f'DROP ROLE IF EXISTS "{role}"')


async def _execute(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def test_too_many_connections_is_unavailable(limited_role: str) -> None:
    db = PostgresDatabase(limited_role, min_size=1, max_size=2, acquire_timeout=5)

    async def go() -> None:
        try:
            async with db.transaction() as held:
                assert await held.fetch_val(_PID)
                with pytest.raises(Unavailable, match="connections"):
                    async with db.transaction() as tx:
                        await tx.fetch_val(_PID)
            async with db.transaction() as tx:
                assert await tx.fetch_val(_PID)
        finally:
            await db.close()

    asyncio.run(go())
