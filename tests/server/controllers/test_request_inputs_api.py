"""`GET /v2/request-inputs[/<id>]`: a request's inputs with their work status, workflow stage and
current task, page by page."""

from __future__ import annotations

from scenes_testing import Api, api, cameras_body
from work_testing import Work, work

from annobatch.services.deliveries import request_uid

__all__ = ["api", "work"]  # the fixtures


def test_an_input_shows_its_status_stage_and_current_task(work: Work) -> None:
    scene, iid = work.created_input("a", work_status="in_progress")
    tid = work.seed.task(work.batch, iid, org=work.org, status="ongoing", holder=7)
    rid = request_uid(work.batch.id)
    body = work.ok(f"/v2/request-inputs/{iid}")["data"]
    assert (body["id"], body["requestId"], body["sceneId"], body["status"]) == (
        iid,
        rid,
        scene,
        "in_progress",
    )
    details = body["progressDetails"]
    assert details["currentTask"] == {
        "taskId": tid,
        "isOngoing": True,
        "taskType": "annotate",
        "assignedUserId": 7,
    }
    stage = details["currentWorkflowStage"]
    assert stage["name"] == "Annotate: Annotate"
    assert stage["phase"]["phaseDefinition"]["name"] == "annotate"
    assert stage["action"]["name"] == "Annotate"
    assert details["availableForIntegrationReview"] is False
    assert "completedAt" not in body and "lastCompletedAnnotationId" not in body


def test_a_completed_input_names_its_last_annotation_and_has_no_current_task(work: Work) -> None:
    scene, iid = work.created_input("a", work_status="completed", phase=1, completed=1_700_000_000_000_000)
    aid = work.seed.version(work.batch, iid, scene, "object-detection", org=work.org)
    body = work.ok(f"/v2/request-inputs/{iid}")["data"]
    assert body["status"] == "completed" and body["lastCompletedAnnotationId"] == aid
    assert body["completedAt"].startswith("2023-11-14")
    assert "currentTask" not in body["progressDetails"]
    assert body["progressDetails"]["currentWorkflowStage"]["name"] == "Review 1"


def test_a_requests_inputs_page_follows_the_cursor_and_filters_by_scene(work: Work) -> None:
    made = [work.created_input(f"s{i}") for i in range(5)]
    rid = request_uid(work.batch.id)
    seen, cursor = [], None
    while True:
        q = f"/v2/request-inputs?requestId={rid}&limit=2" + (f"&cursorId={cursor}" if cursor else "")
        page = work.ok(q)
        seen += [i["id"] for i in page["data"]]
        cursor = page["metadata"]["nextCursorId"]
        if cursor is None:
            break
    assert seen == [iid for _, iid in made]
    scene, iid = made[3]
    assert [i["id"] for i in work.ok(f"/v2/request-inputs?requestId={rid}&sceneId={scene}")["data"]] == [iid]


def test_another_organizations_request_and_input_are_not_found(work: Work) -> None:
    _, iid = work.created_input("a")
    rid = request_uid(work.batch.id)
    assert work.get(f"/v2/request-inputs?requestId={rid}", work.stranger).status_code == 404
    assert work.get(f"/v2/request-inputs/{iid}", work.stranger).status_code == 404


def test_bad_input_is_4xx_naming_the_rule(work: Work) -> None:
    rid = request_uid(work.batch.id)
    r = work.get("/v2/request-inputs")
    assert r.status_code == 400 and "requestId" in r.json()["message"]
    for q in ["requestId=nope", f"requestId={rid}&limit=0", f"requestId={rid}&limit=5001",
              f"requestId={rid}&cursorId=garbage", f"requestId={rid}&sceneId=nope"]:  # fmt: skip
        r = work.get(f"/v2/request-inputs?{q}")
        assert r.status_code == 400, (q, r.text)
    assert work.get("/v2/request-inputs/nope").status_code == 400
    assert work.get("/v2/request-inputs/00000000-0000-4000-8000-000000000000").status_code == 404


def test_a_scene_created_into_a_project_names_its_input_in_the_answer(api: Api) -> None:
    sid = api.initialize()
    created = api.create(cameras_body(sid)).json()["data"]
    api.upload_all(created["files"])
    api.commit(sid)
    (inp,) = api.query()
    assert created["requestInputUuid"] == inp["uuid"]
    alone = api.initialize()
    assert "requestInputUuid" not in api.create(cameras_body(alone), path="cameras").json()["data"]
