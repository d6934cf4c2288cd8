"""Intake meets work: a committed scene's input gets its annotate task (and the id its create
could name), invalidating a scene or deleting an input cancels its work and lets the batch
complete without it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest

from annobatch import schemas
from annobatch.domain import BatchAction, SceneType
from annobatch.services.placement import input_id_for_scene
from annobatch.services.transactions import Write
from annobatch.storage.database import Database
from work_world import WorkWorld, openlabel

JPEG = b"\xff\xd8\xff\xe0" + bytes(64)
DOCS = {"od": openlabel("car"), "lanes": openlabel()}


@pytest.fixture
def w(db: Database, runner: asyncio.Runner, tmp_path: Path) -> WorkWorld:
    return WorkWorld(db, runner, tmp_path / "blobs")


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


def committed_scene(w: WorkWorld, external_id: str = "cam-1") -> str:
    async def go() -> str:
        sid = await w.ops.scenes.initialize(w.staff, None)
        image = {"filename": "a.jpg", "resourceId": "a.jpg", "sensorName": "CAM"}
        body = msgspec.convert(
            {"externalId": external_id, "frame": {"images": [image]}, "internalId": sid}, schemas.CamerasScene
        )
        await w.ops.scenes.create_scene(
            w.staff, None, SceneType.CAMERAS, body, project="p1", batch="b1", write=Write()
        )
        blob = await w.store.put(f"scenes/{sid}/0", _chunks(JPEG))
        await w.ops.scenes.record_upload(sid, 0, blob, "image/jpeg")
        await w.ops.scenes.commit(w.staff, sid)
        return sid

    return w.run(go())


def test_a_committed_scenes_input_has_the_id_its_create_names_and_its_annotate_task(w: WorkWorld) -> None:
    sid = committed_scene(w)
    (task,) = w.tasks()
    assert task.input_id == input_id_for_scene(sid)
    assert (task.kind, task.status) == ("annotate", "todo")


def test_placing_a_created_scene_in_another_batch_gives_that_input_a_task_too(w: WorkWorld) -> None:
    sid = committed_scene(w)
    w.run(w.ops.batches.create_batch(w.staff, "p1", "b2"))
    row = w.run(w.ops.inputs.create_input(w.staff, sid, "p1", "b2", Write()))
    assert row.id != input_id_for_scene(sid)
    assert sorted(t.input_id for t in w.tasks()) == sorted([row.id, input_id_for_scene(sid)])


def test_invalidating_a_scene_cancels_its_work_and_the_batch_completes_without_it(w: WorkWorld) -> None:
    w.run(w.ops.workforce.set_project_workflow(w.staff, "p1", ["annotate"]))
    keep = committed_scene(w, "cam-1")
    drop = committed_scene(w, "cam-2")
    w.publish()
    ann = w.member()
    first = w.run(w.ops.work.claim(ann))
    assert first.input.id == input_id_for_scene(keep)
    w.run(w.ops.work.submit(ann, first.task.id, DOCS))
    w.run(w.ops.work.claim(ann))  # the other one, held
    assert w.batch_status() == "in-progress"
    w.run(w.ops.scenes.invalidate_scenes(w.staff, [drop], "duplicate", Write()))
    statuses = {t.input_id: t.status for t in w.tasks()}
    assert statuses[input_id_for_scene(drop)] == "cancelled"
    assert w.batch_status() == "completed"
    (invalidated,) = w.events("input.invalidated")
    assert len(json.loads(invalidated[2])["cancelledTasks"]) == 1


def test_deleting_an_input_takes_its_work_and_annotations_with_it(w: WorkWorld) -> None:
    w.run(w.ops.workforce.set_project_workflow(w.staff, "p1", ["annotate"]))
    a, b = w.inputs(2)
    w.publish()
    ann = w.member()
    t = w.run(w.ops.work.claim(ann))
    assert t.input.id == a
    w.run(w.ops.work.submit(ann, t.task.id, DOCS))
    assert len(w.store.keys("annotations/")) == 2
    w.run(w.ops.inputs.delete_input(w.staff, a, Write()))
    assert w.store.keys("annotations/") == []
    assert [x.input_id for x in w.tasks()] == [b]
    assert w.batch_status() == "in-progress"
    t2 = w.run(w.ops.work.claim(ann))
    w.run(w.ops.inputs.delete_input(w.staff, t2.input.id, Write()))  # held: its task goes too
    assert w.tasks() == []
    # No input left that is not completed: the batch is.
    assert w.batch_status() == "completed"


def test_a_scene_failing_while_its_batch_is_in_progress_lets_the_batch_complete(
    w: WorkWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its input counted while processing; once failed it no longer does."""
    w.run(w.ops.workforce.set_project_workflow(w.staff, "p1", ["annotate"]))
    committed_scene(w, "cam-1")
    ann = w.member()

    async def meanwhile(scene: object, resources: object) -> list[str]:
        # While the second scene's files are looked at, the batch is published and the first
        # scene's input completed: the batch waits for the second.
        await w.ops.batches.transition_batch(w.staff, "p1", "b1", BatchAction.PUBLISH)
        t = await w.ops.work.claim(ann)
        await w.ops.work.submit(ann, t.task.id, DOCS)
        assert (await w.ops.batches.get_batch(w.staff, "p1", "b1")).batch.status == "in-progress"
        return ["file a.jpg is not an image"]

    monkeypatch.setattr(w.ops.scenes, "_inspect", meanwhile)
    committed_scene(w, "cam-2")
    assert w.batch_status() == "completed"
