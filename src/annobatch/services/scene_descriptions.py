"""A scene body of any of the official client's types, mapped onto the domain's frames of files.

Pure: the rules are in `annobatch.domain`; this only translates the wire's shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from annobatch import domain, schemas
from annobatch.domain import InvalidInput, ResourceKind, SceneType
from annobatch.services.lookups import optional_uuid


@dataclass(frozen=True, slots=True)
class Described:
    """A scene body turned into the domain's terms, and what is kept of it (`spec`)."""

    draft: domain.SceneDraft
    spec: dict[str, Any]
    calibration_id: str | None
    imu_id: str | None
    motion_compensate: bool


def _image(r: schemas.Image, frame_id: str | None) -> domain.SceneResource:
    shutter = (
        None if r.metadata is None else (r.metadata.shutter_time_start_ns, r.metadata.shutter_time_end_ns)
    )
    return domain.SceneResource(
        r.resource_id or r.filename, r.filename, r.sensor_name, ResourceKind.IMAGE, frame_id, shutter
    )


def _cloud(r: schemas.PointCloud, frame_id: str | None) -> domain.SceneResource:
    return domain.SceneResource(
        r.resource_id or r.filename, r.filename, r.sensor_name, ResourceKind.POINT_CLOUD, frame_id
    )


def scene_size(body: schemas.AnyScene) -> tuple[int, int, int]:
    """A scene body's frames, distinct sensors and files, counted before anything else is done
    with it (`domain.require_scene_within_limits`)."""
    frames: list[Any]
    if isinstance(body, schemas.CamerasScene | schemas.LidarsScene | schemas.LidarsAndCamerasScene):
        frames = [body.frame]
    else:
        frames = list(body.frames)
    sensors: set[str] = set()
    files = 0
    for f in frames:
        resources = [*getattr(f, "images", []), *getattr(f, "point_clouds", [])]
        files += len(resources)
        sensors.update(r.sensor_name for r in resources)
    return len(frames), len(sensors), files


def describe(scene_type: SceneType, body: schemas.AnyScene) -> Described:
    """Map a scene body of any type onto frames of resources. Pure; the rules are in `domain`."""
    frames: list[domain.SceneFrame] = []
    kept: list[dict[str, Any]] = []
    if isinstance(body, schemas.CamerasScene | schemas.LidarsScene | schemas.LidarsAndCamerasScene):
        f = body.frame
        images = [_image(i, None) for i in getattr(f, "images", [])]
        clouds = [_cloud(p, None) for p in getattr(f, "point_clouds", [])]
        unix = getattr(f, "unix_timestamp", None)
        frames.append(domain.SceneFrame(None, None, unix, (*clouds, *images)))
        kept.append({"unixTimestamp": unix})
    else:
        for sf in body.frames:
            if scene_type is SceneType.AGGREGATED_LIDARS_AND_CAMERAS_SEQUENCE and sf.ego_vehicle_pose is None:
                raise InvalidInput(
                    f"frame {sf.frame_id}: every frame of an aggregated scene needs an egoVehiclePose",
                    "missing-ego-pose",
                )
            clouds = [_cloud(p, sf.frame_id) for p in sf.point_clouds]
            images = [_image(i, sf.frame_id) for i in sf.images]
            frames.append(
                domain.SceneFrame(sf.frame_id, sf.relative_timestamp, sf.unix_timestamp, (*clouds, *images))
            )
            kept.append(
                {
                    "frameId": sf.frame_id,
                    "relativeTimestamp": sf.relative_timestamp,
                    "unixTimestamp": sf.unix_timestamp,
                    "egoVehiclePose": msgspec.to_builtins(sf.ego_vehicle_pose),
                    "metadata": sf.metadata,
                }
            )
    spec_ = body.sensor_specification
    draft = domain.SceneDraft(
        scene_type=scene_type,
        external_id=body.external_id,
        frames=tuple(frames),
        sensor_order=tuple(spec_.sensor_order or ()) if spec_ else (),
        pretty_names=tuple(spec_.sensor_to_pretty_name or {}) if spec_ else (),
    )
    flags = body.feature_flags or schemas.FeatureFlags()
    spec = {
        "frames": kept,
        "metadata": body.metadata,
        "sensorSpecification": msgspec.to_builtins(spec_),
    }
    return Described(
        draft=draft,
        spec=spec,
        calibration_id=optional_uuid("calibration", getattr(body, "calibration_id", None)),
        imu_id=optional_uuid("IMU data", getattr(body, "imu_data", None)),
        motion_compensate=flags.should_motion_compensate,
    )
