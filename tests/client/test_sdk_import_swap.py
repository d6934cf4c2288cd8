"""One user script, run twice against one server: once with `kognic.io` imports and the official
client, once with the same lines importing from `annobatch` (the SDK). Moving code from the
official client to the SDK is changing the import prefix: both runs must give the same results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sdk_scenes import delivering, jpeg, pcd

from conftest import Live

#: A user's script, as written against the official client; `{prefix}` is its import prefix.
SCRIPT = """
import {prefix}.client as IOC
import {prefix}.model.calibration as CalibrationModel
import {prefix}.model.scene.cameras as C
import {prefix}.model.scene.lidars_and_cameras as LC
from {prefix}.model.scene.metadata.metadata import MetaData
from {prefix}.model.scene.resources import Image, PointCloud


def run(url, auth, files, deliver):
    client = IOC.KognicIOClient(
        auth=auth, host=url, auth_host=url, workspace_api_host=url, order_execution_api_host=url,
        annotation_integration_api_host=url, project_management_api_host=url,
    )
    origin = dict(
        position=CalibrationModel.Position(x=0.0, y=0.0, z=0.0),
        rotation_quaternion=CalibrationModel.RotationQuaternion(w=1.0, x=0.0, y=0.0, z=0.0),
    )
    camera = CalibrationModel.PinholeCalibration(
        **origin,
        camera_matrix=CalibrationModel.CameraMatrix(fx=800.0, fy=800.0, cx=4.0, cy=4.0),
        distortion_coefficients=CalibrationModel.DistortionCoefficients(
            k1=0.0, k2=0.0, p1=0.0, p2=0.0, k3=0.0
        ),
        image_width=8,
        image_height=8,
    )
    calibration = client.calibration.create_calibration(
        CalibrationModel.SensorCalibration(
            external_id="rig",
            calibration={{"lidar": CalibrationModel.LidarCalibration(**origin), "CAM": camera}},
        )
    )
    cameras = C.Cameras(
        external_id="swap-cameras",
        frame=C.Frame(images=[Image(filename=files["front"], sensor_name="CAM")]),
        metadata=MetaData(region="se", **{{"vehicle-id": "abg"}}),
    )
    made_cameras = client.cameras.create(cameras, project="p1", batch="b1")
    lidars_and_cameras = LC.LidarsAndCameras(
        external_id="swap-lc",
        frame=LC.Frame(
            point_clouds=[PointCloud(filename=files["cloud"])],
            images=[Image(filename=files["side"], sensor_name="CAM")],
        ),
        calibration_id=calibration.id,
    )
    made_lc = client.lidars_and_cameras.create(lidars_and_cameras, project="p1", batch="b1")

    inputs = client.input.query_inputs(project="p1", batch="b1")
    entries = client.input.get_inputs(project="p1", batch="b1")
    requests = client.request.get_requests(project_id="p1", include_input_progress_counts=True)
    deliver(inputs)
    annotations = list(client.annotation.get_project_annotations("p1", "object-detection", batch="b1"))
    scenes = client.scene.get_scenes_by_uuids([made_cameras.scene_uuid, made_lc.scene_uuid])
    summary = client.scene.get_scene_summary(made_lc.scene_uuid)
    by_scene = {{i.scene_uuid: i.scene_external_id for i in inputs}}
    return {{
        "inputs": sorted(i.scene_external_id for i in inputs),
        "entries": sorted((e.external_id, e.batch, e.scene_type, e.scene_uuid in by_scene) for e in entries),
        "input_per_scene": sorted(
            (by_scene[s.uuid], made.request_input_uuid is not None)
            for s, made in zip(scenes, [made_cameras, made_lc])
        ),
        "scenes": sorted(
            (s.external_id, str(getattr(s.status, "value", s.status)), s.scene_type) for s in scenes
        ),
        "summary": (
            sorted(summary.cameras), sorted(summary.lidars), summary.calibration_id == calibration.id
        ),
        "requests": [(r.title, r.input_progress_counts.total) for r in requests],
        "annotations": sorted((by_scene[a.scene_uuid], a.annotation_type, a.content) for a in annotations),
    }}
"""


def run_script(prefix: str, live: Live, tmp_path: Path) -> dict[str, Any]:
    d = delivering(live)
    files = {
        "front": jpeg(tmp_path / "front.jpg"),
        "side": jpeg(tmp_path / "side.jpg"),
        "cloud": pcd(tmp_path / "cloud.pcd"),
    }

    def deliver(inputs: list[Any]) -> None:
        for i in inputs:
            d.deliver(i.uuid, i.scene_uuid, "object-detection", note=i.scene_external_id)

    namespace: dict[str, Any] = {}
    exec(compile(SCRIPT.format(prefix=prefix), f"<script with {prefix}>", "exec"), namespace)
    result: dict[str, Any] = namespace["run"](live.url, d.tenant.auth, files, deliver)
    return result


def test_one_script_gives_the_same_results_with_either_import_prefix(
    live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANNOBATCH_RESUME_DIR", str(tmp_path / "resume"))
    (tmp_path / "official").mkdir()
    (tmp_path / "sdk").mkdir()
    official = run_script("kognic.io", live, tmp_path / "official")
    ours = run_script("annobatch", live, tmp_path / "sdk")
    assert ours == official
    assert official["inputs"] == ["swap-cameras", "swap-lc"]
    assert official["scenes"] == [
        ("swap-cameras", "created", "cameras"),
        ("swap-lc", "created", "lidars_and_cameras"),
    ]
    assert official["requests"] == [("b1", 2)]
    notes = [a[2]["openlabel"]["metadata"]["note"] for a in official["annotations"]]
    assert notes == ["swap-cameras", "swap-lc"]
