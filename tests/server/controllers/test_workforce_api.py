"""The workforce API: claim, read (signed file and version URLs), save a draft, submit, give up,
review; only a member's own projects' tasks; workforce credentials reach nothing else."""

from __future__ import annotations

import pytest
from crew_testing import TYPE, Crew, api, crew, openlabel

__all__ = ["api", "crew"]  # the fixtures


def download(crew: Crew, url: str) -> bytes:
    r = crew.client.get(url.removeprefix("http://testserver.local"))
    assert r.status_code == 200, r.text
    return r.content


def test_a_member_claims_reads_the_scene_saves_and_submits(crew: Crew) -> None:
    crew.publish()
    d = crew.claim(crew.annotator, project="p1")
    t = d["task"]
    assert (t["kind"], t["status"], t["holder"], t["phase"]) == ("annotate", "ongoing", crew.annotator_id, 0)
    assert (d["project"], d["batch"], d["workflow"], d["annotationTypes"]) == (
        "p1",
        "b1",
        ["annotate", "review"],
        [TYPE],
    )
    assert d["scene"]["uuid"] == crew.scenes[0] and d["scene"]["sceneType"] == "cameras"
    assert d["scene"]["description"]["frames"] or d["scene"]["description"]
    (f,) = d["scene"]["files"]
    assert f["sensorName"] == "CAM" and download(crew, f["url"]).startswith(b"\xff\xd8")
    assert d["draft"] is None and d["versions"] == [] and d["review"] is None
    path = f"/v1/workforce/tasks/{t['id']}"
    saved = crew.call("PUT", f"{path}/draft", crew.annotator, {"annotations": {TYPE: openlabel("car")}})[
        "data"
    ]
    assert saved["touched"] is not None
    assert crew.call("GET", path, crew.annotator)["data"]["draft"] == {TYPE: openlabel("car")}
    (v,) = crew.submit(crew.annotator, t["id"], "car")["data"]
    assert v["annotationType"] == TYPE
    assert crew.call("GET", path, crew.annotator)["data"]["task"]["status"] == "done"
    # the reviewer sees the submitted version through its signed URL
    r = crew.claim(crew.reviewer)
    assert r["task"]["kind"] == "review" and r["task"]["inputId"] == t["inputId"]
    (version,) = r["versions"]
    assert version["id"] == v["id"] and version["delivered"] is None
    assert b'"car"' in download(crew, version["url"])


def test_a_rejection_with_feedback_gives_the_annotator_a_correction(crew: Crew) -> None:
    crew.publish()
    a = crew.claim(crew.annotator)
    crew.submit(crew.annotator, a["task"]["id"], "car")
    r = crew.claim(crew.reviewer)
    item = {"errorTypeId": "wrong-class", "objectId": "1", "description": "a pedestrian"}
    types = {e["errorTypeId"] for e in crew.call("GET", "/v1/reviews/error-types", crew.reviewer)["data"]}
    if "wrong-class" not in types:
        item["errorTypeId"] = sorted(types)[0]
    review = crew.review(r["task"]["id"], False, [item])
    assert review["accepted"] is False and review["feedbackItems"][0]["description"] == "a pedestrian"
    c = crew.claim(crew.annotator)
    assert c["task"]["kind"] == "correct" and c["task"]["assignee"] == crew.annotator_id
    assert c["review"]["id"] == review["id"] and c["review"]["feedbackItems"][0]["objectId"] == "1"
    assert [v["annotationType"] for v in c["versions"]] == [TYPE]


def test_listing_tasks_filters_and_pages(crew: Crew) -> None:
    crew.publish()
    crew.claim(crew.annotator)
    listed = crew.call("GET", "/v1/workforce/tasks?project=p1&kind=annotate", crew.annotator)
    assert [t["status"] for t in listed["data"]] == ["ongoing", "todo"]
    assert listed["metadata"] == {"nextCursorId": None}
    first = crew.call("GET", "/v1/workforce/tasks?limit=1", crew.annotator)
    cursor = first["metadata"]["nextCursorId"]
    assert cursor == first["data"][0]["id"]
    second = crew.call("GET", f"/v1/workforce/tasks?limit=1&cursorId={cursor}", crew.annotator)
    assert second["data"][0]["id"] != cursor
    assert crew.call("GET", "/v1/workforce/tasks?status=todo", crew.annotator)["data"][0]["status"] == "todo"


def test_giving_up_hands_the_task_back(crew: Crew) -> None:
    crew.publish()
    t = crew.claim(crew.annotator)["task"]
    back = crew.call("POST", f"/v1/workforce/tasks/{t['id']}/give-up", crew.annotator)["data"]
    assert (back["status"], back["holder"]) == ("todo", None)
    assert crew.claim(crew.annotator)["task"]["id"] == t["id"]


def test_nothing_to_claim_is_a_conflict_naming_the_rule(crew: Crew) -> None:
    r = crew.client.post("/v1/workforce/tasks/claim", json={}, headers=crew.annotator)
    assert (r.status_code, r.json()["code"]) == (409, "nothing-to-claim")  # the batch is still open
    crew.publish()
    crew.claim(crew.annotator)
    crew.claim(crew.annotator)
    r = crew.client.post("/v1/workforce/tasks/claim", headers=crew.annotator)
    assert (r.status_code, r.json()["code"]) == (409, "nothing-to-claim")


def test_a_bad_document_is_refused_naming_the_type_and_nothing_changes(crew: Crew) -> None:
    crew.publish()
    t = crew.claim(crew.annotator)["task"]
    path = f"/v1/workforce/tasks/{t['id']}/submit"
    r = crew.client.post(path, json={"annotations": {TYPE: {"openlabel": {}}}}, headers=crew.annotator)
    assert r.status_code == 400 and TYPE in r.json()["message"] and r.json()["code"] == "invalid-openlabel"
    r = crew.client.post(path, json={"annotations": {"lanes": openlabel("car")}}, headers=crew.annotator)
    assert r.status_code == 400 and "lanes" in r.json()["message"]
    r = crew.client.post(path, json={"annotations": []}, headers=crew.annotator)
    assert r.status_code == 400 and "annotations" in r.json()["message"]
    assert (
        crew.call("GET", f"/v1/workforce/tasks/{t['id']}", crew.annotator)["data"]["task"]["status"]
        == "ongoing"
    )


def test_only_the_holder_may_save_submit_or_give_up(crew: Crew) -> None:
    crew.publish()
    t = crew.claim(crew.annotator)["task"]
    _, other = crew.member("annotator")
    path = f"/v1/workforce/tasks/{t['id']}"
    calls = [
        ("PUT", "/draft", {"annotations": {}}),
        ("POST", "/submit", {"annotations": {TYPE: openlabel()}}),
        ("POST", "/give-up", None),
    ]
    for method, suffix, body in calls:
        r = crew.client.request(method, path + suffix, json=body, headers=other)
        assert (r.status_code, r.json()["code"]) == (403, "task-not-held"), suffix


def test_a_member_sees_only_their_projects_tasks(crew: Crew) -> None:
    crew.world.project(crew.api.org, "p2", [TYPE])
    crew.publish()
    t = crew.claim(crew.annotator)["task"]
    _, outsider = crew.member("annotator", project="p2")
    assert (
        crew.call("GET", f"/v1/workforce/tasks/{t['id']}", outsider, status=404)["code"] == "task-not-found"
    )
    assert crew.call("GET", "/v1/workforce/tasks", outsider)["data"] == []
    assert [p["project"] for p in crew.call("GET", "/v1/workforce/projects", outsider)["data"]] == ["p2"]
    r = crew.client.post("/v1/workforce/tasks/claim", json={"project": "p1"}, headers=outsider)
    assert r.status_code == 404
    # another organization's member and client find nothing either
    other_org = crew.world.org("globex")
    _, foreign = crew.member("annotator", project=None, org=other_org)
    assert crew.client.get(f"/v1/workforce/tasks/{t['id']}", headers=foreign).status_code == 404
    from conftest import bearer

    stranger = bearer(crew.client, crew.world.credential(other_org))
    assert crew.client.get(f"/v1/workforce/tasks/{t['id']}", headers=stranger).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/projects"), ("GET", "/v1/projects/p1/batches"), ("POST", "/v2/inputs/query"),
     ("GET", "/v2/requests?projectId=p1"), ("GET", "/v1/workspaces"), ("GET", "/v1/calibrations"),
     ("PATCH", "/v1/tasks/00000000-0000-4000-8000-000000000000")],
)  # fmt: skip
def test_workforce_credentials_reach_none_of_the_clients_api(crew: Crew, method: str, path: str) -> None:
    for h in (crew.annotator, crew.reviewer):
        r = crew.client.request(method, path, headers=h, json={"assignedUserId": 1})
        assert (r.status_code, r.json()) == (404, {"message": "no such endpoint", "code": "not-found"})
    r = crew.client.get(f"/v2/scenes/{crew.scenes[0]}", headers=crew.annotator)
    assert r.status_code == 404
    assert crew.call("GET", "/v1/reviews/error-types", crew.annotator)["data"]


def test_a_dry_run_claim_changes_nothing_and_a_retried_key_answers_the_first_claim(crew: Crew) -> None:
    crew.publish()
    h = crew.annotator
    dry = crew.call("POST", "/v1/workforce/tasks/claim", {**h, "X-Dryrun": ""}, {})["data"]
    assert dry["task"]["status"] == "ongoing"
    assert crew.call("GET", "/v1/workforce/tasks?status=ongoing", h)["data"] == []
    first = crew.call("POST", "/v1/workforce/tasks/claim", {**h, "Idempotency-Key": "k1"}, {})["data"]
    again = crew.call("POST", "/v1/workforce/tasks/claim", {**h, "Idempotency-Key": "k1"}, {})["data"]
    assert again["task"]["id"] == first["task"]["id"]
    assert len(crew.call("GET", "/v1/workforce/tasks?status=ongoing", h)["data"]) == 1
    r = crew.client.post(
        "/v1/workforce/tasks/claim", json={"kind": "annotate"}, headers={**h, "Idempotency-Key": "k1"}
    )
    assert (r.status_code, r.json()["code"]) == (409, "idempotency-key-reused")


def test_a_dry_run_submit_validates_and_stores_nothing(crew: Crew) -> None:
    crew.publish()
    t = crew.claim(crew.annotator)["task"]
    dry = {**crew.annotator, "X-Dryrun": ""}
    crew.submit(dry, t["id"], "car")
    detail = crew.call("GET", f"/v1/workforce/tasks/{t['id']}", crew.annotator)["data"]
    assert detail["task"]["status"] == "ongoing" and detail["versions"] == []
    r = crew.client.post(
        f"/v1/workforce/tasks/{t['id']}/submit", json={"annotations": {TYPE: {}}}, headers=dry
    )
    assert r.status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("POST", "/v1/workforce/tasks/claim", {"kind": "paint"}),
     ("POST", "/v1/workforce/tasks/claim", {"project": 5}),
     ("GET", "/v1/workforce/tasks?status=bogus", None), ("GET", "/v1/workforce/tasks?kind=bogus", None),
     ("GET", "/v1/workforce/tasks?limit=0", None), ("GET", "/v1/workforce/tasks?cursorId=nope", None),
     ("GET", "/v1/workforce/tasks?batch=b1", None), ("GET", "/v1/workforce/tasks/nope", None),
     ("POST", "/v1/workforce/tasks/nope/review", {"accepted": True}),
     ("POST", "/v1/workforce/tasks/00000000-0000-4000-8000-000000000000/review", {"feedbackItems": []}),
     ("PUT", "/v1/workforce/tasks/00000000-0000-4000-8000-000000000000/draft", {"annotations": "x"})],
)  # fmt: skip
def test_bad_input_is_400_naming_the_rule(crew: Crew, method: str, path: str, body: object) -> None:
    r = crew.client.request(method, path, json=body, headers=crew.annotator)
    assert r.status_code == 400 and r.json()["message"], r.text


def test_staff_may_use_the_workforce_api_and_clients_may_not(crew: Crew) -> None:
    from conftest import bearer

    crew.publish()
    staff = {
        **bearer(crew.client, crew.world.credential(crew.world.org("vendor"), staff=True)),
        "X-Organization-Id": str(crew.api.org),
    }
    assert crew.claim(staff)["task"]["kind"] == "annotate"
    r = crew.client.get("/v1/workforce/projects", headers=crew.api.headers)
    assert (r.status_code, r.json()) == (404, {"message": "no such endpoint", "code": "not-found"})
