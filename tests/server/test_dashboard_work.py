"""The workforce's pages and the scene page in process: the editor's saves need the session's
CSRF token; a bad document is refused with the rule's message, never a 5xx; clients have no work
pages; a member sees only their projects' tasks and scenes; a point cloud comes back as a PNG."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar.testing import TestClient

from annobatch.settings import Settings
from annobatch.storage.blobs import open_blob_store
from annobatch.storage.database import Database
from dashboard_forms import HTML, sign_in
from work_pages_world import PROJECT, TYPE, StreetWorld, boxes, street_world


@pytest.fixture
def streets(db: Database, runner: asyncio.Runner, settings: Settings) -> StreetWorld:
    return street_world(db, open_blob_store(settings.data_dir), runner, lidar=True)


def signed_in(client: TestClient[Any], cred: Any) -> str:
    """Signs in; answers the session's CSRF token (from a page's htmx headers)."""
    assert sign_in(client, cred, "/").status_code == 303
    page = client.get("/view/" + "0" * 8, headers=HTML)  # any page carries it
    return page.text.split('"X-CSRF-Token": "')[1].split('"')[0]


def claimed(streets: StreetWorld, runner: asyncio.Runner) -> str:
    return runner.run(streets.ops.work.claim(streets.caller(streets.annotator), PROJECT)).task.id


def test_a_save_without_the_session_token_is_refused_and_saves_nothing(
    app_client: TestClient[Any], streets: StreetWorld, runner: asyncio.Runner
) -> None:
    task = claimed(streets, runner)
    signed_in(app_client, streets.annotator)
    body = {"annotations": {TYPE: boxes(("car", 1, 2, 3, 4))}}
    r = app_client.post(f"/work/tasks/{task}/draft", json=body, headers={**HTML, "X-CSRF-Token": "forged"})
    assert r.status_code == 403 and "nothing was done" in r.text
    assert runner.run(streets.ops.work.task(streets.staff, task)).draft is None


def test_a_save_and_a_bad_submission_answer_with_the_rules_words(
    app_client: TestClient[Any], streets: StreetWorld, runner: asyncio.Runner
) -> None:
    task = claimed(streets, runner)
    headers = {**HTML, "X-CSRF-Token": signed_in(app_client, streets.annotator), "HX-Request": "true"}
    saved = app_client.post(
        f"/work/tasks/{task}/draft", json={"annotations": {TYPE: boxes()}}, headers=headers
    )
    assert saved.status_code == 200 and "Draft saved at" in saved.text
    wrong = boxes(("bus", 1, 2, 3, 4))
    r = app_client.post(f"/work/tasks/{task}/submit", json={"annotations": {TYPE: wrong}}, headers=headers)
    assert r.status_code == 400
    assert "not one of the project&#39;s classes (car, pedestrian, cyclist)" in r.text
    r = app_client.post(f"/work/tasks/{task}/submit", json={"annotations": "none"}, headers=headers)
    assert r.status_code == 400 and 'class="refused"' in r.text
    done = app_client.post(
        f"/work/tasks/{task}/submit", json={"annotations": {TYPE: boxes()}}, headers=headers
    )
    assert done.status_code == 200 and done.headers["HX-Redirect"] == "/work"


def test_clients_have_no_work_pages_but_see_their_scenes(
    app_client: TestClient[Any], streets: StreetWorld, runner: asyncio.Runner
) -> None:
    task = claimed(streets, runner)
    signed_in(app_client, streets.client)
    assert app_client.get("/work", headers=HTML).status_code == 404
    assert app_client.get(f"/work/tasks/{task}", headers=HTML).status_code == 404
    page = app_client.get(f"/view/{streets.scenes[0]}", headers=HTML)
    assert page.status_code == 200 and "street-001" in page.text and "640 \u00d7 400 px" in page.text
    cloud = app_client.get(f"/view/{streets.lidar_scene}/clouds/0")
    assert cloud.status_code == 200 and cloud.headers["content-type"] == "image/png"
    assert cloud.content.startswith(b"\x89PNG")
    assert app_client.get(f"/view/{streets.scenes[0]}/clouds/0", headers=HTML).status_code == 404  # an image


def test_a_member_sees_only_the_tasks_and_scenes_of_their_projects(
    app_client: TestClient[Any],
    streets: StreetWorld,
    runner: asyncio.Runner,
    db: Database,
    settings: Settings,
) -> None:
    task = claimed(streets, runner)
    other = street_world(db, open_blob_store(settings.data_dir), runner)
    signed_in(app_client, other.annotator)
    for path in (
        f"/work/tasks/{task}",
        f"/view/{streets.scenes[0]}",
        f"/view/{streets.scenes[0]}/images/0",
        f"/view/{streets.lidar_scene}/clouds/0",
    ):
        assert app_client.get(path, headers=HTML).status_code == 404, path
    assert "streets" in app_client.get("/work", headers=HTML).text  # their own project is there


def test_the_scene_page_of_a_sequence_shows_one_frame_at_a_time(
    app_client: TestClient[Any], db: Database, runner: asyncio.Runner, settings: Settings
) -> None:
    drive = street_world(db, open_blob_store(settings.data_dir), runner, cameras=0, sequence=True)
    signed_in(app_client, drive.client)
    (scene,) = drive.scenes
    first = app_client.get(f"/view/{scene}", headers=HTML).text
    assert "Frame 1 of 2 (<code>f1</code>)" in first and "f1.png" in first and 'rel="next"' in first
    second = app_client.get(f"/view/{scene}?frame=2", headers=HTML).text
    assert "Frame 2 of 2 (<code>f2</code>)" in second and 'rel="prev"' in second
    assert f'src="/view/{scene}/images/1"' in second  # the second frame's image
    image = app_client.get(f"/view/{scene}/images/1")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    assert app_client.get(f"/view/{scene}?frame=0", headers=HTML).status_code == 400


def test_giving_up_asks_first_then_returns_the_task_to_the_queue(
    app_client: TestClient[Any], streets: StreetWorld, runner: asyncio.Runner
) -> None:
    task = claimed(streets, runner)
    token = signed_in(app_client, streets.annotator)
    form = {"_csrf": token}
    asked = app_client.post(f"/work/tasks/{task}/give-up", data=form, headers=HTML)
    assert asked.status_code == 200 and "it returns to the queue for anyone to claim" in asked.text
    assert runner.run(streets.ops.work.task(streets.staff, task)).task.status == "ongoing"
    done = app_client.post(
        f"/work/tasks/{task}/give-up", data={**form, "confirmed": "yes"}, headers=HTML, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/work"
    assert runner.run(streets.ops.work.task(streets.staff, task)).task.status == "todo"
    again = app_client.post(f"/work/tasks/{task}/give-up", data={**form, "confirmed": "yes"}, headers=HTML)
    assert again.status_code == 409 and f"task {task} is todo, not ongoing" in again.text


def test_staff_see_a_calibrated_scene_with_its_image_point_cloud_and_calibration(
    app_client: TestClient[Any], db: Database, runner: asyncio.Runner, settings: Settings
) -> None:
    rig = street_world(db, open_blob_store(settings.data_dir), runner, cameras=0, fused=True)
    staff = runner.run(rig.ops.accounts.create_credential(rig.org, workspace=None, staff=True))
    signed_in(app_client, staff)
    (scene,) = rig.scenes
    page = app_client.get(f"/view/{scene}", headers=HTML).text
    assert "lidars_and_cameras" in page and "rig-1" in page
    assert "camera_matrix" in page and "&#34;fx&#34;: 800.0" in page
    assert f'src="/view/{scene}/images/' in page and "2,000 points" in page
    assert "<td>CAM</td><td>camera</td>" in page and "<td>lidar</td><td>lidar</td>" in page
