"""Pre-annotations and the client's reviews with the official `kognic-io` client on all six hosts of
one real annobatch server (a real socket, both databases): `client.pre_annotation` (create, dry
run, list with its filters, get_with_content by id and by external id, delete,
make_indexed_pre_annotation_available), `client.input.create_from_pre_annotation`,
`create_from_scene(..., pre_annotation_uuid=...)` and `update_pre_annotation` (409 once annotation
has started), the annotator's draft starting from the pre-annotation, and `client.review`
(error types, a review whose feedback must fit the annotation, get_review, and the auto reviews a
workforce tool posts). No mock of ours."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from kognic.io.client import KognicIOClient
from kognic.io.model.review.review import (
    AddFeedbackItem,
    AddFeedbackItemPin,
    ReviewRequest,
    ReviewWorkflowEnum,
)
from kognic.io.model.scene import cameras as cam
from kognic.io.model.scene.resources import Image
from kognic.openlabel.models import OpenLabelAnnotation
from requests import HTTPError
from test_annotation_work_official_client import TYPE, Org
from test_annotation_work_official_client import acme as work_org  # noqa: F401  (the fixture)
from test_inputs_official_client import JPEG

from conftest import unique


def document(*objects: tuple[str, str], stream: str = "CAM", frame: str | None = None) -> dict[str, Any]:
    """OpenLABEL with objects (uid, class), each with a box in `stream` in frame 0."""
    frame_objects = {
        uid: {
            "object_data": {
                "bbox": [
                    {
                        "name": "box",
                        "val": [1.0, 1.0, 2.0, 2.0],
                        "attributes": {"text": [{"name": "stream", "val": stream}]},
                    }
                ]
            }
        }
        for uid, _ in objects
    }
    props: dict[str, Any] = {"timestamp": 0, "streams": {stream: {}}}
    if frame is not None:
        props["external_id"] = frame
    return {
        "openlabel": {
            "metadata": {"schema_version": "1.0.0"},
            "objects": {uid: {"name": uid, "type": cls} for uid, cls in objects},
            "frames": {"0": {"frame_properties": props, "objects": frame_objects}},
            "streams": {stream: {"type": "camera", "description": ""}},
        }
    }


def model(doc: dict[str, Any]) -> OpenLabelAnnotation:
    return OpenLabelAnnotation.model_validate(doc)


def bare_scene(acme: Org, tmp_path: Path, external_id: str) -> str:
    """A cameras scene (sensor CAM) in no project: a pre-annotation's scene."""
    img = tmp_path / f"{external_id}.jpg"
    img.write_bytes(JPEG)
    scene = cam.Cameras(
        external_id=external_id, frame=cam.Frame(images=[Image(filename=str(img), sensor_name="CAM")])
    )
    created = acme.client.cameras.create(scene)
    assert created is not None
    return created.scene_uuid


def test_pre_annotations_through_the_official_client(work_org: Org, tmp_path: Path) -> None:  # noqa: F811
    acme = work_org
    client, ann = acme.client, acme.annotator
    s1 = bare_scene(acme, tmp_path, "pre-scene-1")

    # a dry run validates and answers an id, keeping nothing
    dry = client.pre_annotation.create(s1, model(document(("1", "car"))), dryrun=True, external_id="dry")
    assert dry.id
    assert client.pre_annotation.list(scene_uuids=[s1]) == []

    p1 = client.pre_annotation.create(
        s1, model(document(("1", "car"))), dryrun=False, external_id="model-a"
    ).id
    p2 = client.pre_annotation.create(
        s1, model(document(("1", "truck"))), dryrun=False, external_id="model-b"
    ).id
    listed = client.pre_annotation.list(scene_uuids=[s1])
    assert [(p["id"], p["externalId"], p["status"]) for p in listed] == [
        (p1, "model-a", "available"),
        (p2, "model-b", "available"),
    ]
    assert [p["id"] for p in client.pre_annotation.list(ids=[p2])] == [p2]
    assert [p["id"] for p in client.pre_annotation.list(external_ids=["model-a"])] == [p1]
    assert [p["id"] for p in client.pre_annotation.list(scene_external_ids=["pre-scene-1"])] == [p1, p2]
    assert client.pre_annotation.list(statuses=["indexed"], scene_uuids=[s1]) == []
    resolved = client.pre_annotation.get_with_content(uuid=p1)
    assert (resolved.uuid, resolved.scene_uuid, resolved.external_id) == (p1, s1, "model-a")
    assert resolved.content.openlabel.objects is not None and "1" in resolved.content.openlabel.objects
    by_name = client.pre_annotation.get_with_content(scene_uuid=s1, external_id="model-b")
    assert by_name.uuid == p2
    client.pre_annotation.make_indexed_pre_annotation_available(p1)  # available already: nothing to do

    # bad input: a stream the scene does not have, a frame it does not have, a taken external id,
    # another organization's scene
    with pytest.raises(RuntimeError, match="stream 'LIDAR' is not a sensor of the scene"):
        client.pre_annotation.create(s1, model(document(("1", "car"), stream="LIDAR")), dryrun=False)
    bad_frame = document(("1", "car"))
    bad_frame["openlabel"]["frames"]["3"] = bad_frame["openlabel"]["frames"].pop("0")
    with pytest.raises(RuntimeError, match="frame '3' is not in the scene"):
        client.pre_annotation.create(s1, model(bad_frame), dryrun=False)
    with pytest.raises(HTTPError) as conflict:
        client.pre_annotation.create(s1, model(document(("1", "car"))), dryrun=False, external_id="model-a")
    assert conflict.value.response.status_code == 409
    other = acme.live.world.org(unique("other"))
    other_cred = acme.live.world.credential(other)
    stranger = KognicIOClient(
        auth=(other_cred.record.client_id, other_cred.secret),
        host=acme.live.url,
        auth_host=acme.live.url,
        workspace_api_host=acme.live.url,
    )
    with pytest.raises(HTTPError) as missing:
        stranger.pre_annotation.create(s1, model(document()), dryrun=False)
    assert missing.value.response.status_code == 404
    assert stranger.pre_annotation.list() == []
    with pytest.raises(HTTPError) as hidden:
        stranger.pre_annotation.get_with_content(uuid=p1)
    assert hidden.value.response.status_code == 404

    # an input made from a pre-annotation, which the client changes before annotation starts
    made = client.input.create_from_pre_annotation(p1, project="p1", batch="b1")
    assert made is not None and made.scene_uuid == s1
    client.input.update_pre_annotation(made.uuid, p2)
    client.input.update_pre_annotation(made.uuid, p1)
    with pytest.raises(HTTPError) as in_use:
        client.pre_annotation.delete(p1)
    assert in_use.value.response.status_code == 409
    client.pre_annotation.delete(p2)
    assert [p["id"] for p in client.pre_annotation.list(scene_uuids=[s1])] == [p1]

    # a second scene's input from create_from_scene with a pre-annotation
    s2 = bare_scene(acme, tmp_path, "pre-scene-2")
    p3 = client.pre_annotation.create(s2, model(document(("7", "bus"))), dryrun=False).id
    assert client.pre_annotation.get_with_content(uuid=p3).external_id == ""
    second = client.input.create_from_scene(s2, pre_annotation_uuid=p3, project="p1", batch="b1")
    assert second is not None and second.scene_uuid == s2
    assert client.input.create_from_pre_annotation(p3, project="p1", batch="b1", dryrun=True) is None

    # the target named by its request (the batch's requestUid)
    (request,) = [r for r in client.request.get_requests(project_id=acme.project_uuid) if r.title == "b1"]
    s3 = bare_scene(acme, tmp_path, "pre-scene-3")
    p4 = client.pre_annotation.create(s3, model(document(("8", "van"))), dryrun=False).id
    third = client.input.create_from_pre_annotation(p4, request_uuid=request.id)
    assert third is not None and (third.scene_uuid, third.request_uid) == (s3, request.id)
    with pytest.raises(HTTPError) as no_request:
        client.input.create_from_pre_annotation(p4, request_uuid="00000000-0000-4000-8000-000000000000")
    assert no_request.value.response.status_code == 404

    # the annotator's task starts from the pre-annotation; then it can no longer change
    client.project.publish_batch("p1", "b1")
    first = ann.claim()
    assert first["task"]["inputId"] == made.uuid
    assert first["draft"] == {TYPE: document(("1", "car"))} and first["preAnnotationUuid"] == p1
    with pytest.raises(HTTPError) as started:
        client.input.update_pre_annotation(made.uuid, p1)
    assert started.value.response.status_code == 409
    drafts = [ann.claim()["draft"] for _ in range(2)]
    assert sorted(next(iter(d[TYPE]["openlabel"]["objects"])) for d in drafts) == ["7", "8"]


def test_client_reviews_and_auto_reviews_through_the_official_client(work_org: Org, tmp_path: Path) -> None:  # noqa: F811
    acme = work_org
    client, ann, rev = acme.client, acme.annotator, acme.reviewer
    _, i1 = acme.scene(tmp_path, "rev-1")
    client.project.publish_batch("p1", "b1")
    ann.submit(ann.claim()["task"]["id"], "car", "pedestrian")
    rev.review(rev.claim("review")["task"]["id"], True)
    aid = client.input.get_request_input(i1).last_completed_annotation_id
    assert aid is not None

    types = {t.error_type_id: t for t in client.review.get_error_types()}
    assert {"missing-object", "wrong-class", "other"} <= set(types)
    no_object = next(t for t in types.values() if not t.object_allowed)
    no_pin = next(t for t in types.values() if not t.pin_allowed)
    with_object = next(t for t in types.values() if t.object_allowed)

    def reject(*items: AddFeedbackItem) -> Any:
        return client.review.create_review(
            aid,
            ReviewRequest(accepted=False, feedback_items=list(items), workflow=ReviewWorkflowEnum.CORRECT),
        )

    # feedback is checked against the error type and against the annotation: nothing is kept
    with pytest.raises(RuntimeError, match="feedback item 0: object '9' is not in annotation"):
        reject(AddFeedbackItem(error_type_id=with_object.error_type_id, object_id="9"))
    with pytest.raises(RuntimeError, match="feedback item 1: frame 'f-9' is not in annotation"):
        reject(
            AddFeedbackItem(error_type_id=with_object.error_type_id, object_id="1"),
            AddFeedbackItem(error_type_id="other", frame_id="f-9"),
        )
    with pytest.raises(RuntimeError, match="sensor 'RADAR' is not in annotation"):
        reject(AddFeedbackItem(error_type_id="other", sensor_id="RADAR"))
    with pytest.raises(RuntimeError, match=f"error type {no_object.error_type_id} names no object"):
        reject(AddFeedbackItem(error_type_id=no_object.error_type_id, object_id="1"))
    with pytest.raises(RuntimeError, match=f"error type {no_pin.error_type_id} takes no pin"):
        reject(AddFeedbackItem(error_type_id=no_pin.error_type_id, pin=AddFeedbackItemPin(x=1, y=2)))
    with pytest.raises(RuntimeError, match="unknown errorTypeId 'nope'"):
        reject(AddFeedbackItem(error_type_id="nope"))
    assert client.input.get_request_input(i1).status == "completed"

    # an automatic check posts its review through the workforce API; the client reads it
    assert client.review.get_auto_reviews(i1) == []
    body = {
        "accepted": False,
        "feedbackItems": [{"errorTypeId": with_object.error_type_id, "objectId": "2", "description": "auto"}],
    }
    posted = rev.call("POST", f"/v1/workforce/inputs/{i1}/auto-reviews", body)["data"]["id"]
    bad = {"accepted": False, "feedbackItems": [{"errorTypeId": "other", "objectId": "42"}]}
    rev.call("POST", f"/v1/workforce/inputs/{i1}/auto-reviews", bad, status=400)
    (auto,) = client.review.get_auto_reviews(i1)
    (m,) = auto.members
    assert (auto.id, auto.input_uuid, m.object_id, m.description) == (posted, i1, "2", "auto")
    assert client.review.get_review(posted).input_uuid == i1
    assert client.input.get_request_input(i1).status == "completed"  # an auto review moves no work

    # a rejection that fits reopens the input
    made = reject(AddFeedbackItem(error_type_id=with_object.error_type_id, object_id="1", description="bus"))
    got = client.review.get_review(made.created_review_id)
    assert [(x.object_id, x.description) for x in got.members] == [("1", "bus")]
    assert client.input.get_request_input(i1).status == "in_progress"
    fix = ann.claim()
    assert fix["task"]["kind"] == "correct" and fix["review"]["feedbackItems"][0]["objectId"] == "1"
