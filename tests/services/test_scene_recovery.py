"""The sweep of stale pending scenes (`SceneRecoveryService.sweep_stale_scenes`): what clients that
never commit leave behind is abandoned past the retention, its files removed; everything else is
left alone."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest

from annobatch import schemas
from annobatch.domain import Conflict, SceneType, SweepPolicy
from annobatch.services import Services
from annobatch.services.identity import Caller, operator
from annobatch.services.transactions import Write, reading
from annobatch.settings import Settings
from annobatch.storage.blobs import LocalBlobStore
from annobatch.storage.database import Database

WEEK = 7 * 24 * 3600
JPEG = b"\xff\xd8\xff\xe0" + bytes(64)


class Scenes:
    """An organization with an open batch, and scenes made through the services."""

    def __init__(self, db: Database, runner: asyncio.Runner, blobs: Path) -> None:
        self.runner = runner
        self.store = LocalBlobStore(blobs)
        self.ops = Services.over(db, self.store)
        org, _ = runner.run(self.ops.accounts.create_organization("acme"))
        self.caller: Caller = operator(org.id)
        runner.run(self.ops.projects.create_project(self.caller, "p1", title="P", annotation_types=["x"]))
        runner.run(self.ops.batches.create_batch(self.caller, "p1", "b1"))

    def pending(self, uploaded: bool = True) -> str:
        """A camera scene with its file uploaded (or not), not committed."""
        sid = self.runner.run(self.ops.scenes.initialize(self.caller, None))
        image = {"filename": "a.jpg", "resourceId": "a.jpg", "sensorName": "CAM"}
        body = msgspec.convert(
            {"externalId": "x", "frame": {"images": [image]}, "internalId": sid}, schemas.CamerasScene
        )
        create = self.ops.scenes.create_scene(
            self.caller, None, SceneType.CAMERAS, body, project="p1", batch=None, write=Write()
        )
        self.runner.run(create)
        if uploaded:
            self.upload(sid)
        return sid

    def upload(self, sid: str) -> None:
        async def go() -> None:
            blob = await self.store.put(f"scenes/{sid}/0-{len(self.blobs(sid))}", _chunks(JPEG))
            replaced = await self.ops.scenes.record_upload(sid, 0, blob, "image/jpeg")
            if replaced:
                await self.store.delete(replaced)

        self.runner.run(go())

    def blobs(self, sid: str) -> list[Path]:
        d = self.store.root / "scenes" / sid
        return sorted(d.iterdir()) if d.exists() else []

    def scene(self, sid: str) -> tuple[str, str | None, list[str | None]]:
        d = self.runner.run(self.ops.scenes.scene(self.caller, sid))
        return d.scene.status, d.scene.error_message, [r.blob_key for r in d.resources]

    def updated(self, sid: str) -> int:
        return self.runner.run(self.ops.scenes.scene(self.caller, sid)).scene.updated

    def sweep(self, now: int, chunk: int = 100) -> int:
        return self.runner.run(self.ops.scene_recovery.sweep_stale_scenes(WEEK, now=now, chunk=chunk))


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


@pytest.fixture
def scenes(db: Database, runner: asyncio.Runner, tmp_path: Path) -> Scenes:
    return Scenes(db, runner, tmp_path / "blobs")


def test_a_scene_left_pending_past_the_retention_is_abandoned_and_its_files_removed(scenes: Scenes) -> None:
    stale, never_uploaded = scenes.pending(), scenes.pending(uploaded=False)
    fresh = scenes.pending()
    committed = scenes.pending()
    assert scenes.runner.run(scenes.ops.scenes.commit(scenes.caller, committed)).status == "created"
    # A week after the fresh scene's upload, to the microsecond: not yet past the retention for it.
    now = scenes.updated(fresh) + WEEK * 1_000_000

    assert scenes.sweep(now) == 2

    for sid in (stale, never_uploaded):
        status, message, keys = scenes.scene(sid)
        assert (status, keys) == ("abandoned", [None])
        assert message == (
            "abandoned (not committed within 7 days); its files were removed: "
            "create the scene again to annotate it"
        )
        assert scenes.blobs(sid) == []
    assert scenes.scene(fresh)[0] == "pending" and len(scenes.blobs(fresh)) == 1
    assert scenes.scene(committed)[0] == "created" and len(scenes.blobs(committed)) == 1
    assert scenes.sweep(now) == 0  # nothing left to do


def test_an_upload_keeps_a_scene_from_going_stale(scenes: Scenes) -> None:
    sid = scenes.pending()
    first = scenes.updated(sid)
    scenes.upload(sid)  # the client uploads the file again later
    assert scenes.updated(sid) > first
    assert scenes.sweep(first + WEEK * 1_000_000 + 1) == 0
    assert scenes.scene(sid)[0] == "pending"


def test_the_sweep_works_through_many_scenes_a_few_at_a_time(scenes: Scenes) -> None:
    ids = [scenes.pending() for _ in range(5)]
    assert scenes.sweep(scenes.updated(ids[-1]) + WEEK * 1_000_000 + 1, chunk=2) == 5
    assert {scenes.scene(sid)[0] for sid in ids} == {"abandoned"}


def test_an_upload_after_the_sweep_is_refused(scenes: Scenes) -> None:
    sid = scenes.pending()
    scenes.sweep(scenes.updated(sid) + WEEK * 1_000_000 + 1)
    with pytest.raises(Conflict, match="is abandoned; files can only be uploaded before it is committed"):
        scenes.upload(sid)


def test_the_retention_is_a_week_unless_set() -> None:
    assert Settings().stale_scene_retention_seconds == WEEK
    assert (
        Settings.from_env({"ANNOBATCH_STALE_SCENE_RETENTION": "3600"}).stale_scene_retention_seconds == 3600
    )


def test_an_abandoned_scenes_files_are_deleted_by_the_blob_sweep_when_they_cannot_be_now(
    scenes: Scenes, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = scenes.pending()
    (blob,) = scenes.blobs(sid)

    async def refuse(key: str) -> None:
        raise OSError("the disk is away")

    monkeypatch.setattr(scenes.store, "delete", refuse)
    assert scenes.sweep(scenes.updated(sid) + WEEK * 1_000_000 + 1) == 1
    assert scenes.scene(sid)[0] == "abandoned" and blob.exists()
    monkeypatch.undo()

    async def pending() -> list[str]:
        async with reading(scenes.ops.db) as uow:
            return await uow.blob_deletions.pending()

    assert scenes.runner.run(pending()) == [f"scenes/{sid}/{blob.name}"]  # recorded for the blob sweep
    scenes.runner.run(scenes.ops.housekeeping.sweep(SweepPolicy()))
    assert not blob.exists() and scenes.runner.run(pending()) == []


def test_the_blob_sweep_abandons_stale_pending_scenes_and_removes_their_files_in_the_same_run(
    scenes: Scenes,
) -> None:
    stale = scenes.pending()
    policy = SweepPolicy(
        partial_after_seconds=3600, orphan_grace_seconds=24 * 3600, stale_scene_after_seconds=1
    )
    time.sleep(1.1)  # past the one-second retention this policy sets
    report = scenes.runner.run(scenes.ops.housekeeping.sweep(policy))
    assert report is not None and report.abandoned_scenes == 1
    assert scenes.scene(stale)[0] == "abandoned" and scenes.blobs(stale) == []


def test_a_dry_run_sweep_abandons_nothing(scenes: Scenes) -> None:
    kept = scenes.pending()
    policy = SweepPolicy(stale_scene_after_seconds=1)
    time.sleep(1.1)
    report = scenes.runner.run(scenes.ops.housekeeping.sweep(policy, dry_run=True))
    assert report is not None and report.abandoned_scenes == 0
    assert scenes.scene(kept)[0] == "pending" and len(scenes.blobs(kept)) == 1


def test_settings_hand_the_pending_scene_retention_to_the_sweep() -> None:
    assert Settings(stale_scene_retention_seconds=3600).sweep_policy().stale_scene_after_seconds == 3600
