"""`annotations import`: OpenLABEL files made elsewhere, delivered to a batch's inputs through the
same validation and events; one bad scene is reported, the rest go on."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import msgspec
import pytest

from annobatch.domain import Conflict, Forbidden
from annobatch.services.annotation_import import split_name
from annobatch.storage.database import Database
from work_world import WorkWorld, openlabel


@pytest.fixture
def w(db: Database, runner: asyncio.Runner, tmp_path: Path) -> WorkWorld:
    return WorkWorld(db, runner, tmp_path / "blobs")


def files(scene: str, od: object = None, lanes: object = None) -> dict[str, bytes]:
    out = {}
    if od is not False:
        out[f"{scene}.od.json"] = msgspec.json.encode(od or openlabel("car"))
    if lanes is not False:
        out[f"{scene}.lanes.json"] = msgspec.json.encode(lanes or openlabel())
    return out


@pytest.mark.parametrize(
    ("name", "split"),
    [
        ("scene-1.od.json", ("scene-1", "od")),
        ("a.b.lanes.json", ("a.b", "lanes")),
        ("scene.od", None),
        ("od.json", None),
        ("scene.other.json", None),
    ],
)
def test_file_names_are_scene_then_type(name: str, split: tuple[str, str] | None) -> None:
    assert split_name(name, ["od", "lanes"]) == split


def test_an_import_delivers_completes_and_moves_the_batch_reporting_each_scene(w: WorkWorld) -> None:
    w.inputs(3)
    w.publish()
    given = {
        **files("scene-1"),
        **files("scene-2", od={"openlabel": {}}),
        **files("scene-3", lanes=False),
        **files("scene-9"),
        "README.txt": b"hello",
    }
    outcomes = w.run(w.ops.work.import_annotations(w.staff, "p1", "b1", given))
    by_scene = {o.scene: o for o in outcomes}
    assert by_scene["scene-1"].ok and sorted(by_scene["scene-1"].annotation_types) == ["lanes", "od"]
    assert "annotation od is not valid OpenLABEL" in by_scene["scene-2"].message
    assert "lanes missing" in by_scene["scene-3"].message
    assert "no input of a scene scene-9" in by_scene["scene-9"].message
    assert not by_scene["README.txt"].ok
    assert w.batch_status() == "in-progress"
    statuses = sorted(t.status for t in w.tasks())
    assert statuses == ["cancelled", "todo", "todo"]
    assert [json.loads(d)["imported"] for _, _, d in w.events("annotation.delivered")] == [True]
    # Only delivered scenes' blobs stay.
    assert len(w.store.keys("annotations/")) == 2

    rest = {**files("scene-2"), **files("scene-3")}
    assert all(o.ok for o in w.run(w.ops.work.import_annotations(w.staff, "p1", "b1", rest)))
    assert w.batch_status() == "completed"
    again = w.run(w.ops.work.import_annotations(w.staff, "p1", "b1", files("scene-1")))
    assert not again[0].ok and "completed already" in again[0].message


def test_an_import_waits_for_publication_and_is_for_staff(w: WorkWorld) -> None:
    w.inputs(1)
    with pytest.raises(Conflict) as e:
        w.run(w.ops.work.import_annotations(w.staff, "p1", "b1", files("scene-1")))
    assert e.value.code == "batch-not-published"
    with pytest.raises(Forbidden):
        w.run(w.ops.work.import_annotations(w.client(), "p1", "b1", files("scene-1")))


def test_an_input_whose_task_is_held_is_not_imported(w: WorkWorld) -> None:
    w.inputs(1)
    w.publish()
    w.run(w.ops.work.claim(w.member()))
    (outcome,) = w.run(w.ops.work.import_annotations(w.staff, "p1", "b1", files("scene-1")))
    assert not outcome.ok and "held by user" in outcome.message
    assert w.store.keys("annotations/") == []
