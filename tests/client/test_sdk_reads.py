"""The SDK's read surface against a live server, beside the official client reading the same
scenes: inputs, scenes, calibrations, requests."""

from __future__ import annotations

from pathlib import Path

from kognic.io.model.scene import cameras as official_cameras
from kognic.io.model.scene.resources import Image as OfficialImage
from sdk_scenes import calibration, jpeg, tenant

from annobatch import NotFound
from conftest import Live


def test_the_sdk_reads_what_the_official_client_created(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    theirs, ours = t.official(), t.sdk()
    scene = official_cameras.Cameras(
        external_id="read-1",
        frame=official_cameras.Frame(
            images=[OfficialImage(filename=jpeg(tmp_path / "a.jpg"), sensor_name="CAM")]
        ),
    )
    made = theirs.cameras.create(scene, project="p1", batch="b1")

    (inp,) = ours.input.query_inputs(project="p1")
    assert (inp.scene_uuid, inp.scene_external_id) == (made.scene_uuid, "read-1")
    assert [i.uuid for i in theirs.input.query_inputs(project="p1")] == [inp.uuid]
    (entry,) = ours.input.get_inputs("p1", batch="b1")
    assert (entry.internal_id, entry.status, entry.batch_id) == (made.scene_uuid, "created", "b1")
    assert [e.internal_id for e in ours.input.get_inputs_by_uuids([made.scene_uuid])] == [made.scene_uuid]

    (s,) = ours.scene.get_scenes_by_uuids([made.scene_uuid])
    assert (s.status, s.scene_type, s.external_id) == ("created", "cameras", "read-1")
    assert [x.uuid for x in ours.scene.get_scenes_by_external_ids(["read-1"])] == [made.scene_uuid]
    summary = ours.scene.get_scene_summary(made.scene_uuid)
    assert summary.cameras == ["CAM"] and summary.scene_uuid == made.scene_uuid
    assert ours.scene.get_ego_poses(made.scene_uuid) is None

    (request,) = ours.request.get_requests(project_id="p1", include_input_progress_counts=True)
    (official_request,) = theirs.request.get_requests(project_id="p1", include_input_progress_counts=True)
    assert (request.id, request.title) == (official_request.id, official_request.title)
    assert request.input_progress_counts is not None and request.input_progress_counts.total == 1


def test_calibrations_are_created_and_read_back_as_their_models(live: Live) -> None:
    t = tenant(live)
    ours = t.sdk()
    created = ours.calibration.create_calibration(calibration("annobatch.model", "rig-1"))
    got = ours.calibration.get_calibration(created.id)
    assert got.external_id == "rig-1" and got.calibration is not None
    assert type(got.calibration["CAM"]).__name__ == "PinholeCalibration"
    assert got.calibration["CAM"].camera_matrix.fx == 800.0  # type: ignore[attr-defined]
    assert [c.id for c in ours.calibration.get_calibrations(external_id="rig-1")] == [created.id]
    official = t.official().calibration.get_calibration(created.id)
    assert official.calibration["CAM"].to_dict(by_alias=False) == got.calibration["CAM"].to_dict()


def test_an_unknown_scene_is_not_found(live: Live) -> None:
    ours = tenant(live).sdk()
    try:
        ours.scene.get_scene_summary("00000000-0000-4000-8000-000000000000")
    except NotFound as e:
        assert e.status == 404
    else:
        raise AssertionError("expected NotFound")
