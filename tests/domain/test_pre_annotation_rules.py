"""The pre-annotation rules: a document fits its scene (frames, frame ids, streams), a review's
feedback fits the annotation it is about, the listing's status filter, and when an input's
pre-annotation may change."""

from __future__ import annotations

from typing import Any

import pytest

from annobatch.domain import (
    Conflict,
    InvalidInput,
    annotation_parts,
    parse_pre_annotation_statuses,
    require_feedback_fits,
    require_fits_scene,
    require_pre_annotation_available,
    require_pre_annotation_replaceable,
    validate_pre_annotation_external_id,
)


def doc(
    frames: dict[str, dict[str, Any]] | None = None,
    streams: list[str] = (),  # type: ignore[assignment]
    objects: dict[str, Any] | None = None,
) -> dict[str, Any]:
    ol: dict[str, Any] = {"metadata": {"schema_version": "1.0.0"}}
    if frames is not None:
        ol["frames"] = frames
    if streams:
        ol["streams"] = {s: {"type": "camera"} for s in streams}
    if objects is not None:
        ol["objects"] = objects
    return {"openlabel": ol}


def frame(
    external_id: str | None = None, streams: list[str] = (), boxes_in: str | None = None
) -> dict[str, Any]:  # type: ignore[assignment]
    props: dict[str, Any] = {"timestamp": 0}
    if external_id is not None:
        props["external_id"] = external_id
    if streams:
        props["streams"] = {s: {} for s in streams}
    out: dict[str, Any] = {"frame_properties": props}
    if boxes_in is not None:
        attrs = {"text": [{"name": "stream", "val": boxes_in}]}
        out["objects"] = {
            "1": {"object_data": {"bbox": [{"name": "b", "val": [0, 0, 1, 1], "attributes": attrs}]}}
        }
    return out


SEQUENCE = ["f1", "f2", "f3"]


@pytest.mark.parametrize(
    ("document", "frames", "sensors", "error"),
    [
        (doc(), [None], {"CAM"}, None),
        (doc({"0": frame()}, ["CAM"]), [None], {"CAM"}, None),
        (doc({"0": frame("f1"), "2": frame("f3")}), SEQUENCE, {"CAM"}, None),
        (doc({"0": frame(boxes_in="CAM")}), [None], {"CAM", "lidar"}, None),
        # a single-frame scene's frame may carry any external id: it has none to match
        (doc({"0": frame("anything")}), [None], {"CAM"}, None),
        (
            doc({"1": frame()}),
            [None],
            {"CAM"},
            "frame '1' is not in the scene: its frames are numbered 0 to 0",
        ),
        (doc({"3": frame()}), SEQUENCE, {"CAM"}, "frame '3' is not in the scene"),
        (doc({"x": frame()}), SEQUENCE, {"CAM"}, "frame 'x' is not in the scene"),
        (
            doc({"0": frame("f9")}),
            SEQUENCE,
            {"CAM"},
            "frame 0 names frame 'f9', which the scene does not have",
        ),
        (
            doc(streams=["RADAR"]),
            [None],
            {"CAM"},
            "stream 'RADAR' is not a sensor of the scene (its sensors: CAM)",
        ),
        (doc({"0": frame(streams=["RADAR"])}), [None], {"CAM"}, "stream 'RADAR'"),
        (doc({"0": frame(boxes_in="lidar")}), [None], {"CAM"}, "stream 'lidar'"),
        # the first mismatch is named: frames before streams
        (doc({"5": frame()}, ["RADAR"]), [None], {"CAM"}, "frame '5'"),
    ],
)
def test_a_pre_annotation_fits_its_scene(
    document: dict[str, Any], frames: list[str | None], sensors: set[str], error: str | None
) -> None:
    if error is None:
        require_fits_scene(document, frames, sensors)
        return
    with pytest.raises(InvalidInput) as e:
        require_fits_scene(document, frames, sensors)
    assert error in e.value.message
    assert e.value.code.startswith("pre-annotation-")


def test_the_parts_of_an_annotation() -> None:
    d = doc({"0": frame("f1", ["CAM"], boxes_in="lidar"), "1": frame("f2")}, ["CAM"], {"1": {}, "2": {}})
    parts = annotation_parts(d)
    assert parts.frame_keys == ("0", "1")
    assert parts.frame_external_ids == ("f1", "f2")
    assert parts.objects == frozenset({"1", "2"})
    assert parts.streams == ("CAM", "lidar")
    assert annotation_parts({}) == annotation_parts({"openlabel": None})


PARTS = annotation_parts(doc({"0": frame("f1", ["CAM"])}, ["CAM"], {"1": {}}))


@pytest.mark.parametrize(
    ("items", "error"),
    [
        ([], None),
        ([{"errorTypeId": "other"}], None),
        ([{"objectId": "1", "frameId": "f1", "sensorId": "CAM"}], None),
        ([{"frameId": "0"}], None),  # the frame's key names it too
        ([{"objectId": "2"}], "feedback item 0: object '2' is not in annotation A"),
        ([{"objectId": "1"}, {"frameId": "f2"}], "feedback item 1: frame 'f2' is not in annotation A"),
        ([{"sensorId": "lidar"}], "feedback item 0: sensor 'lidar' is not in annotation A"),
    ],
)
def test_feedback_names_only_what_the_annotation_has(items: list[dict[str, Any]], error: str | None) -> None:
    if error is None:
        require_feedback_fits(items, "A", PARTS)
        return
    with pytest.raises(InvalidInput) as e:
        require_feedback_fits(items, "A", PARTS)
    assert e.value.message == error and e.value.code == "feedback-not-in-annotation"


def test_the_status_filter_takes_known_statuses_only() -> None:
    assert parse_pre_annotation_statuses(["available", "indexed", "available"]) == ["available", "indexed"]
    with pytest.raises(InvalidInput, match="unknown pre-annotation status 'done'"):
        parse_pre_annotation_statuses(["available", "done"])


@pytest.mark.parametrize("value", ["", "  ", "x" * 257])
def test_a_bad_external_id_is_refused(value: str) -> None:
    with pytest.raises(InvalidInput, match="invalid pre-annotation externalId"):
        validate_pre_annotation_external_id(value)


def test_external_ids_are_optional() -> None:
    validate_pre_annotation_external_id(None)
    validate_pre_annotation_external_id("model-v2")


@pytest.mark.parametrize(("status", "ok"), [("available", True), ("indexed", False), ("failed", False)])
def test_an_input_starts_only_from_an_available_pre_annotation(status: str, ok: bool) -> None:
    if ok:
        require_pre_annotation_available("p", status)
    else:
        with pytest.raises(Conflict, match=f"pre-annotation p is {status}, not available"):
            require_pre_annotation_available("p", status)


def test_an_inputs_pre_annotation_changes_only_before_annotation_starts() -> None:
    require_pre_annotation_replaceable("i", annotate_started=False)
    with pytest.raises(Conflict) as e:
        require_pre_annotation_replaceable("i", annotate_started=True)
    assert e.value.code == "annotation-started"
