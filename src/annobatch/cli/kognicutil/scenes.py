"""A manifest's scenes as the SDK's scene models (`annobatch.model.scene`), ready for
`client.create_scenes`.

Each file keeps its path relative to the manifest as its resource id, so the server never learns
where the folder lies on this machine; a file used twice in one scene is told apart by its frame
and sensor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from annobatch.cli.kognicutil import manifest as mf
from annobatch.model.calibration import Position, RotationQuaternion, SensorCalibration
from annobatch.model.calibration.calib import parse_calibration
from annobatch.model.ego import EgoVehiclePose
from annobatch.model.scene import (
    AggregatedLidarsAndCamerasSequence,
    Cameras,
    CamerasSequence,
    Image,
    Lidars,
    LidarsAndCameras,
    LidarsAndCamerasSequence,
    LidarsSequence,
    PointCloud,
    SensorSpecification,
)
from annobatch.model.scene import aggregated_lidars_and_cameras_seq as aggregated
from annobatch.model.scene import cameras as cameras
from annobatch.model.scene import cameras_sequence as cameras_seq
from annobatch.model.scene import lidars as lidars
from annobatch.model.scene import lidars_and_cameras as lidars_cameras
from annobatch.model.scene import lidars_and_cameras_sequence as lidars_cameras_seq
from annobatch.model.scene import lidars_sequence as lidars_seq

__all__ = ["sdk_calibration", "sdk_scene"]


def sdk_calibration(external_id: str, sensors: Mapping[str, dict[str, Any]]) -> SensorCalibration:
    """One of the manifest's calibrations, as `client.calibration.create_calibration` takes it."""
    return SensorCalibration(
        external_id=external_id, calibration={s: parse_calibration(dict(c)) for s, c in sensors.items()}
    )


class _Files:
    """The images and point clouds of one frame, and the resource ids used so far in the scene."""

    def __init__(self, m: mf.Manifest, folder: Path) -> None:
        self.m, self.folder = m, folder
        self.used: set[str] = set()

    def of(self, frame: mf.Frame, frame_id: str) -> tuple[list[Image], list[PointCloud]]:
        images: list[Image] = []
        clouds: list[PointCloud] = []
        for sensor, name in frame.files.items():
            rid = name if name not in self.used else f"{frame_id}/{sensor}/{name}"
            self.used.add(rid)
            path = str((self.folder / name).resolve())
            if self.m.sensors[sensor].kind == "camera":
                images.append(Image(filename=path, resource_id=rid, sensor_name=sensor))
            else:
                clouds.append(PointCloud(filename=path, resource_id=rid, sensor_name=sensor))
        return images, clouds


def _pose(frame: mf.Frame) -> EgoVehiclePose | None:
    p = frame.ego_pose
    if p is None:
        return None
    return EgoVehiclePose(
        position=Position(x=p.position.x, y=p.position.y, z=p.position.z),
        rotation=RotationQuaternion(w=p.rotation.w, x=p.rotation.x, y=p.rotation.y, z=p.rotation.z),
    )


def _specification(m: mf.Manifest, scene: mf.Scene) -> SensorSpecification | None:
    used = {s for f in scene.frames for s in f.files}
    pretty = {s: name for s, sensor in m.sensors.items() if s in used and (name := sensor.pretty_name)}
    return SensorSpecification(sensor_to_pretty_name=pretty) if pretty else None


def _sequence_frames(scene: mf.Scene, files: _Files, make: Callable[..., Any], fields: set[str]) -> list[Any]:
    """The frames of a sequence, each with those of its images, point clouds, ego pose and unix
    timestamp that its type (`make`) has (`fields`)."""
    frames = []
    for i, f in enumerate(scene.frames):
        frame_id = f.id or str(i)
        images, clouds = files.of(f, frame_id)
        kw: dict[str, Any] = {
            "images": images,
            "point_clouds": clouds,
            "ego_vehicle_pose": _pose(f),
            "unix_timestamp": f.unix_timestamp,
        }
        kw = {k: v for k, v in kw.items() if k in fields}
        frames.append(
            make(frame_id=frame_id, relative_timestamp=f.relative_timestamp, metadata=dict(f.metadata), **kw)
        )
    return frames


def sdk_scene(m: mf.Manifest, folder: Path, scene: mf.Scene, calibration_id: str | None) -> Any:
    """The SDK's model of one scene of the manifest (checked by `load_manifest` before);
    `calibration_id` is the server's id of the scene's calibration, for the types that have one."""
    files = _Files(m, folder)
    common: dict[str, Any] = {"external_id": scene.external_id, "metadata": dict(scene.metadata)}
    spec = _specification(m, scene)
    first = scene.frames[0]
    t = scene.type
    if t == "cameras":
        images, _ = files.of(first, first.id or "0")
        return Cameras(frame=cameras.Frame(images=images), sensor_specification=spec, **common)
    if t == "lidars":
        _, clouds = files.of(first, first.id or "0")
        return Lidars(frame=lidars.Frame(point_clouds=clouds, unix_timestamp=first.unix_timestamp), **common)
    if t == "lidars_and_cameras":
        images, clouds = files.of(first, first.id or "0")
        frame = lidars_cameras.Frame(point_clouds=clouds, images=images, unix_timestamp=first.unix_timestamp)
        return LidarsAndCameras(
            frame=frame, calibration_id=calibration_id or "", sensor_specification=spec, **common
        )
    if t == "cameras_sequence":
        frames = _sequence_frames(scene, files, cameras_seq.Frame, {"images"})
        return CamerasSequence(frames=frames, sensor_specification=spec, **common)
    if t == "lidars_sequence":
        fields = {"point_clouds", "ego_vehicle_pose", "unix_timestamp"}
        return LidarsSequence(frames=_sequence_frames(scene, files, lidars_seq.Frame, fields), **common)
    fields = {"images", "point_clouds", "ego_vehicle_pose", "unix_timestamp"}
    make, kind = (
        (lidars_cameras_seq.Frame, LidarsAndCamerasSequence)
        if t == "lidars_and_cameras_sequence"
        else (aggregated.Frame, AggregatedLidarsAndCamerasSequence)
    )
    frames = _sequence_frames(scene, files, make, fields)
    return kind(frames=frames, calibration_id=calibration_id or "", sensor_specification=spec, **common)
