"""Scenes: what a scene may look like (its frames, sensors, resources, timestamps) and its IMU data."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from annobatch.domain.batches import (
    validate_scene_external_id,
)
from annobatch.domain.errors import (
    InvalidInput,
    NotFound,
)

__all__ = [
    "LIDAR_CALIBRATION",
    "MAX_FRAME_ID",
    "MAX_RESOURCE_ID",
    "MAX_SENSOR_NAME",
    "ImuSample",
    "ResourceKind",
    "SceneDraft",
    "SceneFrame",
    "SceneLimits",
    "SceneResource",
    "SceneType",
    "parse_scene_type",
    "require_scene_within_limits",
    "validate_imu",
    "validate_scene",
]


# --------------------------------------------------------------------------------------------
# Scenes: what a scene may look like, and how scenes and their inputs move


class SceneType(enum.StrEnum):
    """The scene types, by the path name the official client posts them to."""

    CAMERAS = "cameras"
    CAMERAS_SEQUENCE = "cameras-sequence"
    LIDARS = "lidars"
    LIDARS_SEQUENCE = "lidars-sequence"
    LIDARS_AND_CAMERAS = "lidars-and-cameras"
    LIDARS_AND_CAMERAS_SEQUENCE = "lidars-and-cameras-sequence"
    AGGREGATED_LIDARS_AND_CAMERAS_SEQUENCE = "aggregated-lidars-and-cameras-sequence"

    @property
    def wire_name(self) -> str:
        """The name in scene listings (`sceneType`, `inputType`): the path name with underscores."""
        return self.value.replace("-", "_")

    @property
    def summary_name(self) -> str:
        """The client's `SceneType` enum knows no lidar-only types: they are the camera-less case
        of the combined types."""
        if self is SceneType.LIDARS:
            return "lidars_and_cameras"
        if self is SceneType.LIDARS_SEQUENCE:
            return "lidars_and_cameras_sequence"
        return self.wire_name

    @property
    def is_sequence(self) -> bool:
        return self.value.endswith("-sequence")

    @property
    def has_cameras(self) -> bool:
        return self not in (SceneType.LIDARS, SceneType.LIDARS_SEQUENCE)

    @property
    def has_lidars(self) -> bool:
        return self not in (SceneType.CAMERAS, SceneType.CAMERAS_SEQUENCE)

    @property
    def needs_calibration(self) -> bool:
        return self.has_lidars and self.has_cameras

    @property
    def uploads_files(self) -> bool:
        """The official client never uploads the files of a `lidars-sequence` scene (it passes no
        resources to its upload step), so that type is described, never uploaded."""
        return self is not SceneType.LIDARS_SEQUENCE


def parse_scene_type(value: str) -> SceneType:
    try:
        return SceneType(value)
    except ValueError:
        allowed = ", ".join(t.value for t in SceneType)
        raise NotFound(f"unknown scene type {value!r}: one of {allowed}", "unknown-scene-type") from None


class ResourceKind(enum.StrEnum):
    IMAGE = "image"
    POINT_CLOUD = "pointcloud"
    #: a v2 scene's IMU data file (no frame; checked whole at the commit)
    IMU = "imu"


@dataclass(frozen=True, slots=True)
class SceneResource:
    """One file of a scene: an image of a camera or a point cloud of a lidar, in one frame."""

    resource_id: str
    filename: str
    sensor_name: str
    kind: ResourceKind
    frame_id: str | None = None
    shutter: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class SceneFrame:
    frame_id: str | None
    relative_timestamp: int | None
    unix_timestamp: int | None
    resources: tuple[SceneResource, ...]


@dataclass(frozen=True, slots=True)
class SceneDraft:
    """A scene as described by its creator, before anything is stored."""

    scene_type: SceneType
    external_id: str
    frames: tuple[SceneFrame, ...]
    #: sensor name → calibration type, when the scene names a calibration
    calibration: dict[str, str] | None = None
    sensor_order: tuple[str, ...] = ()
    pretty_names: tuple[str, ...] = ()
    #: first and last IMU timestamp (ns), when the scene carries IMU data
    imu_span: tuple[int, int] | None = None


#: The calibration type of a lidar; every other type calibrates a camera.
LIDAR_CALIBRATION = "lidar"

MAX_SENSOR_NAME = 128
MAX_FRAME_ID = 128
MAX_RESOURCE_ID = 2048


def _sensors_of(frame: SceneFrame) -> set[tuple[ResourceKind, str]]:
    return {(r.kind, r.sensor_name) for r in frame.resources}


def _describe(sensors: set[tuple[ResourceKind, str]]) -> str:
    return ", ".join(sorted(s for _, s in sensors)) or "none"


def _frame_name(frame: SceneFrame, index: int) -> str:
    return f"frame {frame.frame_id}" if frame.frame_id is not None else f"frame #{index + 1}"


@dataclass(frozen=True, slots=True)
class SceneLimits:
    """How large one scene may be. A scene past a limit is refused before any other work: a
    description of a million files would otherwise cost seconds and a worker's memory."""

    max_frames: int = 5_000
    max_sensors: int = 64
    max_files: int = 50_000


def require_scene_within_limits(frames: int, sensors: int, files: int, limits: SceneLimits) -> None:
    """A scene has at most `limits.max_frames` frames, `max_sensors` distinct sensors and
    `max_files` files (every image and point cloud of every frame)."""
    for what, count, limit in (
        ("frames", frames, limits.max_frames),
        ("sensors", sensors, limits.max_sensors),
        ("files", files, limits.max_files),
    ):
        if count > limit:
            raise InvalidInput(
                f"the scene has {count} {what}; this server takes at most {limit} {what} per scene: "
                "split it into several scenes",
                "scene-too-large",
            )


def validate_scene(draft: SceneDraft) -> list[SceneResource]:
    """Check a scene before it is stored; answer its resources in order.

    - The external id is 1-256 characters without control characters.
    - A sequence has at least one frame; frame ids are non-empty, at most 128 characters and unique.
    - Relative timestamps increase strictly from frame to frame, and so do unix timestamps where
      frames carry them.
    - Every frame has a point cloud when the type has lidars and an image when it has cameras
      only; within a frame each sensor appears once.
    - A sensor name names one kind of sensor (never both a camera and a lidar), and a sequence's
      frames all carry the same sensors.
    - Every resource has a filename and a resource id, and a resource id appears once per scene.
    - Shutter times, when given, start before they end.
    - The calibration, for the types that need one, covers every sensor with a calibration of
      the right kind (a lidar calibration for a lidar, a camera calibration for a camera).
    - The sensor specification names only sensors of the scene, each once in the order.
    - IMU data, when given, spans every frame's unix timestamp.
    """
    validate_scene_external_id(draft.external_id)
    if not draft.frames:
        raise InvalidInput("a scene needs at least one frame", "invalid-scene")
    resources: list[SceneResource] = []
    kinds: dict[str, ResourceKind] = {}
    first: set[tuple[ResourceKind, str]] | None = None
    seen_frames: set[str] = set()
    seen_ids: dict[str, str] = {}
    last_rel: int | None = None
    last_unix: int | None = None
    for i, frame in enumerate(draft.frames):
        where = _frame_name(frame, i)
        if frame.frame_id is not None:
            if not 1 <= len(frame.frame_id) <= MAX_FRAME_ID:
                raise InvalidInput(f"{where}: a frame id is 1-{MAX_FRAME_ID} characters", "invalid-frame-id")
            if frame.frame_id in seen_frames:
                raise InvalidInput(
                    f"frame id {frame.frame_id!r} is used twice: frame ids are unique", "duplicate-frame"
                )
            seen_frames.add(frame.frame_id)
        if frame.relative_timestamp is not None:
            if last_rel is not None and frame.relative_timestamp <= last_rel:
                raise InvalidInput(
                    f"{where}: relative timestamp {frame.relative_timestamp} does not come after "
                    f"{last_rel}; frames must be ordered by time",
                    "unordered-frames",
                )
            last_rel = frame.relative_timestamp
        if frame.unix_timestamp is not None:
            if last_unix is not None and frame.unix_timestamp <= last_unix:
                raise InvalidInput(
                    f"{where}: unix timestamp {frame.unix_timestamp} does not come after {last_unix}; "
                    "frames must be ordered by time",
                    "unordered-frames",
                )
            last_unix = frame.unix_timestamp
        _check_frame_resources(draft.scene_type, frame, where, kinds, seen_ids)
        sensors = _sensors_of(frame)
        if first is None:
            first = sensors
        elif sensors != first:
            raise InvalidInput(
                f"{where} has sensors {_describe(sensors)} but the first frame has {_describe(first)}; "
                "every frame of a sequence carries the same sensors",
                "inconsistent-sensors",
            )
        resources.extend(frame.resources)
    _check_calibration_covers(draft, kinds)
    _check_sensor_specification(draft, kinds)
    _check_imu_span(draft)
    return resources


def _check_frame_resources(
    scene_type: SceneType,
    frame: SceneFrame,
    where: str,
    kinds: dict[str, ResourceKind],
    seen_ids: dict[str, str],
) -> None:
    images = [r for r in frame.resources if r.kind is ResourceKind.IMAGE]
    clouds = [r for r in frame.resources if r.kind is ResourceKind.POINT_CLOUD]
    if scene_type.has_lidars and not clouds:
        raise InvalidInput(
            f"{where} has no point cloud; a {scene_type.value} scene needs one", "missing-resource"
        )
    if not scene_type.has_lidars and not images:
        raise InvalidInput(f"{where} has no image; a {scene_type.value} scene needs one", "missing-resource")
    if images and not scene_type.has_cameras:
        raise InvalidInput(f"{where}: a {scene_type.value} scene has no images", "invalid-scene")
    if clouds and not scene_type.has_lidars:
        raise InvalidInput(f"{where}: a {scene_type.value} scene has no point clouds", "invalid-scene")
    in_frame: set[str] = set()
    for r in frame.resources:
        if not r.filename:
            raise InvalidInput(f"{where}: every resource needs a filename", "missing-filename")
        if not 1 <= len(r.resource_id) <= MAX_RESOURCE_ID:
            raise InvalidInput(
                f"{where}: a resource id is 1-{MAX_RESOURCE_ID} characters", "invalid-resource-id"
            )
        if not 1 <= len(r.sensor_name) <= MAX_SENSOR_NAME or any(ord(c) < 32 for c in r.sensor_name):
            raise InvalidInput(
                f"{where}: invalid sensor name {r.sensor_name!r}: 1-{MAX_SENSOR_NAME} characters, "
                "no control characters",
                "invalid-sensor-name",
            )
        if r.resource_id in seen_ids:
            raise InvalidInput(
                f"resource {r.resource_id} appears twice ({seen_ids[r.resource_id]} and {where}); "
                "each resource belongs to one frame and sensor",
                "duplicate-resource",
            )
        seen_ids[r.resource_id] = where
        known = kinds.setdefault(r.sensor_name, r.kind)
        if known is not r.kind:
            raise InvalidInput(
                f"sensor {r.sensor_name} is used for both images and point clouds; name cameras and "
                "lidars differently",
                "inconsistent-sensors",
            )
        if r.sensor_name in in_frame:
            raise InvalidInput(
                f"{where} has two resources from sensor {r.sensor_name}; a frame has one per sensor",
                "duplicate-sensor",
            )
        in_frame.add(r.sensor_name)
        if r.shutter is not None and not r.shutter[0] < r.shutter[1]:
            raise InvalidInput(
                f"{where}: image {r.resource_id} has a shutter start ({r.shutter[0]}) that is not "
                f"before its end ({r.shutter[1]})",
                "invalid-shutter",
            )


def _check_calibration_covers(draft: SceneDraft, kinds: dict[str, ResourceKind]) -> None:
    if draft.calibration is None:
        return
    missing = sorted(s for s in kinds if s not in draft.calibration)
    if missing:
        raise InvalidInput(
            f"the calibration has no entry for sensor{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
            "it must cover every sensor of the scene",
            "calibration-incomplete",
        )
    for sensor, kind in sorted(kinds.items()):
        ctype = draft.calibration[sensor]
        want_lidar = kind is ResourceKind.POINT_CLOUD
        if (ctype == LIDAR_CALIBRATION) != want_lidar:
            what = "a lidar" if want_lidar else "a camera"
            raise InvalidInput(
                f"sensor {sensor} is {what} but its calibration is of type {ctype}",
                "calibration-mismatch",
            )


def _check_sensor_specification(draft: SceneDraft, kinds: dict[str, ResourceKind]) -> None:
    for name in (*draft.sensor_order, *draft.pretty_names):
        if name not in kinds:
            raise InvalidInput(
                f"the sensor specification names sensor {name}, which no frame carries "
                f"(sensors: {', '.join(sorted(kinds))})",
                "unknown-sensor",
            )
    if len(set(draft.sensor_order)) != len(draft.sensor_order):
        raise InvalidInput("the sensor order names a sensor twice", "invalid-sensor-order")


def _check_imu_span(draft: SceneDraft) -> None:
    if draft.imu_span is None:
        return
    lo, hi = draft.imu_span
    for i, frame in enumerate(draft.frames):
        t = frame.unix_timestamp
        if t is not None and not lo <= t <= hi:
            raise InvalidInput(
                f"{_frame_name(frame, i)}: unix timestamp {t} is outside the IMU data ({lo} to {hi}); "
                "IMU data must cover every frame",
                "imu-does-not-cover",
            )


# IMU data


@dataclass(frozen=True, slots=True)
class ImuSample:
    timestamp: int
    position: tuple[float, float, float]
    rotation: tuple[float, float, float, float]


def validate_imu(samples: Sequence[ImuSample]) -> tuple[int, int]:
    """IMU data is at least one sample, ordered by strictly increasing timestamp (ns), with finite
    positions and a non-zero rotation quaternion. Answers the first and last timestamps."""
    import math

    if not samples:
        raise InvalidInput("IMU data needs at least one sample", "invalid-imu")
    last: int | None = None
    for i, s in enumerate(samples):
        if last is not None and s.timestamp <= last:
            raise InvalidInput(
                f"IMU sample {i}: timestamp {s.timestamp} does not come after {last}; samples must be "
                "ordered by time",
                "invalid-imu",
            )
        last = s.timestamp
        if not all(math.isfinite(v) for v in (*s.position, *s.rotation)):
            raise InvalidInput(
                f"IMU sample {i}: positions and rotations must be finite numbers", "invalid-imu"
            )
        if sum(v * v for v in s.rotation) < 1e-12:
            raise InvalidInput(f"IMU sample {i}: the rotation quaternion is zero", "invalid-imu")
    return samples[0].timestamp, samples[-1].timestamp
