"""The scene-creation API in process: the flow step by step, commit rules, workspaces, dry runs,
and bad input answered with 4xx messages that name the problem."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from scenes_testing import JPEG_BYTES, Api, api, cameras_body

from annobatch.services.identity import operator
from conftest import World

__all__ = ["api"]  # the fixture


def test_the_flow_step_by_step_puts_the_input_in_the_open_batch(api: Api) -> None:
    sid = api.initialize()
    r = api.create(cameras_body(sid, "FRONT", "REAR"))
    assert r.status_code == 200, r.text
    job = r.json()["data"]
    assert job["internalId"] == sid
    assert sorted(job["files"]) == ["/data/FRONT.jpg", "/data/REAR.jpg"]
    assert all(u.startswith("http://testserver.local/v1/uploads/") for u in job["files"].values())
    assert api.scene(sid)["status"] == "pending"
    assert api.query() == []  # no input before the commit
    api.upload_all(job["files"])
    r = api.commit(sid)
    assert r.status_code == 200 and r.json()["data"]["status"] == "created"
    (i,) = api.query({"project": "p1", "batch": "b1"})
    assert (i["sceneUuid"], i["sceneExternalId"]) == (sid, "ext-1")
    detail = api.client.get("/v1/projects/p1/batches/b1", headers=api.headers).json()["data"]
    assert detail["inputCounts"]["created"] == 1 and detail["inputCounts"]["total"] == 1


def test_commit_lists_the_files_that_have_not_arrived_and_changes_nothing(api: Api) -> None:
    sid = api.initialize()
    files = api.create(cameras_body(sid, "FRONT", "REAR")).json()["data"]["files"]
    api.client.put(files["/data/FRONT.jpg"], content=JPEG_BYTES)
    r = api.commit(sid)
    assert r.status_code == 400
    assert r.json()["message"] == (
        f"scene {sid} is missing 1 file: /data/REAR.jpg; upload them to their URLs, then commit again"
    )
    assert api.scene(sid)["status"] == "pending"
    assert api.query() == []


def test_commit_is_idempotent(api: Api) -> None:
    sid = api.initialize()
    files = api.create(cameras_body(sid)).json()["data"]["files"]
    api.upload_all(files)
    assert api.commit(sid).status_code == 200
    assert api.commit(sid).status_code == 200
    assert len(api.query()) == 1


def test_a_retried_create_answers_the_first_and_a_different_body_for_the_same_uuid_conflicts(
    api: Api,
) -> None:
    sid = api.initialize()
    first = api.create(cameras_body(sid)).json()["data"]
    again = api.create(cameras_body(sid))
    assert again.status_code == 200 and sorted(again.json()["data"]["files"]) == sorted(first["files"])
    other = api.create(cameras_body(sid, external_id="changed"))
    assert other.status_code == 409
    assert "already exists; initialize a new scene" in other.json()["message"]


def test_the_batch_is_checked_again_at_commit(api: Api) -> None:
    sid = api.initialize()
    files = api.create(cameras_body(sid), "project/p1/batch/b1/cameras").json()["data"]["files"]
    api.upload_all(files)
    assert api.client.post("/v1/projects/p1/batches/b1/publish", headers=api.headers).status_code == 200
    r = api.commit(sid)
    assert r.status_code == 400
    assert r.json()["message"] == (
        f"batch b1 of project p1 is ready; only open batches accept inputs; scene {sid} cannot be "
        "committed: retarget the scene to an open batch, or abandon it"
    )
    assert api.query({"project": "p1"}) == []


def test_a_dry_run_answers_like_a_create_and_writes_nothing(api: Api) -> None:
    sid = api.initialize()
    r = api.create(cameras_body(sid), **{"X-Dryrun": ""})
    assert r.status_code == 200 and r.json()["data"]["internalId"] == sid
    q = api.client.post("/v2/scenes/query", json={"sceneUuids": [sid]}, headers=api.headers)
    assert q.status_code == 404
    # The same uuid is still free for the real create.
    assert api.create(cameras_body(sid)).status_code == 200


@pytest.mark.parametrize(
    ("path", "body_change", "status", "message"),
    [
        (
            "project/p1/pointclouds",
            {},
            404,
            "unknown scene type 'pointclouds': one of cameras, cameras-sequence",
        ),
        ("project/p1/cameras", {"externalId": 7}, 400, "field externalId: Expected `str`, got `int`"),
        ("project/p1/cameras", {"frame": None}, 400, "field frame: Expected `object`, got `null`"),
        (
            "project/p1/cameras",
            {"frame": {"images": []}},
            400,
            "frame #1 has no image; a cameras scene needs one",
        ),
        ("project/p1/cameras", {"internalId": "nope"}, 400, "invalid scene id 'nope': a uuid"),
        (
            "project/p1/cameras",
            {"metadata": {"a": [1]}},
            400,
            "field metadata[...]: Expected `bool | int | float | str`",
        ),
        ("project/nope/cameras", {}, 404, "project nope not found"),
        ("project/p1/batch/zz/cameras", {}, 404, "batch zz not found in project p1"),
        ("project/p%20/cameras", {}, 400, "invalid project id 'p '"),
    ],
)
def test_bad_scene_requests_are_refused_naming_the_problem(
    api: Api, path: str, body_change: dict[str, Any], status: int, message: str
) -> None:
    body = {**cameras_body(api.initialize()), **body_change}
    r = api.create(body, path=path)
    assert r.status_code == status, r.text
    assert message in r.json()["message"]


def test_a_body_that_is_not_json_is_refused(api: Api) -> None:
    r = api.client.post(
        f"/v1/inputs/cameras?workspaceId={api.workspace}",
        content=b"{not json",
        headers={**api.headers, "Content-Type": "application/json"},
    )
    assert (r.status_code, r.json()["message"]) == (400, "the request body is not valid JSON")


def test_a_scene_create_without_a_body_is_refused_after_its_scene_type_is_checked(api: Api) -> None:
    r = api.client.post("/v1/inputs/cameras", headers=api.headers)
    assert (r.status_code, r.json()["message"]) == (400, "the request needs a JSON body")
    r = api.client.post("/v1/inputs/sonar", headers=api.headers)
    assert (r.status_code, r.json()["code"]) == (404, "unknown-scene-type")
    r = api.client.post("/v1/inputs/sonar", json=cameras_body(api.initialize()), headers=api.headers)
    assert (r.status_code, r.json()["code"]) == (404, "unknown-scene-type")


def test_a_scene_body_decodes_as_its_paths_scene_type(api: Api) -> None:
    r = api.create(cameras_body(api.initialize()), path="project/p1/lidars")
    assert r.status_code == 400
    message = "invalid request body: field frame: Object missing required field `pointClouds`"
    assert r.json()["message"] == message


def test_two_images_from_one_camera_in_a_frame_are_refused(api: Api) -> None:
    body = cameras_body(api.initialize())
    body["frame"]["images"].append(
        {"filename": "/data/b.jpg", "resourceId": "/data/b.jpg", "sensorName": "CAM"}
    )
    r = api.create(body)
    assert r.status_code == 400
    assert r.json()["message"] == "frame #1 has two resources from sensor CAM; a frame has one per sensor"


def test_another_organizations_workspace_is_not_found(api: Api, world: World) -> None:
    other = world.org("other")
    ws = world.run(world.ops.accounts.list_workspaces(operator(other)))[0][0].id
    r = api.client.post(
        f"/v1/inputs/cameras?workspaceId={ws}", json=cameras_body(str(uuid.uuid4())), headers=api.headers
    )
    assert (r.status_code, r.json()["message"]) == (404, f"workspace {ws} not found")
    r = api.client.post("/v1/inputs/initialize", json={"workspaceId": ws}, headers=api.headers)
    assert r.status_code == 404


def test_a_scene_without_a_workspace_goes_to_the_organizations_only_workspace(api: Api) -> None:
    sid = str(uuid.uuid4())
    r = api.client.post("/v1/inputs/cameras", json=cameras_body(sid), headers=api.headers)
    assert r.status_code == 200, r.text
    assert api.scene(sid)["workspaceId"] == api.workspace


def test_requests_without_a_token_are_unauthenticated(api: Api) -> None:
    r = api.client.post("/v1/inputs/initialize", json={})
    assert r.status_code == 401
    r = api.client.post("/v2/inputs/query", json={})
    assert r.status_code == 401


def test_an_idempotency_key_on_a_scene_create_answers_the_first(api: Api) -> None:
    sid = api.initialize()
    first = api.create(cameras_body(sid), **{"Idempotency-Key": "scene-1"})
    again = api.create(cameras_body(sid), **{"Idempotency-Key": "scene-1"})
    assert first.status_code == again.status_code == 200
    assert sorted(again.json()["data"]["files"]) == sorted(first.json()["data"]["files"])
