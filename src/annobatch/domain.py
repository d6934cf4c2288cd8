"""The product rules of annobatch, pure and stdlib-only.

Everything that decides *what is allowed* lives here: statuses and their transitions, which batch a
new input goes to, what a new batch inherits, what an identifier may look like, and the typed
errors (with stable codes) that the server and the operator CLI turn into answers.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# --------------------------------------------------------------------------------------------
# Errors: one tree, stable codes, no HTTP. The server maps each class to a status in errors.py.


class DomainError(Exception):
    """A rule said no. `message` stands alone; `code` is stable for machines."""

    code = "error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidInput(DomainError):
    """The request itself is wrong: a malformed id, a bad field, a rule the caller can fix."""

    code = "invalid-input"


class NotFound(DomainError):
    """The thing does not exist, or belongs to another organization (indistinguishable)."""

    code = "not-found"


class Conflict(DomainError):
    """The request clashes with the current state: a duplicate id or an illegal transition."""

    code = "conflict"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    code = "forbidden"


class Unauthenticated(DomainError):
    """No valid identity: missing, malformed, expired or revoked credentials or token."""

    code = "unauthenticated"


class TooLarge(DomainError):
    """The body or upload is over the configured limit."""

    code = "too-large"


# --------------------------------------------------------------------------------------------
# Identifiers

_EXTERNAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
EXTERNAL_ID_RULE = "1-128 characters: a letter or digit first, then letters, digits, '.', '_' or '-'"


def validate_external_id(kind: str, value: str) -> str:
    """A project or batch id appears in URL paths: 1-128 characters, a letter or digit first, then
    letters, digits, `.`, `_`, `-`. Case-sensitive."""
    if not isinstance(value, str) or _EXTERNAL_ID.fullmatch(value) is None:
        raise InvalidInput(f"invalid {kind} id {value!r}: a {kind} id is {EXTERNAL_ID_RULE}", "invalid-id")
    return value


def validate_scene_external_id(value: str) -> str:
    """A scene's external id: 1-256 characters, no control characters."""
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= 256
        or any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in value)
    ):
        raise InvalidInput(
            f"invalid scene external id {value!r}: 1-256 characters, no control characters", "invalid-id"
        )
    return value


_ANNOTATION_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")


def normalize_annotation_types(types: Iterable[str]) -> list[str]:
    """Annotation types are short names (`object-detection`); a list keeps its order and holds each
    type once."""
    seen: list[str] = []
    for t in types:
        if not isinstance(t, str) or _ANNOTATION_TYPE.fullmatch(t) is None:
            raise InvalidInput(
                f"invalid annotation type {t!r}: 1-128 characters, a letter or digit first, then letters, "
                "digits, '.', '_', ':', '/' or '-'",
                "invalid-annotation-type",
            )
        if t not in seen:
            seen.append(t)
    return seen


# --------------------------------------------------------------------------------------------
# Projects


class ProjectStatus(enum.StrEnum):
    PENDING = "pending"
    ONGOING = "ongoing"
    COMPLETED = "completed"
    ARCHIVED = "archived"


def parse_project_status(value: str) -> ProjectStatus:
    try:
        return ProjectStatus(value)
    except ValueError:
        allowed = ", ".join(s.value for s in ProjectStatus)
        raise InvalidInput(f"unknown project status {value!r}: one of {allowed}", "invalid-status") from None


def require_project_accepts_work(project: str, status: str) -> None:
    """Only an `ongoing` project accepts new batches and inputs."""
    if status != ProjectStatus.ONGOING:
        raise Conflict(
            f"project {project} is {status}; only ongoing projects accept new batches and inputs",
            "project-not-ongoing",
        )


# --------------------------------------------------------------------------------------------
# Batches


class BatchStatus(enum.StrEnum):
    PENDING = "pending"
    OPEN = "open"
    READY = "ready"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    ARCHIVED = "archived"


class Role(enum.StrEnum):
    CLIENT = "client"
    STAFF = "staff"


class BatchAction(enum.StrEnum):
    """The named moves of a batch; each maps to one target status."""

    OPEN = "open"
    PUBLISH = "publish"
    REOPEN = "reopen"
    START = "start"
    COMPLETE = "complete"
    ARCHIVE = "archive"


@dataclass(frozen=True, slots=True)
class Transition:
    source: frozenset[BatchStatus]
    target: BatchStatus
    roles: frozenset[Role]


_BOTH = frozenset({Role.CLIENT, Role.STAFF})
_STAFF = frozenset({Role.STAFF})

#: The batch lifecycle: every legal move, who may make it. Anything else is a conflict.
TRANSITIONS: dict[BatchAction, Transition] = {
    BatchAction.OPEN: Transition(frozenset({BatchStatus.PENDING}), BatchStatus.OPEN, _STAFF),
    BatchAction.PUBLISH: Transition(frozenset({BatchStatus.OPEN}), BatchStatus.READY, _BOTH),
    BatchAction.REOPEN: Transition(frozenset({BatchStatus.READY}), BatchStatus.OPEN, _STAFF),
    BatchAction.START: Transition(frozenset({BatchStatus.READY}), BatchStatus.IN_PROGRESS, _STAFF),
    BatchAction.COMPLETE: Transition(frozenset({BatchStatus.IN_PROGRESS}), BatchStatus.COMPLETED, _STAFF),
    BatchAction.ARCHIVE: Transition(
        frozenset(set(BatchStatus) - {BatchStatus.ARCHIVED}), BatchStatus.ARCHIVED, _STAFF
    ),
}


def allowed_moves() -> set[tuple[BatchStatus, BatchStatus]]:
    """Every (from, to) pair the lifecycle allows, for tests and documentation."""
    return {(src, t.target) for t in TRANSITIONS.values() for src in t.source}


@dataclass(frozen=True, slots=True)
class Decision:
    """What a transition request resolves to: the new status, and whether anything changes."""

    target: BatchStatus
    changed: bool


def decide_transition(
    project: str,
    batch: str,
    current: BatchStatus | str,
    action: BatchAction,
    role: Role,
    annotation_type_count: int,
) -> Decision:
    """Decide a batch move.

    - The role must be allowed to make the move (clients may only publish).
    - Publishing a batch that is already `ready` changes nothing: retries are safe.
    - Publishing from anything but `open` or `ready` is a conflict naming the current status.
    - Opening needs at least one annotation type.
    - Reopening is only possible while annotation has not started, i.e. from `ready`.
    - Every other move not in the table is a conflict naming both statuses.
    """
    current = BatchStatus(current)
    rule = TRANSITIONS[action]
    if role not in rule.roles:
        raise Forbidden(f"only staff may {action.value} a batch", "staff-only")
    if action is BatchAction.PUBLISH:
        if current is BatchStatus.READY:
            return Decision(current, changed=False)
        if current is not BatchStatus.OPEN:
            raise Conflict(
                f"batch {batch} of project {project} is {current.value}; only open batches can be published",
                "illegal-transition",
            )
    if current not in rule.source:
        raise Conflict(
            f"batch {batch} of project {project} cannot move from {current.value} to {rule.target.value}",
            "illegal-transition",
        )
    if action is BatchAction.OPEN and annotation_type_count == 0:
        raise Conflict(
            f"batch {batch} of project {project} has no annotation types; set at least one before opening",
            "no-annotation-types",
        )
    return Decision(rule.target, changed=True)


_TYPES_EDITABLE = frozenset({BatchStatus.PENDING, BatchStatus.OPEN, BatchStatus.READY})


def require_batch_types_editable(project: str, batch: str, status: BatchStatus | str) -> None:
    """A batch's annotation types may change only before annotation starts."""
    if BatchStatus(status) not in _TYPES_EDITABLE:
        raise Conflict(
            f"batch {batch} of project {project} is {BatchStatus(status).value}; annotation types can only "
            "change before annotation starts",
            "batch-types-frozen",
        )


@dataclass(frozen=True, slots=True)
class NewBatch:
    status: BatchStatus
    annotation_types: list[str]


def plan_new_batch(previous_batch_types: Sequence[str] | None, project_defaults: Sequence[str]) -> NewBatch:
    """A new batch inherits the annotation types of the project's latest previous batch (newest
    `created`, ties broken by internal id); a project's first batch inherits the project's default
    types. With nothing to inherit the batch starts `pending` (staff must configure it); otherwise
    it starts `open`."""
    inherited = list(previous_batch_types) if previous_batch_types is not None else list(project_defaults)
    status = BatchStatus.OPEN if inherited else BatchStatus.PENDING
    return NewBatch(status, inherited)


def batches_to_publish_with(open_batches: Iterable[str], new_batch: str) -> list[str]:
    """`create_batch(..., publish_previous_batches=True)` publishes every other open batch of the
    project, in the same transaction as the create."""
    return [b for b in open_batches if b != new_batch]


# --------------------------------------------------------------------------------------------
# Which batch a new input goes to


@dataclass(frozen=True, slots=True)
class BatchChoice:
    batch: str
    status: BatchStatus


def choose_input_batch(project: str, named: str | None, batches: Sequence[BatchChoice]) -> str:
    """Pick the batch for a new input.

    - A named batch must exist in the project (not found otherwise) and be `open` (invalid input
      otherwise, naming its status).
    - With no batch named, the project's open batches decide: exactly one is chosen; none, or two
      or more, is invalid input that says so (listing them, so the caller can name one).
    """
    if named is not None:
        for b in batches:
            if b.batch == named:
                if b.status is not BatchStatus.OPEN:
                    raise InvalidInput(
                        f"batch {named} of project {project} is {b.status.value}; "
                        "only open batches accept inputs",
                        "batch-not-open",
                    )
                return named
        raise NotFound(f"batch {named} not found in project {project}", "batch-not-found")
    open_ = [b.batch for b in batches if b.status is BatchStatus.OPEN]
    if not open_:
        raise InvalidInput(f"project {project} has no open batch", "no-open-batch")
    if len(open_) > 1:
        raise InvalidInput(
            f"project {project} has {len(open_)} open batches ({', '.join(open_)}): name one",
            "several-open-batches",
        )
    return open_[0]


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


MAX_SENSOR_NAME = 128
MAX_FRAME_ID = 128
MAX_RESOURCE_ID = 2048


def _sensors_of(frame: SceneFrame) -> set[tuple[ResourceKind, str]]:
    return {(r.kind, r.sensor_name) for r in frame.resources}


def _describe(sensors: set[tuple[ResourceKind, str]]) -> str:
    return ", ".join(sorted(s for _, s in sensors)) or "none"


def _frame_name(frame: SceneFrame, index: int) -> str:
    return f"frame {frame.frame_id}" if frame.frame_id is not None else f"frame #{index + 1}"


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


# Calibrations

LIDAR_CALIBRATION = "lidar"
_NUMBER = "number"
_VECTOR3 = ("x", "y", "z")
_CAMERA_MATRIX = ("fx", "fy", "cx", "cy")
_DISTORTION5 = ("k1", "k2", "p1", "p2", "k3")

#: Per calibration type, the fields a calibration of that type must carry: an object with these
#: numeric members, `number`, `string` or a positive `integer`.
CALIBRATION_FIELDS: dict[str, dict[str, tuple[str, ...] | str]] = {
    "lidar": {},
    "pinhole": {"camera_matrix": _CAMERA_MATRIX, "distortion_coefficients": _DISTORTION5},
    "fisheye": {"camera_matrix": _CAMERA_MATRIX, "distortion_coefficients": _DISTORTION5, "xi": _NUMBER},
    "kannala": {
        "camera_matrix": _CAMERA_MATRIX,
        "distortion_coefficients": ("k1", "k2", "p1", "p2"),
        "undistortion_coefficients": ("l1", "l2", "l3", "l4"),
    },
    "principal_point_distortion": {
        "camera_matrix": _CAMERA_MATRIX,
        "principal_point_distortion_coefficients": ("k1", "k2"),
        "distortion_center": ("x", "y"),
        "principal_point": ("x", "y"),
    },
    "fused_cylindrical": {"camera_matrix": _CAMERA_MATRIX, "cut_angles_degree": ("upper", "lower")},
    "cylindrical": {"camera_matrix": _CAMERA_MATRIX},
    "principal_point_fisheye": {
        "camera_matrix": _CAMERA_MATRIX,
        "principal_point_fisheye_coefficients": ("alpha_l", "alpha_r", "beta_u", "beta_l"),
    },
    "custom": {"wasm_base64": "string"},
}


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def validate_calibration(external_id: str, calibration: dict[str, object]) -> dict[str, str]:
    """A calibration has an external id (as a scene's), and for each of at least one sensor a
    calibration of a known type (`calibration_type`) with a position (x, y, z), a rotation
    quaternion (w, x, y, z), and the fields its type needs (`CALIBRATION_FIELDS`); cameras also
    need a positive image width and height. Answers sensor → calibration type."""
    validate_scene_external_id(external_id)
    if not calibration:
        raise InvalidInput("a calibration needs at least one sensor", "invalid-calibration")
    types: dict[str, str] = {}
    for sensor, entry in calibration.items():
        if not 1 <= len(sensor) <= MAX_SENSOR_NAME:
            raise InvalidInput(
                f"invalid sensor name {sensor!r}: 1-{MAX_SENSOR_NAME} characters", "invalid-calibration"
            )
        if not isinstance(entry, dict):
            raise InvalidInput(f"calibration of sensor {sensor}: must be an object", "invalid-calibration")
        ctype = entry.get("calibration_type")
        if ctype not in CALIBRATION_FIELDS:
            allowed = ", ".join(CALIBRATION_FIELDS)
            raise InvalidInput(
                f"calibration of sensor {sensor}: unknown calibration_type {ctype!r}: one of {allowed}",
                "invalid-calibration",
            )
        needed: dict[str, tuple[str, ...] | str] = {
            "position": _VECTOR3,
            "rotation_quaternion": ("w", *_VECTOR3),
        }
        if ctype != LIDAR_CALIBRATION:
            needed.update(image_height="integer", image_width="integer")
        needed.update(CALIBRATION_FIELDS[ctype])
        for field, shape in needed.items():
            problem = _field_problem(entry.get(field), shape)
            if problem:
                raise InvalidInput(
                    f"calibration of sensor {sensor} ({ctype}): field {field} {problem}",
                    "invalid-calibration",
                )
        types[sensor] = str(ctype)
    return types


def _field_problem(value: object, shape: tuple[str, ...] | str) -> str | None:
    if value is None:
        return "is missing"
    if shape == "string":
        return None if isinstance(value, str) and value else "must be a non-empty string"
    if shape == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
        return None if ok else "must be a positive integer"
    if shape == _NUMBER:
        return None if _is_number(value) else "must be a number"
    if not isinstance(value, dict):
        return f"must be an object with {', '.join(shape)}"
    bad = [k for k in shape if not _is_number(value.get(k))]
    return f"needs numbers {', '.join(bad)}" if bad else None


# Statuses


class SceneStatus(enum.StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    CREATED = "created"
    FAILED = "failed"
    INVALIDATED_BROKEN_INPUT = "invalidated:broken-input"
    INVALIDATED_DUPLICATE = "invalidated:duplicate"
    INVALIDATED_INCORRECTLY_CREATED = "invalidated:incorrectly-created"

    @property
    def is_invalidated(self) -> bool:
        return self.value.startswith("invalidated:")


_INVALIDATED = frozenset(s for s in SceneStatus if s.is_invalidated)

#: How a scene moves: pending (waiting for its files) → processing (files checked) → created or
#: failed; any scene can be invalidated, and invalidation is final. An input follows its scene.
SCENE_MOVES: dict[SceneStatus, frozenset[SceneStatus]] = {
    SceneStatus.PENDING: frozenset({SceneStatus.PROCESSING}) | _INVALIDATED,
    SceneStatus.PROCESSING: frozenset({SceneStatus.CREATED, SceneStatus.FAILED}) | _INVALIDATED,
    SceneStatus.CREATED: _INVALIDATED,
    SceneStatus.FAILED: _INVALIDATED,
    **{s: frozenset() for s in _INVALIDATED},
}

INVALIDATION_REASONS: dict[str, SceneStatus] = {
    "bad-content": SceneStatus.INVALIDATED_BROKEN_INPUT,
    "duplicate": SceneStatus.INVALIDATED_DUPLICATE,
    "incorrectly-created": SceneStatus.INVALIDATED_INCORRECTLY_CREATED,
}


def require_scene_move(scene: str, current: SceneStatus | str, target: SceneStatus) -> None:
    current = SceneStatus(current)
    if target not in SCENE_MOVES[current]:
        raise Conflict(
            f"scene {scene} cannot move from {current.value} to {target.value}", "illegal-scene-transition"
        )


def invalidation_status(reason: str) -> SceneStatus:
    """The reasons the official client sends, and the status each leaves behind."""
    try:
        return INVALIDATION_REASONS[reason]
    except KeyError:
        allowed = ", ".join(INVALIDATION_REASONS)
        raise InvalidInput(
            f"unknown invalidation reason {reason!r}: one of {allowed}", "invalid-reason"
        ) from None


def initial_scene_status(uploads: int) -> SceneStatus:
    """A scene with files to upload waits for them (`pending`, until its commit); a scene with none
    (`files: {}`, when the client will send no commit) is complete at once."""
    return SceneStatus.PENDING if uploads else SceneStatus.CREATED


def commit_needed(scene: str, status: SceneStatus | str) -> bool:
    """Commit is idempotent: a pending or processing scene is (re)processed, a created or failed
    one is left as it is; an invalidated scene cannot be committed."""
    status = SceneStatus(status)
    if status.is_invalidated:
        raise Conflict(f"scene {scene} is {status.value}; it cannot be committed", "scene-invalidated")
    return status in (SceneStatus.PENDING, SceneStatus.PROCESSING)


def require_all_uploaded(scene: str, missing: Sequence[str]) -> None:
    """Every file of a scene must have arrived before it is committed."""
    if missing:
        shown = ", ".join(missing[:20]) + (f" and {len(missing) - 20} more" if len(missing) > 20 else "")
        raise InvalidInput(
            f"scene {scene} is missing {len(missing)} file{'s' if len(missing) > 1 else ''}: {shown}; "
            "upload them to their URLs, then commit again",
            "missing-files",
        )


def require_scene_accepts_uploads(scene: str, status: SceneStatus | str) -> None:
    if SceneStatus(status) is not SceneStatus.PENDING:
        raise Conflict(
            f"scene {scene} is {SceneStatus(status).value}; "
            "files can only be uploaded before it is committed",
            "scene-not-pending",
        )


def require_scene_accepts_inputs(scene: str, status: SceneStatus | str) -> None:
    """Only a created scene can be placed in another batch."""
    if SceneStatus(status) is not SceneStatus.CREATED:
        raise InvalidInput(
            f"scene {scene} is {SceneStatus(status).value}; only created scenes can be added to a batch",
            "scene-not-created",
        )


def require_input_removable(project: str, batch: str, status: BatchStatus | str) -> None:
    """An archived batch accepts nothing, not even the removal of an input."""
    if BatchStatus(status) is BatchStatus.ARCHIVED:
        raise Conflict(
            f"batch {batch} of project {project} is archived; its inputs cannot change", "batch-archived"
        )


# What an uploaded file must look like

_IMAGE_MAGIC: tuple[tuple[int, bytes], ...] = (
    (0, b"\xff\xd8\xff"),  # JPEG
    (0, b"\x89PNG\r\n\x1a\n"),
    (8, b"WEBP"),
    (4, b"ftypavif"),
    (4, b"ftypavis"),
)


def check_file_content(
    kind: ResourceKind, resource_id: str, filename: str, head: bytes, size: int
) -> str | None:
    """A quick look at a file's first bytes: an image is a JPEG, PNG, WebP or AVIF; a point cloud is
    PCD, LAS/LAZ or CSV text. Answers what is wrong, or None."""
    if size == 0:
        return f"file {resource_id} is empty"
    if kind is ResourceKind.IMAGE:
        if any(head[at : at + len(m)] == m for at, m in _IMAGE_MAGIC):
            return None
        return f"file {resource_id} is not a JPEG, PNG, WebP or AVIF image"
    if head.startswith(b"LASF"):
        return None
    text = head.lstrip(b"\xef\xbb\xbf")
    if filename.lower().endswith(".pcd"):
        if text.startswith((b"#", b"VERSION", b"FIELDS")):
            return None
        return f"file {resource_id} is not a PCD point cloud"
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(text) - 4:  # a character cut at the end of the head is fine
            return f"file {resource_id} is not a PCD, LAS/LAZ or CSV point cloud"
    return None
