"""The upload manifest: a JSON or YAML file that describes the scenes of a folder (docs/manifest.md).

`load_manifest(path)` reads it, checks its shape with msgspec and then what only the folder can
tell (files exist, sensors and calibrations are declared, a single-frame type has one frame), and
answers a `Manifest` (file paths as written, relative to the manifest). Whatever does not fit is
a `ManifestError` naming the file, the line when it can, and the place in the document
(`$.scenes[1].frames[0]`).
The scene rules themselves (timestamps in order, sensors the same in every frame, the calibration
covering every sensor) are the server's: `upload --dry-run` asks it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

import msgspec
import yaml

__all__ = [
    "FRAME_FIELDS",
    "KINDS_OF_TYPE",
    "MANIFEST_NAMES",
    "SEQUENCE_TYPES",
    "Calibrations",
    "EgoPose",
    "Frame",
    "Manifest",
    "ManifestError",
    "Scene",
    "Sensor",
    "find_manifest",
    "line_of",
    "load_manifest",
]

#: The names `upload FOLDER` looks for, in this order.
MANIFEST_NAMES = ("manifest.yaml", "manifest.yml", "manifest.json")

SceneType = Literal[
    "cameras",
    "cameras_sequence",
    "lidars",
    "lidars_sequence",
    "lidars_and_cameras",
    "lidars_and_cameras_sequence",
    "aggregated_lidars_and_cameras_sequence",
]
SEQUENCE_TYPES = frozenset(
    {
        "cameras_sequence",
        "lidars_sequence",
        "lidars_and_cameras_sequence",
        "aggregated_lidars_and_cameras_sequence",
    }
)
_CALIBRATED_TYPES = frozenset(
    {"lidars_and_cameras", "lidars_and_cameras_sequence", "aggregated_lidars_and_cameras_sequence"}
)
_SEQUENCE_FIELDS = {"id", "relative_timestamp", "metadata"}
#: The frame fields (besides `files`) each type of scene has.
FRAME_FIELDS = {
    "cameras": set(),
    "cameras_sequence": _SEQUENCE_FIELDS,
    "lidars": {"unix_timestamp"},
    "lidars_sequence": {*_SEQUENCE_FIELDS, "unix_timestamp", "ego_pose"},
    "lidars_and_cameras": {"unix_timestamp"},
    "lidars_and_cameras_sequence": {*_SEQUENCE_FIELDS, "unix_timestamp", "ego_pose"},
    "aggregated_lidars_and_cameras_sequence": {*_SEQUENCE_FIELDS, "unix_timestamp", "ego_pose"},
}
#: The kinds of sensor each type of scene carries.
KINDS_OF_TYPE = {
    "cameras": {"camera"},
    "cameras_sequence": {"camera"},
    "lidars": {"lidar"},
    "lidars_sequence": {"lidar"},
    "lidars_and_cameras": {"camera", "lidar"},
    "lidars_and_cameras_sequence": {"camera", "lidar"},
    "aggregated_lidars_and_cameras_sequence": {"camera", "lidar"},
}

Text = Annotated[str, msgspec.Meta(min_length=1)]
MetadataValue = str | int | float | bool
#: calibration external id → sensor → that sensor's calibration, as the calibration API takes it
Calibrations = dict[Text, dict[Text, dict[str, Any]]]


class _Strict(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    pass


class Sensor(_Strict):
    """A camera or a lidar; `pretty_name` is how the annotation tool names it."""

    kind: Literal["camera", "lidar"]
    pretty_name: str | None = None


class Vector(_Strict):
    x: float
    y: float
    z: float


class Quaternion(_Strict):
    w: float
    x: float
    y: float
    z: float


class EgoPose(_Strict):
    position: Vector
    rotation: Quaternion


class Frame(_Strict):
    """One moment: a file per sensor (a path relative to the manifest), and when it was taken."""

    files: Annotated[dict[Text, Text], msgspec.Meta(min_length=1)]
    id: Text | None = None
    relative_timestamp: int | None = None  # ms from the first frame (sequences)
    unix_timestamp: int | None = None  # ns since the epoch
    ego_pose: EgoPose | None = None
    metadata: dict[str, MetadataValue] = {}


class Scene(_Strict):
    external_id: Text
    type: SceneType
    frames: Annotated[list[Frame], msgspec.Meta(min_length=1)]
    calibration: Text | None = None  # the external id of one of the manifest's `calibrations`
    metadata: dict[str, MetadataValue] = {}


class Manifest(_Strict):
    sensors: Annotated[dict[Text, Sensor], msgspec.Meta(min_length=1)]
    scenes: Annotated[list[Scene], msgspec.Meta(min_length=1)]
    version: Literal[1] = 1
    calibrations: Calibrations = {}


class ManifestError(Exception):
    """A manifest that cannot be uploaded: the file, the line when known, the place in the document
    (`$.scenes[1].frames[0].files.FRONT`) and what is wrong."""

    def __init__(self, file: Path, where: str, message: str, line: int | None = None) -> None:
        self.file, self.where, self.message, self.line = file, where, message, line
        at = f"{file}:{line}" if line is not None else str(file)
        super().__init__(f"{at}: {where}: {message}" if where else f"{at}: {message}")


def find_manifest(folder_or_file: Path) -> Path:
    """The manifest itself, or the one in a folder (manifest.yaml, .yml or .json)."""
    if folder_or_file.is_dir():
        for name in MANIFEST_NAMES:
            if (folder_or_file / name).is_file():
                return folder_or_file / name
        raise ManifestError(
            folder_or_file, "", f"no manifest in this folder (one of {', '.join(MANIFEST_NAMES)})"
        )
    if not folder_or_file.is_file():
        raise ManifestError(folder_or_file, "", "no such file or folder")
    return folder_or_file


def load_manifest(path: Path) -> Manifest:
    """Read and check the manifest at `path`. File paths stay as written: relative to
    `path.parent`."""
    text = path.read_text(encoding="utf-8")
    try:
        raw = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as e:
        raise ManifestError(path, "", f"not valid JSON: {e.msg}", e.lineno) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or _one_line(e)
        raise ManifestError(path, "", f"not valid YAML: {problem}", mark and mark.line + 1) from None
    try:
        manifest = msgspec.convert(raw, Manifest, strict=True)
    except msgspec.ValidationError as e:
        message, _, where = str(e).partition(" - at `")
        where, allowed = _named(raw, where.rstrip("`") or "$")
        raise ManifestError(path, where, _plain(message, allowed), line_of(text, where)) from None
    problem = _first_problem(manifest, path.parent)
    if problem is not None:
        where, message = problem
        raise ManifestError(path, where, message, line_of(text, where))
    return manifest


def _first_problem(m: Manifest, folder: Path) -> tuple[str, str] | None:
    """What only the folder and the whole document can tell, as (place, message)."""
    seen: dict[str, int] = {}
    for i, scene in enumerate(m.scenes):
        at = f"$.scenes[{i}]"
        if scene.external_id in seen:
            return f"{at}.external_id", f"{scene.external_id!r} is also scene {seen[scene.external_id]}'s"
        seen[scene.external_id] = i
        if scene.type not in SEQUENCE_TYPES and len(scene.frames) != 1:
            return f"{at}.frames", f"a {scene.type} scene has exactly one frame, not {len(scene.frames)}"
        if scene.type in _CALIBRATED_TYPES and scene.calibration is None:
            return at, f"a {scene.type} scene names its calibration (`calibration:`)"
        if scene.calibration is not None and scene.calibration not in m.calibrations:
            known = ", ".join(m.calibrations) or "none"
            return f"{at}.calibration", f"no calibration {scene.calibration!r} in `calibrations` ({known})"
        for j, frame in enumerate(scene.frames):
            problem = _frame_problem(m, scene, frame, f"{at}.frames[{j}]", folder)
            if problem is not None:
                return problem
    return None


def _frame_problem(m: Manifest, scene: Scene, frame: Frame, at: str, folder: Path) -> tuple[str, str] | None:
    for name in ("id", "relative_timestamp", "unix_timestamp", "ego_pose", "metadata"):
        if getattr(frame, name) not in (None, {}) and name not in FRAME_FIELDS[scene.type]:
            return f"{at}.{name}", f"the frames of a {scene.type} scene have no {name}"
    if scene.type in SEQUENCE_TYPES and frame.relative_timestamp is None:
        return at, "a frame of a sequence has a `relative_timestamp` (ms)"
    if scene.type == "aggregated_lidars_and_cameras_sequence" and frame.ego_pose is None:
        return at, "a frame of an aggregated sequence has an `ego_pose`"
    for sensor, name in frame.files.items():
        if sensor not in m.sensors:
            return (
                f"{at}.files.{sensor}",
                f"sensor {sensor!r} is not declared in `sensors` ({', '.join(m.sensors)})",
            )
        kind = m.sensors[sensor].kind
        if kind not in KINDS_OF_TYPE[scene.type]:
            return (
                f"{at}.files.{sensor}",
                f"sensor {sensor!r} is a {kind}; a {scene.type} scene has no {kind}s",
            )
        if not (folder / name).is_file():
            return f"{at}.files.{sensor}", f"file {name} does not exist (paths are relative to the manifest)"
    return None


def _plain(message: str, allowed: tuple[Any, ...]) -> str:
    """msgspec's wording, without its quotes, and the values a choice allows."""
    message = message.replace("`", "")
    message = message[:1].lower() + message[1:]
    if allowed and message.startswith("invalid enum value"):
        message += f"; one of {', '.join(map(str, allowed))}"
    return message


def _named(raw: Any, where: str) -> tuple[str, tuple[Any, ...]]:
    """msgspec writes a mapping's key as `[...]`: find which entry fails and name it
    (`$.sensors[...].kind` → `$.sensors.radar-1.kind`). Answers the place and, when it is a
    choice (`Literal`), its values."""
    kind: Any = Manifest
    node, out = raw, "$"
    for key, index, dots in re.findall(r"\.([^.\[]+)|\[(\d+)\]|\[(\.\.\.)\]", where.removeprefix("$")):
        kind = _unwrap(kind)
        if key and isinstance(kind, type) and issubclass(kind, msgspec.Struct):
            kind = get_type_hints(kind, include_extras=True).get(key, Any)
            node, out = node.get(key) if isinstance(node, dict) else None, f"{out}.{key}"
        elif index and get_origin(kind) is list:
            (kind,) = get_args(kind)
            node, out = node[int(index)] if isinstance(node, list) else None, f"{out}[{index}]"
        elif dots and get_origin(kind) is dict and isinstance(node, dict):
            key_kind, value_kind = get_args(kind)
            bad = next(
                (k for k, v in node.items() if not _fits(k, key_kind) or not _fits(v, value_kind)), None
            )
            kind, node, out = value_kind, node.get(bad), f"{out}.{bad}"
        else:
            return where, ()
    kind = _unwrap(kind)
    return out, get_args(kind) if get_origin(kind) is Literal else ()


def _unwrap(kind: Any) -> Any:
    """`Annotated[X, ...]` and `X | None` → X."""
    while True:
        if get_origin(kind) is Annotated:
            kind = get_args(kind)[0]
        elif get_origin(kind) in (Union, UnionType) and type(None) in get_args(kind):
            others = [a for a in get_args(kind) if a is not type(None)]
            if len(others) != 1:
                return kind
            kind = others[0]
        else:
            return kind


def _fits(value: Any, kind: Any) -> bool:
    try:
        msgspec.convert(value, kind, strict=True)
    except msgspec.ValidationError:
        return False
    return True


def _one_line(e: Exception) -> str:
    return " ".join(str(e).split())


_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def line_of(text: str, where: str) -> int | None:
    """The line (1-based) of the place `where` (`$.scenes[1].frames`) in the document: of its
    key in a mapping, of its item in a list; None when the document is not YAML. JSON is YAML
    too, so one walk over YAML's node tree serves both."""
    try:
        node: Any = yaml.compose(text)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    mark = node.start_mark
    for key, index in _STEP.findall(where.removeprefix("$")):
        if isinstance(node, yaml.MappingNode) and key:
            found = [(k, v) for k, v in node.value if getattr(k, "value", None) == key]
            if not found:
                break
            mark, node = found[0][0].start_mark, found[0][1]
        elif isinstance(node, yaml.SequenceNode) and index and int(index) < len(node.value):
            node = node.value[int(index)]
            mark = node.start_mark
        else:
            break
    return int(mark.line) + 1
