"""Blob housekeeping: deletions recorded in the transaction that orphans the blobs survive a crash
and the sweep finishes them; the sweep removes abandoned partial uploads and blobs no row refers to
past the grace period, keeps everything else, and runs in one process at a time — periodically
inside the running server."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from annobatch.domain import SweepPolicy
from annobatch.server.app import create_app
from annobatch.services import Services
from annobatch.services.housekeeping import SWEEP, HousekeepingService
from annobatch.services.identity import operator
from annobatch.services.transactions import Write, reading, writing
from annobatch.settings import Settings
from annobatch.storage.blobs import BlobStore, BlobWriter, LocalBlobStore
from annobatch.storage.database import Database
from conftest import World
from scene_uploads import JPEG, Scenes, scenes_client

POLICY = SweepPolicy(partial_after_seconds=3600, orphan_grace_seconds=24 * 3600)
DAY = 24 * 3600


class Killed(BaseException):
    """The process died here (nothing after this point runs)."""


class Wrapped(BlobStore):
    """A blob store that does what `inner` does, except where a test says otherwise."""

    def __init__(self, inner: LocalBlobStore) -> None:
        self.inner = inner

    def writer(self, key: str, limit: int | None = None) -> BlobWriter:
        return self.inner.writer(key, limit)

    async def read(self, key: str, length: int | None = None) -> bytes:
        return await self.inner.read(key, length)

    def stream(self, key: str, chunk_size: int = 1024 * 1024) -> AsyncIterator[bytes]:
        return self.inner.stream(key, chunk_size)

    async def exists(self, key: str) -> bool:
        return await self.inner.exists(key)

    async def delete(self, key: str) -> None:
        await self.inner.delete(key)

    def blobs(self, modified_before: float, page: int = 500) -> AsyncIterator[list[str]]:
        return self.inner.blobs(modified_before, page)

    async def partials(self, modified_before: float) -> list[str]:
        return await self.inner.partials(modified_before)

    async def remove_partial(self, name: str) -> None:
        await self.inner.remove_partial(name)


class Dying(Wrapped):
    """The process is killed at its first blob deletion."""

    async def delete(self, key: str) -> None:
        raise Killed


class Gated(Wrapped):
    """Each deletion waits for `gate` after saying it has begun (`inside`)."""

    def __init__(self, inner: LocalBlobStore) -> None:
        super().__init__(inner)
        self.inside = asyncio.Event()
        self.gate = asyncio.Event()

    async def delete(self, key: str) -> None:
        self.inside.set()
        await self.gate.wait()
        await self.inner.delete(key)


def store_of(settings: Settings) -> LocalBlobStore:
    return LocalBlobStore(settings.data_dir / "blobs")


def age(path: Path, seconds: float) -> None:
    """Make the file look last written `seconds` ago."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def recorded_deletions(db: Database, runner: asyncio.Runner) -> list[str]:
    async def go() -> list[str]:
        async with reading(db) as uow:
            return await uow.blob_deletions.pending()

    return runner.run(go())


def committed_scene(scenes: Scenes) -> str:
    sid, url = scenes.create()
    assert scenes.upload(url).status_code == 200
    assert scenes.commit(sid).json()["data"]["status"] == "created"
    return sid


def put(store: LocalBlobStore, key: str, data: bytes = b"orphan") -> Path:
    async def one() -> AsyncIterator[bytes]:
        yield data

    asyncio.run(store.put(key, one()))
    return store.path(key)


# ------------------------------------------------------------------ deletions that survive a crash


def test_a_kill_between_an_invalidations_commit_and_its_deletions_leaves_records_the_sweep_finishes(
    app_client: TestClient[Any], world: World, settings: Settings, db: Database, runner: asyncio.Runner
) -> None:
    scenes = scenes_client(app_client, world)
    sid = committed_scene(scenes)
    store = store_of(settings)
    (key,) = store.keys()
    dying = Services.over(db, Dying(store))
    with pytest.raises(Killed):
        runner.run(dying.scenes.invalidate_scenes(operator(scenes.org), [sid], "bad-content", Write()))
    assert runner.run(dying.scenes.scenes(operator(scenes.org), uuids=[sid]))[0].status.startswith("invalid")
    assert store.keys() == [key]  # the change committed, its file is still there …
    assert recorded_deletions(db, runner) == [key]  # … and recorded for deletion
    report = runner.run(Services.over(db, store).housekeeping.sweep(POLICY))
    assert report is not None and report.deletions == [key]
    assert store.keys() == [] and recorded_deletions(db, runner) == []


def test_an_invalidation_deletes_its_files_and_their_records(
    app_client: TestClient[Any], world: World, settings: Settings, db: Database, runner: asyncio.Runner
) -> None:
    scenes = scenes_client(app_client, world)
    sid = committed_scene(scenes)
    ops = Services.over(db, store_of(settings))
    assert runner.run(ops.scenes.invalidate_scenes(operator(scenes.org), [sid], "bad-content", Write())) == 1
    assert store_of(settings).keys() == [] and recorded_deletions(db, runner) == []


def test_a_kill_after_an_upload_replaced_a_file_leaves_a_record_the_sweep_finishes(
    app_client: TestClient[Any], world: World, settings: Settings, db: Database, runner: asyncio.Runner
) -> None:
    scenes = scenes_client(app_client, world)
    sid, url = scenes.create()
    assert scenes.upload(url).status_code == 200
    store = store_of(settings)
    (first,) = store.keys()

    async def upload_again_and_die() -> None:
        async def chunks() -> AsyncIterator[bytes]:
            yield JPEG

        blob = await store.put(f"scenes/{sid}/0-again", chunks())
        assert await Services.over(db, store).scenes.record_upload(sid, 0, blob, "image/jpeg") == first
        # killed here, before the replaced blob is deleted

    runner.run(upload_again_and_die())
    assert sorted(store.keys()) == sorted([first, f"scenes/{sid}/0-again"])
    assert recorded_deletions(db, runner) == [first]
    report = runner.run(Services.over(db, store).housekeeping.sweep(POLICY))
    assert report is not None and report.deletions == [first]
    assert store.keys() == [f"scenes/{sid}/0-again"]
    assert scenes.commit(sid).json()["data"]["status"] == "created"


def test_uploading_a_file_again_deletes_the_replaced_blob_and_its_record(
    app_client: TestClient[Any], world: World, settings: Settings, db: Database, runner: asyncio.Runner
) -> None:
    scenes = scenes_client(app_client, world)
    _, url = scenes.create()
    assert scenes.upload(url).status_code == 200
    (first,) = store_of(settings).keys()
    assert scenes.upload(url).status_code == 200
    (second,) = store_of(settings).keys()
    assert second != first and recorded_deletions(db, runner) == []


# ------------------------------------------------------------------------------------ the sweep


def test_an_unreferenced_blob_past_the_grace_period_goes_and_one_within_it_stays(
    app_client: TestClient[Any], world: World, settings: Settings, db: Database, runner: asyncio.Runner
) -> None:
    scenes = scenes_client(app_client, world)
    committed_scene(scenes)
    store = store_of(settings)
    (referenced,) = store.keys()
    age(store.path(referenced), 3 * DAY)  # old, but a scene's file
    age(put(store, "scenes/gone/0-old"), DAY + 60)
    put(store, "scenes/kept/0-young")
    age(put(store, "scenes/kept/1-nearly"), DAY - 600)
    dry = runner.run(Services.over(db, store).housekeeping.sweep(POLICY, dry_run=True))
    assert dry is not None and dry.orphans == ["scenes/gone/0-old"] and len(store.keys()) == 4
    report = runner.run(Services.over(db, store).housekeeping.sweep(POLICY))
    assert report is not None and report.orphans == ["scenes/gone/0-old"]
    assert sorted(store.keys()) == sorted([referenced, "scenes/kept/0-young", "scenes/kept/1-nearly"])


def test_a_stale_partial_upload_goes_and_one_in_progress_stays(
    settings: Settings, db: Database, runner: asyncio.Runner
) -> None:
    store = store_of(settings)
    stale = store.incoming / "abandoned.part"
    stale.write_bytes(b"half an upload")
    age(stale, 3600 + 60)

    async def go() -> None:
        writer = store.writer("scenes/s/0-in-progress")
        for _ in range(5):  # past the write buffer: the partial file is on disk
            await writer.write(b"x" * (1024 * 1024))
        await writer._settle()  # type: ignore[attr-defined]
        report = await Services.over(db, store).housekeeping.sweep(POLICY)
        assert report is not None and report.partials == ["abandoned.part"]
        assert len(store.incoming_files()) == 1  # the upload in progress
        await writer.commit()

    runner.run(go())
    assert store.incoming_files() == [] and store.keys() == ["scenes/s/0-in-progress"]


def test_two_sweepers_never_run_at_once(settings: Settings, db: Database, runner: asyncio.Runner) -> None:
    store = store_of(settings)
    age(put(store, "scenes/x/0-old"), 2 * DAY)
    gated = Gated(store)
    first, second = HousekeepingService(db, gated), HousekeepingService(db, store)

    async def go() -> None:
        running = asyncio.create_task(first.sweep(POLICY))
        await asyncio.wait_for(gated.inside.wait(), 10)  # the first is removing a blob
        assert await second.sweep(POLICY) is None  # … so the second does not start
        gated.gate.set()
        report = await running
        assert report is not None and report.orphans == ["scenes/x/0-old"]
        assert await second.sweep(POLICY) is not None  # the first is done: the second may sweep

    runner.run(go())


def test_the_servers_sweep_waits_its_interval_and_a_dead_sweepers_lease_runs_out(
    settings: Settings, db: Database, runner: asyncio.Runner
) -> None:
    store = store_of(settings)
    hourly = SweepPolicy(interval_seconds=3600)
    one, other = HousekeepingService(db, store), HousekeepingService(db, store)

    async def go() -> None:
        assert await one.sweep(hourly, only_if_due=True) is not None
        assert await other.sweep(hourly, only_if_due=True) is None  # swept less than an hour ago
        assert await other.sweep(hourly) is not None  # on demand, it may
        async with writing(db) as uow:  # a sweeper that died holding the lease, now run out
            now = int(time.time() * 1e6)
            assert await uow.housekeeping.claim(SWEEP, "dead", now, now - 1, now)
        assert await other.sweep(hourly) is not None

    runner.run(go())


def test_a_sweep_whose_lease_was_taken_over_stops(
    settings: Settings, db: Database, runner: asyncio.Runner
) -> None:
    store = store_of(settings)
    for i in range(2):
        age(put(store, f"scenes/x/{i}-old"), 2 * DAY)
    gated = Gated(store)
    sweeper = HousekeepingService(db, gated)

    async def go() -> None:
        running = asyncio.create_task(sweeper.sweep(POLICY))
        await asyncio.wait_for(gated.inside.wait(), 10)
        async with writing(db) as uow:  # it stalled past its lease, and another took over
            now = int(time.time() * 1e6)
            await uow.housekeeping.release(SWEEP, sweeper.holder, 0)
            assert await uow.housekeeping.claim(SWEEP, "another", now, now + 10**9, now)
        gated.gate.set()
        report = await running
        assert report is not None and not report.complete

    runner.run(go())


def wait_for(condition: Callable[[], bool], what: str) -> None:
    for _ in range(500):
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_running_server_sweeps_by_itself(settings: Settings) -> None:
    store = store_of(settings)
    age(put(store, "scenes/x/0-old"), 2 * DAY)
    partial = store.incoming / "abandoned.part"
    partial.write_bytes(b"half")
    age(partial, 2 * 3600)
    frequent = Settings(
        data_dir=settings.data_dir, database_url=settings.database_url, sweep_interval_seconds=0.05
    )
    with TestClient(create_app(frequent)):
        wait_for(lambda: store.keys() == [] and store.incoming_files() == [], "the server's sweep")
