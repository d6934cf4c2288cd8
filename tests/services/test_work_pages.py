"""The facts of the workforce's pages and of the scene page: a member's tasks and what waits for
them, a task laid out for the editor (its frames, images, starting documents, feedback), a scene
as its page shows it (boxes of the delivered annotations, sizes of its images, its point cloud
from above), and who may see a scene."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from annobatch.domain import NotFound
from annobatch.storage.blobs import LocalBlobStore
from annobatch.storage.database import Database
from work_pages_world import CLASSES, HEIGHT, PROJECT, TYPE, WIDTH, StreetWorld, boxes, street_world


@pytest.fixture
def streets(db: Database, runner: asyncio.Runner, tmp_path: Path) -> StreetWorld:
    return street_world(db, LocalBlobStore(tmp_path / "blobs"), runner, cameras=2, lidar=True)


def test_a_member_sees_what_waits_in_their_projects_and_then_the_task_they_hold(
    streets: StreetWorld, runner: asyncio.Runner
) -> None:
    ops, annotator = streets.ops, streets.caller(streets.annotator)
    before = runner.run(ops.work_pages.my_work(annotator))
    assert before.tasks == []
    (project,) = before.projects
    assert project.project.external_id == PROJECT
    assert [(w.kind, w.waiting) for w in project.waiting] == [("annotate", 3)]
    claimed = runner.run(ops.work.claim(annotator, PROJECT))
    after = runner.run(ops.work_pages.my_work(annotator))
    assert [(r.task.id, r.task.status, r.project, r.scene_id) for r in after.tasks] == [
        (claimed.task.id, "ongoing", PROJECT, claimed.scene.id)
    ]
    assert after.projects[0].total == 2


def test_a_reviewer_waits_for_nothing_until_an_annotation_is_submitted(
    streets: StreetWorld, runner: asyncio.Runner
) -> None:
    ops = streets.ops
    reviewer = streets.caller(streets.reviewer)
    assert runner.run(ops.work_pages.my_work(reviewer)).projects[0].total == 0
    task = runner.run(ops.work.claim(streets.caller(streets.annotator), PROJECT))
    runner.run(ops.work.submit(streets.caller(streets.annotator), task.task.id, {TYPE: boxes()}))
    assert [
        (w.kind, w.waiting) for w in runner.run(ops.work_pages.my_work(reviewer)).projects[0].waiting
    ] == [("review", 1)]


def test_the_editor_opens_a_task_with_its_image_size_classes_and_an_empty_start(
    streets: StreetWorld, runner: asyncio.Runner
) -> None:
    annotator = streets.caller(streets.annotator)
    task = runner.run(streets.ops.work.claim(annotator, PROJECT))
    bench = runner.run(streets.ops.work_pages.bench(annotator, task.task.id))
    assert bench.holding
    (frame,) = bench.frames
    assert frame.key == "0" and [r.sensor_name for r in frame.images] == ["CAM"]
    assert bench.image_sizes == {0: (WIDTH, HEIGHT)}
    assert bench.detail.classes == {TYPE: CLASSES}
    assert bench.documents == {}
    assert [e.id for e in bench.error_types][:2] == ["missing-object", "extra-object"]


def test_a_correction_starts_from_the_rejected_annotation_and_shows_its_feedback(
    streets: StreetWorld, runner: asyncio.Runner
) -> None:
    ops, annotator, reviewer = (
        streets.ops,
        streets.caller(streets.annotator),
        streets.caller(streets.reviewer),
    )
    task = runner.run(ops.work.claim(annotator, PROJECT))
    document = boxes(("car", 250, 250, 120, 70))
    runner.run(ops.work.submit(annotator, task.task.id, {TYPE: document}))
    review = runner.run(ops.work.claim(reviewer, PROJECT))
    item = {"errorTypeId": "missing-object", "pin": {"x": 485, "y": 250}, "frameId": "0", "sensorId": "CAM",
            "description": "the pedestrian has no box"}  # fmt: skip
    runner.run(ops.work.review(reviewer, review.task.id, False, [item]))
    correct = runner.run(ops.work.claim(annotator, PROJECT))
    assert correct.task.kind == "correct"
    bench = runner.run(ops.work_pages.bench(annotator, correct.task.id))
    assert bench.documents == {TYPE: document}
    assert [(f["errorTypeId"], f["pin"], f["description"]) for f in bench.feedback] == [
        ("missing-object", {"x": 485, "y": 250}, "the pedestrian has no box")
    ]


def test_the_scene_page_draws_the_delivered_boxes_in_image_pixels(
    streets: StreetWorld, runner: asyncio.Runner
) -> None:
    ops, annotator, reviewer = (
        streets.ops,
        streets.caller(streets.annotator),
        streets.caller(streets.reviewer),
    )
    task = runner.run(ops.work.claim(annotator, PROJECT))
    runner.run(ops.work.submit(annotator, task.task.id, {TYPE: boxes(("car", 250, 250, 120, 70))}))
    runner.run(ops.work.review(reviewer, runner.run(ops.work.claim(reviewer, PROJECT)).task.id, True, []))
    view = runner.run(ops.scene_views.page(streets.client_caller(), task.scene.id))
    (delivered,) = view.annotations
    assert [(b.frame, b.stream, b.cls, b.x, b.y, b.w, b.h) for b in delivered.boxes] == [
        ("0", "CAM", "car", 250.0, 250.0, 120.0, 70.0)
    ]
    assert view.image_sizes == {0: (WIDTH, HEIGHT)}
    assert [(i.project, i.input.work_status) for i in view.inputs] == [(PROJECT, "completed")]


def test_a_lidar_scene_is_drawn_from_above_with_its_count_and_extent(
    streets: StreetWorld, runner: asyncio.Runner
) -> None:
    drawn = runner.run(streets.ops.scene_views.point_cloud(streets.staff, streets.lidar_scene, 0))
    assert drawn.points == 2000
    assert drawn.extent == pytest.approx((-15.0, 14.94, -10.0, 10.0), abs=0.01)
    assert drawn.png.startswith(b"\x89PNG")


def test_only_the_organization_and_the_projects_workforce_see_a_scene(
    streets: StreetWorld, runner: asyncio.Runner, db: Database, tmp_path: Path
) -> None:
    ops = streets.ops
    scene = streets.scenes[0]
    assert runner.run(ops.scene_views.page(streets.caller(streets.annotator), scene)).scene.id == scene
    outsider = runner.run(ops.workforce.create_member(streets.org, "annotator", "not-a-member"))
    other = street_world(db, LocalBlobStore(tmp_path / "other"), runner)
    for caller in (streets.caller(outsider), other.client_caller(), other.staff):
        with pytest.raises(NotFound):
            runner.run(ops.scene_views.page(caller, scene))
        with pytest.raises(NotFound):
            runner.run(ops.scene_views.point_cloud(caller, streets.lidar_scene, 0))
    with pytest.raises(NotFound):
        runner.run(ops.scene_views.page(streets.staff, "not-a-uuid"))


def test_an_annotate_task_made_from_a_pre_annotation_starts_from_its_boxes(
    db: Database, runner: asyncio.Runner, tmp_path: Path
) -> None:
    from annobatch.domain import BatchAction
    from annobatch.services.transactions import Write
    from work_pages_world import camera_scene

    store = LocalBlobStore(tmp_path / "blobs")
    w = street_world(db, store, runner, cameras=0)
    ops, staff = w.ops, w.staff
    runner.run(ops.batches.create_batch(staff, PROJECT, "week-2"))
    scene = runner.run(camera_scene(ops, store, staff, "street-pre", None))
    document = boxes(("pedestrian", 470, 200, 30, 100))
    pre = runner.run(ops.pre_annotations.create(staff, scene, "model-v1", document))
    runner.run(ops.inputs.create_input(staff, scene, PROJECT, "week-2", Write(), pre_annotation_id=pre.id))
    runner.run(ops.batches.transition_batch(staff, PROJECT, "week-2", BatchAction.PUBLISH))
    annotator = w.caller(w.annotator)
    task = runner.run(ops.work.claim(annotator, PROJECT))
    bench = runner.run(ops.work_pages.bench(annotator, task.task.id))
    assert bench.detail.pre_annotation == pre.id
    assert bench.documents == {TYPE: document}
