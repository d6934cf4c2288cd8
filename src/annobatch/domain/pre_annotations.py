"""Pre-annotations: a client's OpenLABEL document for one of its scenes, the starting draft of the
annotate task of an input made from it. It must fit its scene: its frames are the scene's frames
and the sensors (streams) it names are the scene's sensors. The same walk over a document answers
what a review's feedback items may name (`annotation_parts`)."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Any

from annobatch.domain.errors import Conflict, InvalidInput

__all__ = [
    "AnnotationParts",
    "PreAnnotationStatus",
    "annotation_parts",
    "parse_pre_annotation_statuses",
    "require_feedback_fits",
    "require_fits_scene",
    "require_pre_annotation_available",
    "require_pre_annotation_replaceable",
    "validate_pre_annotation_external_id",
]

MAX_EXTERNAL_ID = 256


class PreAnnotationStatus(enum.StrEnum):
    #: Its document is here: an input can start from it.
    AVAILABLE = "available"
    #: Named in the client's bucket, not imported yet (`make_indexed_pre_annotation_available`).
    INDEXED = "indexed"
    #: Being imported.
    PROCESSING = "processing"
    #: The import failed (its error message says why).
    FAILED = "failed"


def parse_pre_annotation_statuses(values: Sequence[str]) -> list[str]:
    """The listing's status filter: known statuses only (400 naming the first unknown one)."""
    known = {s.value for s in PreAnnotationStatus}
    for v in values:
        if v not in known:
            raise InvalidInput(
                f"unknown pre-annotation status {v!r}: one of {', '.join(sorted(known))}", "invalid-filter"
            )
    return list(dict.fromkeys(values))


def validate_pre_annotation_external_id(value: str | None) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_EXTERNAL_ID:
        raise InvalidInput(
            f"invalid pre-annotation externalId {value!r}: 1 to {MAX_EXTERNAL_ID} characters, not blank",
            "invalid-external-id",
        )


def require_pre_annotation_available(pre_id: str, status: str) -> None:
    """An input starts only from a pre-annotation whose document is here."""
    if status != PreAnnotationStatus.AVAILABLE:
        raise Conflict(
            f"pre-annotation {pre_id} is {status}, not available: make it available first",
            "pre-annotation-not-available",
        )


def require_pre_annotation_replaceable(input_id: str, annotate_started: bool) -> None:
    """An input's pre-annotation can be replaced only until its annotate task has started."""
    if annotate_started:
        raise Conflict(
            f"input {input_id}: annotation has started, its pre-annotation can no longer change",
            "annotation-started",
        )


@dataclass(frozen=True, slots=True)
class AnnotationParts:
    """What an OpenLABEL document names: its frames (by key, with their external ids), its
    objects, and the sensors (streams) it refers to."""

    frame_keys: tuple[str, ...]
    frame_external_ids: tuple[str, ...]
    objects: frozenset[str]
    streams: tuple[str, ...]


def annotation_parts(document: Mapping[str, Any]) -> AnnotationParts:
    """The frames, objects and streams of a (valid) OpenLABEL document, in document order."""
    found = document.get("openlabel") if isinstance(document, Mapping) else None
    ol: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    frames = _mapping(ol.get("frames"))
    keys: list[str] = []
    external: list[str] = []
    streams: dict[str, None] = {}
    declared = ol.get("streams")
    for k in declared if isinstance(declared, Mapping) else ():
        streams[str(k)] = None
    for key, frame in frames.items():
        keys.append(str(key))
        props = frame.get("frame_properties") if isinstance(frame, Mapping) else None
        if isinstance(props, Mapping):
            if props.get("external_id") is not None:
                external.append(str(props["external_id"]))
            if isinstance(props.get("streams"), Mapping):
                for s in props["streams"]:
                    streams.setdefault(str(s), None)
    for s in _stream_attributes(ol):
        streams.setdefault(s, None)
    objects = _mapping(ol.get("objects"))
    return AnnotationParts(tuple(keys), tuple(external), frozenset(str(o) for o in objects), tuple(streams))


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _stream_attributes(node: object) -> Iterator[str]:
    """Every `{"name": "stream", "val": S}` text attribute anywhere in the document."""
    if isinstance(node, Mapping):
        attributes = node.get("attributes")
        if isinstance(attributes, Mapping) and isinstance(attributes.get("text"), list):
            for a in attributes["text"]:
                if isinstance(a, Mapping) and a.get("name") == "stream" and isinstance(a.get("val"), str):
                    yield a["val"]
        for value in node.values():
            yield from _stream_attributes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _stream_attributes(value)


def require_fits_scene(
    document: Mapping[str, Any], scene_frames: Sequence[str | None], sensors: Set[str]
) -> None:
    """A pre-annotation fits its scene: its frames are numbered 0 … n-1 within the scene's n
    frames, a frame's `external_id` (where the scene's frames have ids) is one of the scene's
    frame ids, and every stream it names (declared, in a frame, or on a geometry) is one of the
    scene's sensors. Refused naming the first mismatch."""
    parts = annotation_parts(document)
    n = len(scene_frames)
    ids = [f for f in scene_frames if f is not None]
    ol = document.get("openlabel") or {}
    for key in parts.frame_keys:
        if not key.isdigit() or int(key) >= n:
            raise InvalidInput(
                f"pre-annotation frame {key!r} is not in the scene: its frames are numbered 0 to {n - 1}",
                "pre-annotation-frame-not-in-scene",
            )
        props = (ol.get("frames") or {}).get(key, {}).get("frame_properties") or {}
        ext = props.get("external_id") if isinstance(props, Mapping) else None
        if ext is not None and ids and str(ext) not in ids:
            raise InvalidInput(
                f"pre-annotation frame {key} names frame {ext!r}, which the scene does not have "
                f"(its frames: {', '.join(ids[:20])})",
                "pre-annotation-frame-not-in-scene",
            )
    for stream in parts.streams:
        if stream not in sensors:
            raise InvalidInput(
                f"pre-annotation stream {stream!r} is not a sensor of the scene "
                f"(its sensors: {', '.join(sorted(sensors)) or 'none'})",
                "pre-annotation-sensor-not-in-scene",
            )


def require_feedback_fits(
    items: Sequence[Mapping[str, Any]], annotation_id: str, parts: AnnotationParts
) -> None:
    """Each feedback item of a review names only what the reviewed annotation has: its object id
    an object of the document, its frame one of its frames (the frame's external id, or its key),
    its sensor one of the streams it refers to. Refused naming the item and what is missing."""
    frames = set(parts.frame_external_ids) | set(parts.frame_keys)
    streams = set(parts.streams)
    for n, item in enumerate(items):
        obj, frame, sensor = item.get("objectId"), item.get("frameId"), item.get("sensorId")
        if obj is not None and obj not in parts.objects:
            raise InvalidInput(
                f"feedback item {n}: object {obj!r} is not in annotation {annotation_id}",
                "feedback-not-in-annotation",
            )
        if frame is not None and frame not in frames:
            raise InvalidInput(
                f"feedback item {n}: frame {frame!r} is not in annotation {annotation_id}",
                "feedback-not-in-annotation",
            )
        if sensor is not None and sensor not in streams:
            raise InvalidInput(
                f"feedback item {n}: sensor {sensor!r} is not in annotation {annotation_id}",
                "feedback-not-in-annotation",
            )
