"""A scene is never stranded: when its create named no batch, the batch is chosen again at commit;
when it named one that stopped accepting inputs, the commit says so and the scene can be
retargeted (another project or batch) or abandoned (its files removed, no input ever)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scenes_testing import JPEG_BYTES, Api, api, cameras_body

__all__ = ["api"]  # the fixture, shared with the scene API tests

from annobatch.settings import Settings

RECOVER = "retarget the scene to an open batch, or abandon it"


def uploaded(api: Api, path: str = "project/p1/cameras") -> tuple[str, dict[str, str]]:
    sid = api.initialize()
    r = api.create(cameras_body(sid, "FRONT", "REAR"), path)
    assert r.status_code == 200, r.text
    files: dict[str, str] = r.json()["data"]["files"]
    api.upload_all(files)
    return sid, files


def post(api: Api, path: str, body: Any = None, **headers: str) -> Any:
    return api.client.post(path, json=body, headers={**api.headers, **headers})


def publish(api: Api, batch: str) -> None:
    assert post(api, f"/v1/projects/p1/batches/{batch}/publish").status_code == 200


def new_batch(api: Api, batch: str, project: str = "p1") -> None:
    assert post(api, f"/v1/projects/{project}/batches/{batch}", {}).status_code == 200


def blobs_of(settings: Settings, sid: str) -> list[Path]:
    d = settings.data_dir / "blobs" / "scenes" / sid
    return sorted(d.iterdir()) if d.exists() else []


def test_a_scene_whose_chosen_batch_was_published_commits_into_the_open_batch_now(api: Api) -> None:
    sid, _ = uploaded(api)
    publish(api, "b1")
    new_batch(api, "b2")

    r = api.commit(sid)

    assert r.status_code == 200, r.text
    assert r.json()["data"]["status"] == "created"
    assert [i["sceneUuid"] for i in api.query({"project": "p1", "batch": "b2"})] == [sid]
    assert api.query({"project": "p1", "batch": "b1"}) == []


def test_a_scene_without_a_batch_named_waits_for_one_open_batch_and_says_so(api: Api) -> None:
    sid, _ = uploaded(api)
    publish(api, "b1")

    r = api.commit(sid)
    assert r.status_code == 400
    assert r.json()["message"] == f"project p1 has no open batch; scene {sid} cannot be committed: {RECOVER}"
    new_batch(api, "b2")
    new_batch(api, "b3")
    r = api.commit(sid)
    assert r.status_code == 400 and r.json()["code"] == "several-open-batches"
    assert "project p1 has 2 open batches (b2, b3): name one" in r.json()["message"]

    publish(api, "b2")
    assert api.commit(sid).json()["data"]["status"] == "created"
    assert [i["sceneUuid"] for i in api.query({"project": "p1", "batch": "b3"})] == [sid]


def test_a_scene_whose_named_batch_was_published_is_retargeted_then_committed(api: Api) -> None:
    sid, _ = uploaded(api, "project/p1/batch/b1/cameras")
    publish(api, "b1")
    new_batch(api, "b2")
    r = api.commit(sid)
    assert r.status_code == 400 and r.json()["code"] == "batch-not-open"  # named: b1 or nothing

    r = post(api, f"/v1/inputs/{sid}/actions/retarget", {"project": "p1", "batch": "b2"})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["status"] == "pending"

    assert api.commit(sid).json()["data"]["status"] == "created"
    assert [i["sceneUuid"] for i in api.query({"project": "p1", "batch": "b2"})] == [sid]


def test_a_retarget_checks_its_target_now_and_only_a_pending_scene_is_retargeted(api: Api) -> None:
    sid, _ = uploaded(api)
    path = f"/v1/inputs/{sid}/actions/retarget"
    r = post(api, path, {"project": "p1", "batch": "nope"})
    assert (r.status_code, r.json()["code"]) == (404, "batch-not-found")
    r = post(api, path, {"project": "elsewhere"})
    assert (r.status_code, r.json()["code"]) == (404, "project-not-found")
    publish(api, "b1")
    r = post(api, path, {"project": "p1"})
    assert (r.status_code, r.json()["message"]) == (400, "project p1 has no open batch")
    r = post(api, path, {"batch": "b1"})
    assert r.status_code == 400 and "project" in r.json()["message"]

    new_batch(api, "b2")
    assert post(api, path, {"project": "p1"}).status_code == 200
    assert api.commit(sid).status_code == 200
    r = post(api, path, {"project": "p1"})
    assert r.status_code == 409
    assert (
        r.json()["message"]
        == f"scene {sid} is created; only a pending scene (not yet committed) can be retargeted"
    )


def test_a_retarget_to_another_project_moves_the_input_there(api: Api, world: Any) -> None:
    from annobatch.services.identity import operator

    world.project(api.org, "p2", ["lane-marking"])
    world.batch(api.org, "p2", "c1")
    sid, _ = uploaded(api, "project/p1/batch/b1/cameras")

    assert post(api, f"/v1/inputs/{sid}/actions/retarget", {"project": "p2"}).status_code == 200
    assert api.commit(sid).json()["data"]["status"] == "created"
    assert [i["sceneUuid"] for i in api.query({"project": "p2", "batch": "c1"})] == [sid]
    assert api.query({"project": "p1"}) == []
    assert world.run(world.ops.scenes.scene(operator(api.org), sid)).scene.batch_named is False


def test_an_abandoned_scene_loses_its_files_and_never_gets_an_input(api: Api, settings: Settings) -> None:
    sid, files = uploaded(api, "project/p1/batch/b1/cameras")
    publish(api, "b1")
    assert len(blobs_of(settings, sid)) == 2

    r = post(api, f"/v1/inputs/{sid}/actions/abandon")

    assert r.status_code == 200, r.text
    scene = r.json()["data"]
    # The official client knows no `abandoned`: a scene that will never be created is `failed` to it.
    assert scene["status"] == "failed"
    assert scene["errorMessage"].startswith(f"abandoned (by {api.cred.record.email}); its files were removed")
    assert blobs_of(settings, sid) == []
    assert api.query({"project": "p1"}) == []
    # Final: no upload, no commit, no retarget; abandoning again changes nothing.
    r = api.client.put(files["/data/FRONT.jpg"], content=JPEG_BYTES)
    assert (r.status_code, r.json()["code"]) == (409, "scene-not-pending")
    assert blobs_of(settings, sid) == []
    assert (api.commit(sid).status_code, api.commit(sid).json()["code"]) == (409, "scene-abandoned")
    assert post(api, f"/v1/inputs/{sid}/actions/retarget", {"project": "p1"}).status_code == 409
    assert post(api, f"/v1/inputs/{sid}/actions/abandon").json()["data"] == scene
    # Invalidating it changes nothing either.
    r = post(api, "/v2/scenes/actions/invalidate", {"sceneUuids": [sid], "reason": "duplicate"})
    assert r.json()["data"] == {"invalidated": 0}


def test_a_committed_scene_cannot_be_abandoned(api: Api) -> None:
    sid, _ = uploaded(api)
    assert api.commit(sid).status_code == 200
    r = post(api, f"/v1/inputs/{sid}/actions/abandon")
    assert r.status_code == 409
    assert r.json()["message"] == (
        f"scene {sid} is created; only a pending scene (not yet committed) can be abandoned: "
        "invalidate it instead"
    )


def test_retarget_and_abandon_are_dry_runs_under_x_dryrun(api: Api, settings: Settings) -> None:
    sid, _ = uploaded(api)
    new_batch(api, "b2")
    r = post(api, f"/v1/inputs/{sid}/actions/abandon", **{"X-Dryrun": ""})
    assert r.status_code == 200 and r.json()["data"]["status"] == "failed"
    r = post(api, f"/v1/inputs/{sid}/actions/retarget", {"project": "p1", "batch": "b2"}, **{"X-Dryrun": ""})
    assert r.status_code == 200
    assert api.scene(sid)["status"] == "pending" and len(blobs_of(settings, sid)) == 2
    assert api.commit(sid).status_code == 400  # still b1 or b2: several open, none named


def test_another_organizations_scene_cannot_be_retargeted_or_abandoned(api: Api, world: Any) -> None:
    from conftest import bearer

    sid, _ = uploaded(api)
    other = world.org("other")
    headers = bearer(api.client, world.credential(other))
    for action, body in (("retarget", {"project": "p1"}), ("abandon", None)):
        r = api.client.post(f"/v1/inputs/{sid}/actions/{action}", json=body, headers=headers)
        assert (r.status_code, r.json()["code"]) == (404, "scene-not-found")
    assert api.scene(sid)["status"] == "pending"
