"""Every scene type the official client creates, with calibrations, IMU data and real point-cloud
files, over a real socket."""

from __future__ import annotations

from pathlib import Path

import pytest
from kognic.io.model.calibration import (
    CameraMatrix,
    DistortionCoefficients,
    LidarCalibration,
    PinholeCalibration,
    Position,
    RotationQuaternion,
    SensorCalibration,
)
from kognic.io.model.ego import EgoVehiclePose, IMUData
from kognic.io.model.scene import cameras_sequence as cs
from kognic.io.model.scene import lidars as li
from kognic.io.model.scene import lidars_and_cameras as lc
from kognic.io.model.scene import lidars_and_cameras_sequence as lcs
from kognic.io.model.scene import lidars_sequence as ls
from kognic.io.model.scene.resources import Image, PointCloud
from test_inputs_official_client import JPEG, blobs, stored_scene, tenant

from conftest import Live

T0 = 1_700_000_000_000_000_000  # ns


def pcd(path: Path, points: int = 3) -> Path:
    """A real ASCII PCD point cloud."""
    rows = "\n".join(f"{i}.0 {i * 2}.0 {i * 3}.0 0.5" for i in range(points))
    path.write_text(
        "# .PCD v0.7 - Point Cloud Data file format\nVERSION 0.7\nFIELDS x y z intensity\nSIZE 4 4 4 4\n"
        f"TYPE F F F F\nCOUNT 1 1 1 1\nWIDTH {points}\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS {points}\n"
        f"DATA ascii\n{rows}\n"
    )
    return path


def csv_cloud(path: Path) -> Path:
    path.write_text("ts_gps,x,y,z,intensity\n0,1.0,2.0,3.0,0.5\n1,1.5,2.5,3.5,0.7\n")
    return path


def jpeg(path: Path) -> Path:
    path.write_bytes(JPEG)
    return path


def pose(x: float = 0.0) -> EgoVehiclePose:
    return EgoVehiclePose(
        position=Position(x=x, y=0.0, z=0.0), rotation=RotationQuaternion(w=1.0, x=0.0, y=0.0, z=0.0)
    )


def calibration(external_id: str, cameras: tuple[str, ...] = ("CAM",), lidars: tuple[str, ...] = ("lidar",)):
    origin = {
        "position": Position(x=0.0, y=0.0, z=0.0),
        "rotation_quaternion": RotationQuaternion(w=1.0, x=0.0, y=0.0, z=0.0),
    }
    entries: dict[str, object] = {name: LidarCalibration(**origin) for name in lidars}
    for name in cameras:
        entries[name] = PinholeCalibration(
            **origin,
            camera_matrix=CameraMatrix(fx=800.0, fy=800.0, cx=4.0, cy=4.0),
            distortion_coefficients=DistortionCoefficients(k1=0.0, k2=0.0, p1=0.0, p2=0.0, k3=0.0),
            image_width=8,
            image_height=8,
        )
    return SensorCalibration(external_id=external_id, calibration=entries)


def imu(n: int = 5, start: int = T0 - 1_000_000_000, step: int = 1_000_000_000) -> list[IMUData]:
    return [
        IMUData(
            position=Position(x=float(i), y=0.0, z=0.0),
            rotation_quaternion=RotationQuaternion(w=1.0, x=0.0, y=0.0, z=0.0),
            timestamp=start + i * step,
        )
        for i in range(n)
    ]


def test_a_lidars_and_cameras_sequence_with_a_calibration_imu_and_real_point_clouds_is_created(
    live: Live, tmp_path: Path
) -> None:
    t = tenant(live)
    cal = t.client.calibration.create_calibration(calibration("cal-1", cameras=("CAM",)))
    frames = [
        lcs.Frame(
            frame_id=str(i),
            relative_timestamp=i * 100,
            point_clouds=[PointCloud(filename=str(pcd(tmp_path / f"pc{i}.pcd")))],
            images=[Image(filename=str(jpeg(tmp_path / f"img{i}.jpg")), sensor_name="CAM")],
            ego_vehicle_pose=pose(float(i)),
            unix_timestamp=T0 + i * 100_000_000,
        )
        for i in range(2)
    ]
    scene = lcs.LidarsAndCamerasSequence(
        external_id="lcs-1", frames=frames, calibration_id=cal.id, imu_data=imu(), metadata={"region": "se"}
    )
    created = t.client.lidars_and_cameras_sequence.create(scene, project="p1")
    assert created is not None
    (s,) = t.client.scene.get_scenes_by_uuids([created.scene_uuid])
    assert (s.status, s.scene_type, s.calibration_id) == ("created", "lidars_and_cameras_sequence", cal.id)
    summary = t.client.scene.get_scene_summary(created.scene_uuid)
    assert summary.frame_relative_times == [0, 100]
    assert (summary.lidars, summary.cameras) == ({"lidar"}, {"CAM"})
    assert summary.is_multi_sensor and summary.is_motion_compensated
    assert summary.metadata == {"region": "se"}
    poses = t.client.scene.get_ego_poses(created.scene_uuid)
    assert poses is not None and [p.position.x for p in poses.values()] == [0.0, 1.0]
    rec, resources = stored_scene(live, created.scene_uuid)
    assert rec is not None and rec.imu_id is not None
    cloud = next(r for r in resources if r.kind == "pointcloud" and r.frame_id == "0")
    assert cloud.blob_key is not None
    assert live.world.run(blobs(live).read(cloud.blob_key)) == (tmp_path / "pc0.pcd").read_bytes()
    assert [i.scene_uuid for i in t.client.input.query_inputs(project="p1")] == [created.scene_uuid]


def test_a_calibration_is_read_back_by_id_and_listed_by_external_id(live: Live) -> None:
    t = tenant(live)
    made = t.client.calibration.create_calibration(calibration("rig-7", cameras=("CAM", "CAM2")))
    again = t.client.calibration.get_calibration(made.id)
    assert (again.id, again.external_id) == (made.id, "rig-7")
    assert again.calibration is not None
    assert sorted(again.calibration) == ["CAM", "CAM2", "lidar"]
    assert again.calibration["CAM"].camera_matrix.fx == 800.0  # type: ignore[attr-defined]
    assert [c.id for c in t.client.calibration.get_calibrations(external_id="rig-7")] == [made.id]
    assert t.client.calibration.get_calibrations(external_id="other") == []
    assert [c.id for c in t.client.calibration.get_calibrations()] == [made.id]


def test_a_scene_whose_calibration_misses_a_sensor_is_refused_naming_it(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    cal = t.client.calibration.create_calibration(calibration("cal-1", cameras=("CAM",)))
    frame = lc.Frame(
        point_clouds=[PointCloud(filename=str(pcd(tmp_path / "pc.pcd")))],
        images=[Image(filename=str(jpeg(tmp_path / "a.jpg")), sensor_name="REAR")],
    )
    scene = lc.LidarsAndCameras(external_id="lc-1", frame=frame, calibration_id=cal.id)
    with pytest.raises(RuntimeError, match="the calibration has no entry for sensor REAR"):
        t.client.lidars_and_cameras.create(scene, project="p1")
    assert t.client.input.query_inputs(project="p1") == []


def test_a_scene_naming_an_unknown_calibration_is_refused(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    frame = lc.Frame(
        point_clouds=[PointCloud(filename=str(pcd(tmp_path / "pc.pcd")))],
        images=[Image(filename=str(jpeg(tmp_path / "a.jpg")), sensor_name="CAM")],
    )
    missing = "00000000-0000-4000-8000-000000000000"
    scene = lc.LidarsAndCameras(external_id="lc-1", frame=frame, calibration_id=missing)
    with pytest.raises(RuntimeError, match=f"calibration {missing} not found"):
        t.client.lidars_and_cameras.create(scene, project="p1")


def test_a_lidars_and_cameras_scene_is_created(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    cal = t.client.calibration.create_calibration(calibration("cal-1", cameras=("CAM",)))
    frame = lc.Frame(
        point_clouds=[PointCloud(filename=str(csv_cloud(tmp_path / "pc.csv")))],
        images=[Image(filename=str(jpeg(tmp_path / "a.jpg")), sensor_name="CAM")],
        unix_timestamp=T0,
    )
    created = t.client.lidars_and_cameras.create(
        lc.LidarsAndCameras(external_id="lc-1", frame=frame, calibration_id=cal.id, imu_data=imu()),
        project="p1",
    )
    assert created is not None
    (s,) = t.client.scene.get_scenes_by_uuids([created.scene_uuid])
    assert (s.status, s.scene_type) == ("created", "lidars_and_cameras")


def test_a_lidars_scene_is_created(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    frame = li.Frame(point_clouds=[PointCloud(filename=str(pcd(tmp_path / "pc.pcd")))])
    created = t.client.lidars.create(li.Lidars(external_id="l-1", frame=frame), project="p1")
    assert created is not None
    (s,) = t.client.scene.get_scenes_by_uuids([created.scene_uuid])
    assert (s.status, s.scene_type) == ("created", "lidars")
    assert t.client.scene.get_scene_summary(created.scene_uuid).scene_type == "lidars_and_cameras"


def test_a_cameras_sequence_is_created_with_its_frames_in_order(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    frames = [
        cs.Frame(
            frame_id=f"f{i}",
            relative_timestamp=i * 50,
            images=[
                Image(filename=str(jpeg(tmp_path / f"front{i}.jpg")), sensor_name="FRONT"),
                Image(filename=str(jpeg(tmp_path / f"rear{i}.jpg")), sensor_name="REAR"),
            ],
        )
        for i in range(3)
    ]
    created = t.client.cameras_sequence.create(
        cs.CamerasSequence(external_id="cs-1", frames=frames), project="p1"
    )
    assert created is not None
    summary = t.client.scene.get_scene_summary(created.scene_uuid)
    assert summary.frame_relative_times == [0, 50, 100]
    assert summary.cameras == {"FRONT", "REAR"} and summary.is_multi_sensor
    _, resources = stored_scene(live, created.scene_uuid)
    assert len(resources) == 6 and all(r.blob_key is not None for r in resources)


def test_a_lidars_sequence_gets_no_upload_urls_and_is_created_without_a_commit(
    live: Live, tmp_path: Path
) -> None:
    t = tenant(live)
    frames = [
        ls.Frame(
            frame_id=str(i),
            relative_timestamp=i * 100,
            point_clouds=[PointCloud(filename=str(pcd(tmp_path / f"pc{i}.pcd")))],
            unix_timestamp=T0 + i,
        )
        for i in range(2)
    ]
    created = t.client.lidars_sequence.create(
        ls.LidarsSequence(external_id="ls-1", frames=frames, imu_data=imu()), project="p1"
    )
    assert created is not None
    (s,) = t.client.scene.get_scenes_by_uuids([created.scene_uuid])
    assert s.status == "created"
    assert [i.scene_uuid for i in t.client.input.query_inputs(project="p1")] == [created.scene_uuid]
    _, resources = stored_scene(live, created.scene_uuid)
    assert [r.upload for r in resources] == [False, False]


def test_a_sequence_whose_frames_carry_different_sensors_is_refused(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    front = Image(filename=str(jpeg(tmp_path / "a.jpg")), sensor_name="FRONT")
    rear = Image(filename=str(jpeg(tmp_path / "b.jpg")), sensor_name="REAR")
    frames = [
        cs.Frame(frame_id="1", relative_timestamp=0, images=[front]),
        cs.Frame(frame_id="2", relative_timestamp=10, images=[rear]),
    ]
    with pytest.raises(RuntimeError, match="frame 2 has sensors REAR but the first frame has FRONT"):
        t.client.cameras_sequence.create(cs.CamerasSequence(external_id="cs-1", frames=frames), project="p1")


def test_a_sequence_with_a_repeated_frame_id_is_refused(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    frames = [
        cs.Frame(frame_id="1", relative_timestamp=0, images=[Image(filename=str(jpeg(tmp_path / "a.jpg")))]),
        cs.Frame(frame_id="1", relative_timestamp=10, images=[Image(filename=str(jpeg(tmp_path / "b.jpg")))]),
    ]
    with pytest.raises(RuntimeError, match="frame id '1' is used twice"):
        t.client.cameras_sequence.create(cs.CamerasSequence(external_id="cs-1", frames=frames), project="p1")


def test_a_sequence_out_of_time_order_is_refused(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    frames = [
        cs.Frame(
            frame_id="1", relative_timestamp=100, images=[Image(filename=str(jpeg(tmp_path / "a.jpg")))]
        ),
        cs.Frame(frame_id="2", relative_timestamp=50, images=[Image(filename=str(jpeg(tmp_path / "b.jpg")))]),
    ]
    with pytest.raises(RuntimeError, match="frame 2: relative timestamp 50 does not come after 100"):
        t.client.cameras_sequence.create(cs.CamerasSequence(external_id="cs-1", frames=frames), project="p1")


def test_imu_data_that_does_not_cover_the_frames_is_refused(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    frame = li.Frame(
        point_clouds=[PointCloud(filename=str(pcd(tmp_path / "pc.pcd")))], unix_timestamp=T0 + 10**12
    )
    with pytest.raises(RuntimeError, match="is outside the IMU data"):
        t.client.lidars.create(li.Lidars(external_id="l-1", frame=frame, imu_data=imu()), project="p1")


def test_a_file_that_is_not_what_its_scene_says_fails_the_scene_with_a_message(
    live: Live, tmp_path: Path
) -> None:
    t = tenant(live)
    fake = tmp_path / "not-an-image.jpg"
    fake.write_bytes(b"hello, I am text\n" * 10)
    scene = cs.CamerasSequence(
        external_id="cs-bad",
        frames=[cs.Frame(frame_id="1", relative_timestamp=0, images=[Image(filename=str(fake))])],
    )
    created = t.client.cameras_sequence.create(scene, project="p1")
    assert created is not None
    (s,) = t.client.scene.get_scenes_by_uuids([created.scene_uuid])
    assert s.status == "failed"
    assert s.error_message is not None and "is not a JPEG, PNG, WebP or AVIF image" in s.error_message


def test_an_aggregated_lidars_and_cameras_sequence_is_created_with_its_poses(
    live: Live, tmp_path: Path
) -> None:
    from kognic.io.model.scene import aggregated_lidars_and_cameras_seq as agg

    t = tenant(live)
    cal = t.client.calibration.create_calibration(calibration("cal-agg", cameras=("CAM",)))
    frames = [
        agg.Frame(
            frame_id=str(i),
            relative_timestamp=i * 100,
            point_clouds=[PointCloud(filename=str(pcd(tmp_path / f"pc{i}.pcd")))],
            images=[Image(filename=str(jpeg(tmp_path / f"img{i}.jpg")), sensor_name="CAM")],
            ego_vehicle_pose=pose(float(i)),
        )
        for i in range(2)
    ]
    scene = agg.AggregatedLidarsAndCamerasSequence(external_id="agg-1", frames=frames, calibration_id=cal.id)
    created = t.client.aggregated_lidars_and_cameras_seq.create(scene, project="p1")
    assert created is not None
    (s,) = t.client.scene.get_scenes_by_uuids([created.scene_uuid])
    assert (s.status, s.scene_type) == ("created", "aggregated_lidars_and_cameras_sequence")
    poses = t.client.scene.get_ego_poses(created.scene_uuid)
    assert poses is not None and sorted(poses) == ["0", "1"]
