"""The pre-annotation endpoints over HTTP: the official client's shapes (`{"data": {"id"}}` even
for a dry run, the listing's top-level `hasNext` and repeated filter keys, the resolved document),
errors as 4xx with a message naming the rule, idempotency keys, the input's pre-annotation change,
and the posted auto reviews' gate."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from conftest import World, bearer
from scene_uploads import Scenes, scenes_client

OPENLABEL = {"openlabel": {"metadata": {"schema_version": "1.0.0"}, "streams": {"CAM": {"type": "camera"}}}}


def created_scene(s: Scenes) -> str:
    sid, url = s.create()
    assert s.upload(url).status_code == 200
    assert s.commit(sid).status_code == 200
    return sid


def create(s: Scenes, sid: str, external_id: str | None = None, headers: dict[str, str] | None = None) -> Any:
    body: dict[str, Any] = {"sceneUuid": sid, "preAnnotation": OPENLABEL}
    if external_id is not None:
        body["externalId"] = external_id
    return s.client.post("/v1/pre-annotations", json=body, headers={**s.headers, **(headers or {})})


def test_create_list_resolve_delete(app_client: TestClient[Any], world: World) -> None:
    s = scenes_client(app_client, world)
    sid = created_scene(s)
    dry = create(s, sid, "m0", {"X-Dryrun": ""})
    assert dry.status_code == 200 and dry.json()["data"]["id"]
    ids = []
    for n in range(3):
        r = create(s, sid, f"m{n}")
        assert r.status_code == 200, r.text
        ids.append(r.json()["data"]["id"])
    page = app_client.get("/v2/pre-annotations?offset=0&limit=2", headers=s.headers).json()
    assert [p["id"] for p in page["data"]] == ids[:2] and page["hasNext"] is True
    assert "metadata" not in page
    page = app_client.get("/v2/pre-annotations?offset=2&limit=2", headers=s.headers).json()
    assert [p["id"] for p in page["data"]] == ids[2:] and page["hasNext"] is False
    both = app_client.get(
        "/v2/pre-annotations?externalIds=m0&externalIds=m2&statuses=available", headers=s.headers
    ).json()
    assert [p["id"] for p in both["data"]] == [ids[0], ids[2]]
    first = both["data"][0]
    assert (first["sceneUuid"], first["sceneExternalId"], first["externalId"], first["status"]) == (
        sid,
        "ext",
        "m0",
        "available",
    )
    resolved = app_client.get(f"/v2/pre-annotations/{ids[0]}/resolved", headers=s.headers).json()["data"]
    assert (resolved["uuid"], resolved["sceneUuid"], resolved["externalId"], resolved["content"]) == (
        ids[0],
        sid,
        "m0",
        OPENLABEL,
    )
    r = app_client.patch(f"/v2/pre-annotations/{ids[0]}", json={"status": "processing"}, headers=s.headers)
    assert r.status_code == 200
    assert app_client.delete(f"/v2/pre-annotations/{ids[1]}", headers=s.headers).status_code == 200
    assert app_client.get(f"/v2/pre-annotations/{ids[1]}/resolved", headers=s.headers).status_code == 404
    # the audit log of the scene's project has every change
    events = app_client.get("/v1/projects/p1/batches/b1/events", headers=s.headers).json()["data"]
    kinds = [e["kind"] for e in events]
    assert kinds.count("pre-annotation.created") == 3 and kinds.count("pre-annotation.deleted") == 1


def test_bad_input_is_a_400_naming_the_rule_and_keeps_nothing(
    app_client: TestClient[Any], world: World
) -> None:
    s = scenes_client(app_client, world)
    sid = created_scene(s)
    cases = [
        ({"sceneUuid": sid, "preAnnotation": {"openlabel": {}}}, "invalid-openlabel"),
        (
            {
                "sceneUuid": sid,
                "preAnnotation": {"openlabel": {**OPENLABEL["openlabel"], "streams": {"X": {}}}},
            },
            "pre-annotation-sensor-not-in-scene",
        ),
        ({"sceneUuid": "nope", "preAnnotation": OPENLABEL}, "invalid-id"),
        ({"sceneUuid": sid, "preAnnotation": OPENLABEL, "externalId": " "}, "invalid-external-id"),
    ]
    for body, code in cases:
        r = app_client.post("/v1/pre-annotations", json=body, headers=s.headers)
        assert r.status_code == 400, r.text
        assert r.json()["code"] == code and r.json()["message"]
    assert app_client.get("/v2/pre-annotations", headers=s.headers).json() == {"data": [], "hasNext": False}
    for path in ("/v2/pre-annotations?statuses=done", "/v2/pre-annotations?offset=-1"):
        r = app_client.get(path, headers=s.headers)
        assert r.status_code == 400 and r.json()["message"]
    r = create(s, sid, "same")
    assert r.status_code == 200
    dup = create(s, sid, "same")
    assert dup.status_code == 409 and dup.json()["code"] == "pre-annotation-exists"
    pid = r.json()["data"]["id"]
    r = app_client.patch(f"/v2/pre-annotations/{pid}", json={"status": "available"}, headers=s.headers)
    assert r.status_code == 400 and r.json()["code"] == "invalid-status"


def test_an_idempotency_key_answers_the_first_create(app_client: TestClient[Any], world: World) -> None:
    s = scenes_client(app_client, world)
    sid = created_scene(s)
    a = create(s, sid, "k", {"Idempotency-Key": "one"}).json()["data"]["id"]
    b = create(s, sid, "k", {"Idempotency-Key": "one"}).json()["data"]["id"]
    assert a == b
    assert len(app_client.get("/v2/pre-annotations", headers=s.headers).json()["data"]) == 1


def test_an_input_from_a_pre_annotation_and_its_change(app_client: TestClient[Any], world: World) -> None:
    s = scenes_client(app_client, world)
    sid = created_scene(s)
    p1 = create(s, sid, "a").json()["data"]["id"]
    p2 = create(s, sid, "b").json()["data"]["id"]
    world.batch(s.org, "p1", "b2")
    r = app_client.post(
        "/v2/inputs",
        json={"preAnnotationUuid": p1, "projectExtId": "p1", "batchExtId": "b2"},
        headers=s.headers,
    )
    assert r.status_code == 200, r.text
    made = r.json()["data"]
    assert made["sceneUuid"] == sid
    r = app_client.patch(f"/v2/inputs/{made['uuid']}/pre-annotation", json={"uuid": p2}, headers=s.headers)
    assert r.status_code == 200, r.text
    r = app_client.patch(
        f"/v2/inputs/{made['uuid']}/pre-annotation", json={"uuid": "nope"}, headers=s.headers
    )
    assert r.status_code == 400
    missing = "00000000-0000-4000-8000-000000000000"
    r = app_client.patch(
        f"/v2/inputs/{made['uuid']}/pre-annotation", json={"uuid": missing}, headers=s.headers
    )
    assert r.status_code == 404
    r = app_client.post("/v2/inputs", json={"projectExtId": "p1"}, headers=s.headers)
    assert r.status_code == 400 and r.json()["code"] == "scene-required"


def test_the_workforce_finds_no_pre_annotation_and_clients_post_no_auto_review(
    app_client: TestClient[Any], world: World
) -> None:
    s = scenes_client(app_client, world)
    sid = created_scene(s)
    pid = create(s, sid).json()["data"]["id"]
    member = world.run(world.ops.workforce.create_member(s.org, "annotator", "ann"))
    h = bearer(app_client, member)
    assert app_client.get(f"/v2/pre-annotations/{pid}/resolved", headers=h).status_code == 404
    assert app_client.get("/v2/pre-annotations", headers=h).status_code == 404
    (inp,) = app_client.post("/v2/inputs/query", json={}, headers=s.headers).json()["data"]
    r = app_client.post(
        f"/v1/workforce/inputs/{inp['uuid']}/auto-reviews", json={"accepted": True}, headers=s.headers
    )
    assert r.status_code == 404
    # a workforce member not in the project: 404 too; one in it may post
    r = app_client.post(
        f"/v1/workforce/inputs/{inp['uuid']}/auto-reviews", json={"accepted": True}, headers=h
    )
    assert r.status_code == 404
    from annobatch.services.identity import operator

    world.run(world.ops.workforce.add_to_project(operator(s.org), "p1", member.record.user_id))
    r = app_client.post(
        f"/v1/workforce/inputs/{inp['uuid']}/auto-reviews", json={"accepted": True}, headers=h
    )
    assert r.status_code == 200, r.text
    (auto,) = app_client.get(f"/v0/request-inputs/{inp['uuid']}/auto-reviews", headers=s.headers).json()[
        "data"
    ]
    assert auto["id"] == r.json()["data"]["id"] and auto["inputUuid"] == inp["uuid"]
    r = app_client.post(
        f"/v1/workforce/inputs/{inp['uuid']}/auto-reviews",
        json={"accepted": False, "feedbackItems": []},
        headers=h,
    )
    assert r.status_code == 400 and r.json()["code"] == "feedback-required"
