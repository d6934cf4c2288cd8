"""The whole path of the annotation work with the official `kognic-io` client pointed at every one
of its six hosts on one real annobatch server (a real socket, both databases): scenes are created
and the batch published; a workforce member claims, saves and submits through the workforce API
(plain httpx, as any annotation tool would); a reviewer rejects, then accepts; the batch turns
in-progress, then completed; the client follows its requests' progress and its inputs' stages,
assigns and unassigns a task, downloads every annotation through all five `client.annotation`
reads, and reviews deliveries (accepting, and rejecting into a correction). No mock of ours."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from kognic.io.client import KognicIOClient
from kognic.io.model.review.review import AddFeedbackItem, ReviewRequest, ReviewWorkflowEnum
from kognic.io.model.scene import cameras as cam
from kognic.io.model.scene.resources import Image
from requests import HTTPError
from test_inputs_official_client import JPEG

from annobatch.services.accounts import NewCredential
from annobatch.services.deliveries import project_uuid
from annobatch.services.identity import operator
from conftest import Live, unique
from liveserver import six_host_client

TYPE = "object-detection"


def openlabel(*classes: str) -> dict[str, Any]:
    objects = {str(i): {"name": f"{c}-{i}", "type": c} for i, c in enumerate(classes, 1)}
    return {"openlabel": {"metadata": {"schema_version": "1.0.0"}, "objects": objects}}


def classes_of(document: dict[str, Any]) -> list[str]:
    return sorted(o["type"] for o in document["openlabel"].get("objects", {}).values())


@dataclasses.dataclass
class Member:
    """A workforce member driving the workforce API as an annotation tool would."""

    cred: NewCredential
    http: httpx.Client

    @property
    def user_id(self) -> int:
        return int(self.cred.record.user_id)

    def call(self, method: str, path: str, json: Any = None, status: int = 200) -> Any:
        r = self.http.request(method, path, json=json)
        assert r.status_code == status, (method, path, r.status_code, r.text)
        return r.json()

    def claim(self, kind: str | None = None) -> dict[str, Any]:
        body = {"project": "p1", **({"kind": kind} if kind else {})}
        return dict(self.call("POST", "/v1/workforce/tasks/claim", body)["data"])

    def submit(self, task: str, *classes: str) -> list[dict[str, Any]]:
        body = {"annotations": {TYPE: openlabel(*classes)}}
        return list(self.call("POST", f"/v1/workforce/tasks/{task}/submit", body)["data"])

    def review(self, task: str, accepted: bool, feedback: list[dict[str, Any]] | None = None) -> Any:
        body = {"accepted": accepted, "feedbackItems": feedback or []}
        return self.call("POST", f"/v1/workforce/tasks/{task}/review", body)["data"]


@dataclasses.dataclass
class Org:
    live: Live
    org: int
    client: KognicIOClient
    annotator: Member
    reviewer: Member
    project_uuid: str

    def scene(self, tmp_path: Path, external_id: str, batch: str = "b1") -> tuple[str, str]:
        """A cameras scene created into `batch`: (scene uuid, input uuid)."""
        img = tmp_path / f"{external_id}.jpg"
        img.write_bytes(JPEG)
        scene = cam.Cameras(external_id=external_id, frame=cam.Frame(images=[Image(filename=str(img))]))
        created = self.client.cameras.create(scene, project="p1", batch=batch)
        assert created is not None and created.request_input_uuid is not None
        return created.scene_uuid, created.request_input_uuid

    def batch_status(self, batch: str = "b1") -> str:
        (found,) = [b for b in self.client.project.get_project_batches("p1") if b.batch == batch]
        return str(found.status.value)

    def counts(self, batch: str = "b1") -> tuple[int, int, int, int]:
        requests = self.client.request.get_requests(
            project_id=self.project_uuid, include_input_progress_counts=True
        )
        (req,) = [r for r in requests if r.title == batch]
        c = req.input_progress_counts
        assert c is not None
        return c.not_started, c.in_progress, c.completed, c.total


def member(live: Live, org: int, role: str, name: str, stack: list[httpx.Client]) -> Member:
    cred = live.world.run(live.world.ops.workforce.create_member(org, role, name))
    live.world.run(live.world.ops.workforce.add_to_project(operator(org), "p1", cred.record.user_id))
    http = httpx.Client(base_url=live.url, timeout=30)
    stack.append(http)
    r = http.post(
        "/v1/auth/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": cred.record.client_id,
            "client_secret": cred.secret,
        },
    )
    assert r.status_code == 200, r.text
    http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return Member(cred, http)


@pytest.fixture
def acme(live: Live) -> Iterator[Org]:
    org = live.world.org(unique("org"))
    cred = live.world.credential(org)
    live.world.project(org, "p1", [TYPE])
    live.world.batch(org, "p1", "b1")
    url = live.url
    client = six_host_client(url, (cred.record.client_id, cred.secret))
    clients: list[httpx.Client] = []
    annotator = member(live, org, "annotator", "ann", clients)
    reviewer = member(live, org, "reviewer", "rev", clients)
    projects = live.world.run(live.world.ops.projects.list_projects(operator(org)))
    (p1,) = [p for p in projects if p.external_id == "p1"]
    yield Org(live, org, client, annotator, reviewer, project_uuid(p1.id))
    for c in clients:
        c.close()


def test_the_whole_path_from_scenes_to_delivered_annotations(acme: Org, tmp_path: Path) -> None:
    client, ann, rev = acme.client, acme.annotator, acme.reviewer
    (s1, i1), (s2, i2) = acme.scene(tmp_path, "front-1"), acme.scene(tmp_path, "front-2")
    assert {i.uuid for i in client.input.query_inputs(project="p1")} == {i1, i2}

    # the request and its inputs, before any work
    (req,) = client.request.get_requests(project_id=acme.project_uuid)
    assert req.title == "b1" and req.input_progress_counts is None
    assert acme.counts() == (2, 0, 0, 2)
    inputs = {i.id: i for i in client.input.get_request_inputs(request_id=req.id)}
    assert set(inputs) == {i1, i2} and {i.status for i in inputs.values()} == {"not_started"}
    first = inputs[i1]
    assert first.scene_id == s1 and first.progress_details is not None
    task = first.progress_details.current_task
    assert task is not None and task.task_type == "annotate" and not task.is_ongoing
    assert first.progress_details.current_workflow_stage.phase.phase_definition.name == "annotate"
    assert [i.id for i in client.input.get_request_inputs(request_id=req.id, scene_id=s2, page_size=1)] == [
        i2
    ]

    # the client assigns the first input's task to the annotator, and back
    client.task.assign_task(task.task_id, ann.user_id)
    assigned = client.input.get_request_input(i1).progress_details
    assert assigned is not None and assigned.current_task is not None
    assert assigned.current_task.assigned_user_id == ann.user_id
    client.task.unassign_task(task.task_id)
    unassigned = client.input.get_request_input(i1).progress_details
    assert unassigned is not None and unassigned.current_task is not None
    assert unassigned.current_task.assigned_user_id is None
    client.task.assign_task(task.task_id, ann.user_id)

    # nothing is handed out before the batch is published
    ann.call("POST", "/v1/workforce/tasks/claim", {"project": "p1"}, status=409)
    client.project.publish_batch("p1", "b1")
    assert acme.batch_status() == "ready"

    # the annotator claims (its own assignment first), reads the scene's files, saves, submits
    claimed = ann.claim()
    t1 = claimed["task"]["id"]
    assert (claimed["task"]["id"], claimed["task"]["kind"], claimed["task"]["inputId"]) == (
        task.task_id,
        "annotate",
        i1,
    )
    assert claimed["annotationTypes"] == [TYPE] and claimed["scene"]["uuid"] == s1
    (f,) = claimed["scene"]["files"]
    assert httpx.get(f["url"]).content == JPEG
    assert acme.batch_status() == "in-progress"
    assert client.input.get_request_input(i1).status == "in_progress"
    ann.call("PUT", f"/v1/workforce/tasks/{t1}/draft", {"annotations": {TYPE: openlabel("car")}})
    assert ann.call("GET", f"/v1/workforce/tasks/{t1}")["data"]["draft"] == {TYPE: openlabel("car")}
    (submitted,) = ann.submit(t1, "car")
    assert submitted["annotationType"] == TYPE
    # submitted is not delivered: the client sees nothing yet
    with pytest.raises(HTTPError) as e:
        client.annotation.get_annotation_for_input(i1)
    assert e.value.response.status_code == 404

    # the reviewer rejects with feedback: a correction for the annotator
    error_types = client.review.get_error_types()
    wrong_class = next(t for t in error_types if t.object_allowed)
    review = rev.claim("review")
    assert review["task"]["kind"] == "review" and review["task"]["inputId"] == i1
    (previous,) = review["versions"]
    assert classes_of(httpx.get(previous["url"]).json()) == ["car"]
    rev.review(review["task"]["id"], False, [{"errorTypeId": wrong_class.error_type_id, "objectId": "1",
                                              "description": "a pedestrian, not a car"}])  # fmt: skip
    correct = ann.claim()
    assert correct["task"]["kind"] == "correct" and correct["task"]["inputId"] == i1
    assert correct["review"]["accepted"] is False
    assert correct["review"]["feedbackItems"][0]["description"] == "a pedestrian, not a car"
    ann.submit(correct["task"]["id"], "pedestrian")
    rev.review(rev.claim("review")["task"]["id"], True)

    # the first input is delivered and completed; the batch is still in progress
    done = client.input.get_request_input(i1)
    assert done.status == "completed" and done.completed_at is not None
    assert done.last_completed_annotation_id is not None
    assert acme.counts() == (1, 0, 1, 2)
    assert acme.batch_status() == "in-progress"

    # the second input, accepted at once; the batch completes
    ann.submit(ann.claim()["task"]["id"], "car", "cyclist")
    rev.review(rev.claim("review")["task"]["id"], True)
    assert acme.counts() == (0, 0, 2, 2)
    assert acme.batch_status() == "completed"
    ann.call("POST", "/v1/workforce/tasks/claim", {"project": "p1"}, status=409)

    # every annotation, through all five reads
    by_scene = {a.scene_uuid: a for a in client.annotation.get_project_annotations("p1", TYPE)}
    assert set(by_scene) == {s1, s2}
    assert classes_of(by_scene[s1].content or {}) == ["pedestrian"]
    assert classes_of(by_scene[s2].content or {}) == ["car", "cyclist"]
    light = list(client.annotation.get_project_annotations("p1", TYPE, include_content=False))
    assert {a.scene_uuid for a in light} == {s1, s2} and all(a.content is None for a in light)
    assert {a.scene_uuid for a in client.annotation.get_project_annotations("p1", TYPE, batch="b1")} == {
        s1,
        s2,
    }
    one = client.annotation.get_annotation(s1, TYPE)
    assert (one.scene_uuid, one.annotation_type, classes_of(one.content or {})) == (s1, TYPE, ["pedestrian"])
    of_input = client.annotation.get_annotation_for_input(i2)
    assert (of_input.input_uuid, of_input.scene_uuid, of_input.is_preliminary) == (i2, s2, False)
    assert classes_of(of_input.content or {}) == ["car", "cyclist"]
    (of_scene,) = client.annotation.get_annotations_for_scene(s1)
    assert of_scene.input_uuid == i1 and classes_of(of_scene.content or {}) == ["pedestrian"]
    aid = client.input.get_request_input(i1).last_completed_annotation_id
    assert aid is not None
    by_id = client.annotation.get_annotation_by_id(aid)
    assert (by_id.input_uuid, by_id.scene_uuid, by_id.is_preliminary) == (i1, s1, False)
    assert by_id.request_uid == req.id and classes_of(by_id.content or {}) == ["pedestrian"]

    # the client accepts one delivery and rejects the other into a correction
    accepted = client.review.create_review(aid, ReviewRequest(accepted=True))
    assert client.review.get_review(accepted.created_review_id).input_uuid == i1
    aid2 = client.input.get_request_input(i2).last_completed_annotation_id
    assert aid2 is not None
    item = AddFeedbackItem(
        error_type_id=wrong_class.error_type_id, object_id="2", description="not a cyclist"
    )
    rejected = client.review.create_review(
        aid2, ReviewRequest(accepted=False, feedback_items=[item], workflow=ReviewWorkflowEnum.CORRECT)
    )
    got = client.review.get_review(rejected.created_review_id)
    (m,) = got.members
    assert (got.input_uuid, m.error_type_id, m.object_id, m.description) == (
        i2,
        wrong_class.error_type_id,
        "2",
        "not a cyclist",
    )
    assert client.review.get_auto_reviews(i2) == []
    assert client.input.get_request_input(i2).status == "in_progress"
    assert acme.batch_status() == "in-progress"
    fix = ann.claim()
    assert fix["task"]["kind"] == "correct" and fix["review"]["feedbackItems"][0]["objectId"] == "2"
    ann.submit(fix["task"]["id"], "car", "pedestrian")
    assert acme.batch_status() == "completed"
    assert classes_of(client.annotation.get_annotation(s2, TYPE).content or {}) == ["car", "pedestrian"]
    # the superseded version is still readable by its id
    assert classes_of(client.annotation.get_annotation_by_id(aid2).content or {}) == ["car", "cyclist"]
    with pytest.raises(HTTPError):
        client.review.create_review(aid2, ReviewRequest(accepted=True))


def test_a_preliminary_delivery_awaits_the_clients_integration_review(acme: Org, tmp_path: Path) -> None:
    live, client, ann = acme.live, acme.client, acme.annotator
    live.world.batch(acme.org, "p1", "b2")
    staff = operator(acme.org)
    live.world.run(
        live.world.ops.workforce.set_batch_workflow(staff, "p1", "b2", ["annotate", "integration-review"])
    )
    scene, iid = acme.scene(tmp_path, "rear-1", batch="b2")
    client.project.publish_batch("p1", "b2")
    ann.submit(ann.claim()["task"]["id"], "car")
    ri = client.input.get_request_input(iid)
    assert ri.status == "in_progress" and ri.progress_details is not None
    assert ri.progress_details.available_for_integration_review is True
    assert ri.progress_details.current_workflow_stage.phase.phase_definition.name == "integration-review"
    aid = ri.last_completed_annotation_id
    assert aid is not None
    prelim = client.annotation.get_annotation_by_id(aid)
    assert prelim.is_preliminary is True and prelim.scene_uuid == scene
    assert classes_of(prelim.content or {}) == ["car"]
    assert acme.batch_status("b2") == "in-progress"
    client.review.create_review(aid, ReviewRequest(accepted=True))
    assert client.input.get_request_input(iid).status == "completed"
    assert acme.batch_status("b2") == "completed"
    assert client.annotation.get_annotation_by_id(aid).is_preliminary is False  # accepted: final


def test_workforce_credentials_reach_none_of_the_clients_api(acme: Org) -> None:
    ann = acme.annotator
    for method, path in [("GET", "/v1/projects"), ("GET", f"/v2/requests?projectId={acme.project_uuid}"),
                         ("POST", "/v2/inputs/query"), ("GET", "/v1/workspaces")]:  # fmt: skip
        r = ann.http.request(method, path, json={})
        assert (r.status_code, r.json()) == (404, {"message": "no such endpoint", "code": "not-found"}), path
    assert ann.call("GET", "/v1/reviews/error-types")["data"]
    assert [p["project"] for p in ann.call("GET", "/v1/workforce/projects")["data"]] == ["p1"]
