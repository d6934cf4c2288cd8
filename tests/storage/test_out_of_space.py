"""A full disk answers 507 saying the server is out of space, keeps nothing of the write that met
it, and the same write succeeds once there is room again."""

from __future__ import annotations

import asyncio
import errno
import os
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from annobatch.server.app import create_app
from annobatch.services import Services
from annobatch.services.identity import operator
from annobatch.settings import Settings
from annobatch.storage.blobs import LocalBlobStore
from annobatch.storage.database import SQLiteDatabase
from annobatch.storage.migrate import upgrade
from conftest import World, bearer
from scene_uploads import JPEG, scenes_client


def assert_out_of_space(r: Any) -> None:
    assert r.status_code == 507, r.text
    assert r.json()["code"] == "insufficient-storage"
    assert "out of storage space" in r.json()["message"]


def refusing(call: Any, err: int) -> Any:
    """`os.write` or `os.fsync` failing with `err` on an upload's temporary file, as a full disk
    (or an exhausted quota) does; other files are untouched."""

    def full(fd: int, *args: Any) -> Any:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".part"):
            raise OSError(err, os.strerror(err))
        return call(fd, *args)

    return full


@pytest.mark.parametrize(
    ("call", "err", "size"),
    [
        pytest.param("write", errno.ENOSPC, 0, id="enospc-on-write"),
        pytest.param("write", errno.ENOSPC, 9 * 1024 * 1024, id="enospc-mid-stream"),
        pytest.param("fsync", errno.EDQUOT, 0, id="edquot-on-fsync"),
    ],
)
def test_an_upload_meeting_a_full_disk_answers_507_keeps_nothing_and_succeeds_later(
    app_client: TestClient[Any],
    world: World,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    call: str,
    err: int,
    size: int,
) -> None:
    scenes = scenes_client(app_client, world)
    sid, url = scenes.create()
    data = JPEG + bytes(size)  # past the write buffer, the disk fills while the body still streams
    with monkeypatch.context() as m:
        m.setattr(os, call, refusing(getattr(os, call), err))
        r = scenes.upload(url, data)
    assert_out_of_space(r)
    assert r.headers["connection"] == "close"
    store = LocalBlobStore(settings.data_dir / "blobs")
    assert store.keys() == [] and store.incoming_files() == []
    assert scenes.commit(sid).status_code == 400  # the file is not recorded as uploaded
    assert scenes.upload(url, data).status_code == 200
    assert scenes.commit(sid).json()["data"]["status"] == "created"


class CappedSQLite(SQLiteDatabase):
    """A SQLite database that may not grow past `max_pages` (None: as large as the disk allows), as
    if its disk were full."""

    max_pages: int | None = None

    def _conn(self) -> Any:
        conn = super()._conn()
        conn.execute(f"PRAGMA max_page_count = {self.max_pages or 1 << 30}")
        return conn


def test_a_sqlite_database_on_a_full_disk_answers_507_and_keeps_nothing(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    upgrade(settings.database_url)
    db = CappedSQLite(tmp_path / "annobatch.db")

    async def set_up() -> Any:
        ops = Services.over(db)
        org, _ = await ops.accounts.create_organization("acme")
        await ops.projects.create_project(operator(org.id), "p1", title="P", annotation_types=["x"])
        return await ops.accounts.create_credential(org.id, workspace=None, staff=False)

    cred = asyncio.run(set_up())
    with TestClient(create_app(settings, db=db)) as client:
        h = bearer(client, cred)
        pages = int(db._conn().execute("PRAGMA page_count").fetchone()[0])
        db.max_pages = pages
        body = {"title": "x" * 200}
        codes = [client.post(f"/v1/projects/p1/batches/b{i}", json=body, headers=h) for i in range(100)]
        full = [r for r in codes if r.status_code != 200]
        assert full, "the database never filled up"
        for r in full:
            assert_out_of_space(r)
        made = {b["batch"] for b in client.get("/v1/projects/p1/batches", headers=h).json()["data"]}
        assert made == {f"b{i}" for i, r in enumerate(codes) if r.status_code == 200}
        db.max_pages = None
        i = next(i for i, r in enumerate(codes) if r.status_code != 200)
        assert client.post(f"/v1/projects/p1/batches/b{i}", json=body, headers=h).status_code == 200


def test_a_postgresql_reporting_a_full_disk_is_out_of_space() -> None:
    import asyncpg

    from annobatch.storage.database import _PostgresTx
    from annobatch.storage.errors import OutOfSpace

    class Conn:
        def is_closed(self) -> bool:
            return False

    async def full() -> None:
        raise asyncpg.DiskFullError("could not extend file: No space left on device")

    with pytest.raises(OutOfSpace, match="full"):
        asyncio.run(_PostgresTx(Conn())._guard(full))
