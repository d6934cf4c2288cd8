"""Every scene type created through the SDK over a real socket: the scene ends created, in the
batch it was sent to, with its files as they are on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sdk_scenes import JPEG, calibration, jpeg, pcd, tenant

from annobatch.model.calibration import Position, RotationQuaternion
from annobatch.model.ego import EgoVehiclePose, IMUData
from annobatch.model.scene import aggregated_lidars_and_cameras_seq as agg
from annobatch.model.scene import cameras as cam
from annobatch.model.scene import cameras_sequence as cs
from annobatch.model.scene import lidars as li
from annobatch.model.scene import lidars_and_cameras as lc
from annobatch.model.scene import lidars_and_cameras_sequence as lcs
from annobatch.model.scene import lidars_sequence as ls
from annobatch.model.scene.resources import Image, PointCloud
from conftest import Live

T0 = 1_700_000_000_000_000_000


def pose(x: float) -> EgoVehiclePose:
    return EgoVehiclePose(
        position=Position(x=x, y=0.0, z=0.0), rotation=RotationQuaternion(w=1.0, x=0.0, y=0.0, z=0.0)
    )


def imu() -> list[IMUData]:
    origin = RotationQuaternion(w=1.0, x=0.0, y=0.0, z=0.0)
    return [
        IMUData(
            position=Position(x=float(i), y=0.0, z=0.0),
            rotation_quaternion=origin,
            timestamp=T0 - 10**9 + i * 10**9,
        )
        for i in range(5)
    ]


def scene_of(kind: str, d: Path, cal: str) -> Any:
    def img(n: str) -> Image:
        return Image(filename=jpeg(d / f"{n}.jpg"), sensor_name="CAM")

    def cloud(n: str) -> PointCloud:
        return PointCloud(filename=pcd(d / f"{n}.pcd"))

    two = range(2)
    return {
        "cameras": lambda: cam.Cameras(external_id="cam", frame=cam.Frame(images=[img("c")])),
        "cameras_sequence": lambda: cs.CamerasSequence(
            external_id="cs",
            frames=[
                cs.Frame(frame_id=str(i), relative_timestamp=i * 10, images=[img(f"cs{i}")]) for i in two
            ],
        ),
        "lidars": lambda: li.Lidars(external_id="li", frame=li.Frame(point_clouds=[cloud("l")])),
        "lidars_sequence": lambda: ls.LidarsSequence(
            external_id="ls",
            frames=[
                ls.Frame(
                    frame_id=str(i),
                    relative_timestamp=i * 100,
                    point_clouds=[cloud(f"ls{i}")],
                    unix_timestamp=T0 + i,
                )
                for i in two
            ],
            imu_data=imu(),
        ),
        "lidars_and_cameras": lambda: lc.LidarsAndCameras(
            external_id="lc",
            frame=lc.Frame(point_clouds=[cloud("lc")], images=[img("lc")]),
            calibration_id=cal,
        ),
        "lidars_and_cameras_sequence": lambda: lcs.LidarsAndCamerasSequence(
            external_id="lcs",
            frames=[
                lcs.Frame(
                    frame_id=str(i),
                    relative_timestamp=i * 100,
                    point_clouds=[cloud(f"lcs{i}")],
                    images=[img(f"lcs{i}")],
                    ego_vehicle_pose=pose(float(i)),
                    unix_timestamp=T0 + i * 100_000_000,
                )
                for i in two
            ],
            calibration_id=cal,
            imu_data=imu(),
        ),
        "aggregated_lidars_and_cameras_seq": lambda: agg.AggregatedLidarsAndCamerasSequence(
            external_id="agg",
            frames=[
                agg.Frame(
                    frame_id=str(i),
                    relative_timestamp=i * 100,
                    point_clouds=[cloud(f"agg{i}")],
                    images=[img(f"agg{i}")],
                    ego_vehicle_pose=pose(float(i)),
                )
                for i in two
            ],
            calibration_id=cal,
        ),
    }[kind]()


KINDS = [
    ("cameras", "cameras"),
    ("cameras_sequence", "cameras_sequence"),
    ("lidars", "lidars"),
    ("lidars_sequence", "lidars_sequence"),
    ("lidars_and_cameras", "lidars_and_cameras"),
    ("lidars_and_cameras_sequence", "lidars_and_cameras_sequence"),
    ("aggregated_lidars_and_cameras_seq", "aggregated_lidars_and_cameras_sequence"),
]


@pytest.mark.parametrize(("resource", "scene_type"), KINDS)
def test_each_scene_type_is_created_into_its_batch(
    live: Live, tmp_path: Path, resource: str, scene_type: str
) -> None:
    t = tenant(live)
    client = t.sdk(resume_dir=tmp_path / "resume")
    cal = client.calibration.create_calibration(calibration("annobatch.model", "rig")).id
    scene = scene_of(resource, tmp_path, cal)
    made = getattr(client, resource).create(scene, project="p1", batch="b1")
    assert made is not None and made.request_input_uuid is not None
    (s,) = client.scene.get_scenes_by_uuids([made.scene_uuid])
    assert (s.status, s.scene_type, s.error_message) == ("created", scene_type, None)
    (inp,) = client.input.query_inputs(project="p1", batch="b1")
    assert (inp.scene_uuid, inp.uuid) == (made.scene_uuid, made.request_input_uuid)
    assert list((tmp_path / "resume").glob("*.json")) == []  # nothing left to resume


def test_a_dry_run_checks_the_scene_and_creates_nothing(live: Live, tmp_path: Path) -> None:
    client = tenant(live).sdk(resume_dir=False)
    scene = scene_of("cameras", tmp_path, "")
    assert client.cameras.create(scene, project="p1", dryrun=True) is None
    assert client.input.query_inputs(project="p1") == []


def test_a_scene_of_another_type_is_refused_before_anything_is_sent(live: Live, tmp_path: Path) -> None:
    client = tenant(live).sdk(resume_dir=False)
    with pytest.raises(ValueError, match="Cannot create"):
        client.lidars.create(scene_of("cameras", tmp_path, ""), project="p1")


def test_files_given_as_bytes_or_by_a_callback_are_uploaded(live: Live, tmp_path: Path) -> None:
    from annobatch.resources.scene.file_data import FileData

    client = tenant(live).sdk(resume_dir=tmp_path / "resume")
    asked: list[str] = []

    def camera_b(name: str) -> bytes:
        asked.append(name)
        return JPEG

    images = [
        Image(filename="front", sensor_name="A", file_data=FileData(FileData.Format.JPG, data=JPEG)),
        Image(filename="back", sensor_name="B", file_data=FileData(FileData.Format.JPG, callback=camera_b)),
    ]
    made = client.cameras.create(
        cam.Cameras(external_id="blobs", frame=cam.Frame(images=images)), project="p1"
    )
    assert made is not None
    (s,) = client.scene.get_scenes_by_uuids([made.scene_uuid])
    assert s.status == "created"
    assert asked and set(asked) == {"back"}
    assert [i.resource_id for i in images] == ["front.jpg", "back.jpg"]
