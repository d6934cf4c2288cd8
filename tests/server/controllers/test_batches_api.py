"""Projects and batches over HTTP, in process: the seed's calls and the staff moves."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import World, bearer


@pytest.fixture
def acme(app_client: TestClient[Any], world: World) -> dict[str, Any]:
    org = world.org("acme")
    world.project(org, "p1", ["object-detection"])
    return {
        "org": org,
        "client": bearer(app_client, world.credential(org)),
        "staff": bearer(app_client, world.credential(org, staff=True)),
    }


def _create(c: TestClient[Any], h: dict[str, str], batch: str, **body: Any) -> Any:
    return c.post(
        f"/v1/projects/p1/batches/{batch}", json={"publishPreviousBatches": False, **body}, headers=h
    )


def _statuses(c: TestClient[Any], h: dict[str, str]) -> dict[str, str]:
    return {b["batch"]: b["status"] for b in c.get("/v1/projects/p1/batches", headers=h).json()["data"]}


def test_the_first_batch_inherits_the_project_defaults_and_opens(app_client, acme) -> None:
    r = _create(app_client, acme["client"], "b1")
    assert r.status_code == 200
    body = r.json()["data"]
    assert body["status"] == "open" and body["title"] == "b1" and body["project"] == "p1"
    types = app_client.get("/v1/projects/p1/batches/b1/annotation-types", headers=acme["client"]).json()
    assert types == {"data": ["object-detection"]}


def test_a_new_batch_inherits_the_latest_batchs_types(app_client, acme) -> None:
    _create(app_client, acme["client"], "b1")
    r = app_client.put(
        "/v1/projects/p1/batches/b1/annotation-types",
        json={"annotationTypes": ["lane", "sign"]},
        headers=acme["staff"],
    )
    assert r.status_code == 200, r.text
    _create(app_client, acme["client"], "b2")
    types = app_client.get("/v1/projects/p1/batches/b2/annotation-types", headers=acme["client"]).json()[
        "data"
    ]
    assert types == ["lane", "sign"]
    catalogue = app_client.get("/v1/projects/p1/annotation-types", headers=acme["client"]).json()["data"]
    assert catalogue == ["object-detection", "lane", "sign"]


def test_a_batch_with_nothing_to_inherit_starts_pending(app_client, world: World) -> None:
    org = world.org("bare")
    world.project(org, "p1")
    h = bearer(app_client, world.credential(org))
    assert _create(app_client, h, "b1").json()["data"]["status"] == "pending"


def test_create_batch_with_publish_previous_publishes_every_open_batch(app_client, acme) -> None:
    for b in ("b1", "b2"):
        _create(app_client, acme["client"], b)
    r = _create(app_client, acme["client"], "b3", publishPreviousBatches=True)
    assert r.json()["data"]["status"] == "open"
    assert _statuses(app_client, acme["client"]) == {"b1": "ready", "b2": "ready", "b3": "open"}


def test_a_duplicate_batch_is_a_conflict(app_client, acme) -> None:
    _create(app_client, acme["client"], "b1")
    r = _create(app_client, acme["client"], "b1")
    assert r.status_code == 409
    assert r.json() == {"message": "batch b1 already exists in project p1", "code": "duplicate-batch"}


def test_a_duplicate_that_would_publish_the_open_batches_changes_nothing(app_client, acme) -> None:
    for b in ("b1", "b2"):
        _create(app_client, acme["client"], b)
    r = _create(app_client, acme["client"], "b1", publishPreviousBatches=True)
    assert r.status_code == 409 and r.json()["code"] == "duplicate-batch"
    assert _statuses(app_client, acme["client"]) == {"b1": "open", "b2": "open"}
    events = app_client.get("/v1/projects/p1/events", headers=acme["client"]).json()["data"]
    assert sorted(e["kind"] for e in events) == ["batch.created", "batch.created", "project.created"]


def test_publish_moves_open_to_ready_and_again_is_a_no_op(app_client, acme) -> None:
    _create(app_client, acme["client"], "b1")
    first = app_client.post("/v1/projects/p1/batches/b1/publish", headers=acme["client"])
    again = app_client.post("/v1/projects/p1/batches/b1/publish", headers=acme["client"])
    assert first.status_code == again.status_code == 200
    assert first.json()["data"]["status"] == "ready"
    assert again.json() == first.json()


def test_publishing_a_pending_batch_is_a_conflict_naming_its_status(app_client, world: World) -> None:
    org = world.org("bare")
    world.project(org, "p1")
    h = bearer(app_client, world.credential(org))
    _create(app_client, h, "b1")
    r = app_client.post("/v1/projects/p1/batches/b1/publish", headers=h)
    assert r.status_code == 409
    assert "is pending" in r.json()["message"]


def test_staff_walk_a_batch_through_its_lifecycle(app_client, acme) -> None:
    _create(app_client, acme["client"], "b1")
    steps = [("publish", "ready"), ("reopen", "open"), ("publish", "ready"), ("start", "in-progress")]
    steps += [("complete", "completed"), ("archive", "archived")]
    for action, status in steps:
        r = app_client.post(f"/v1/projects/p1/batches/b1/actions/{action}", headers=acme["staff"])
        assert r.status_code == 200, (action, r.text)
        assert r.json()["data"]["status"] == status


def test_staff_open_a_pending_batch_once_it_has_types(app_client, world: World) -> None:
    org = world.org("bare")
    world.project(org, "p1")
    staff = bearer(app_client, world.credential(org, staff=True))
    _create(app_client, staff, "b1")
    assert app_client.post("/v1/projects/p1/batches/b1/actions/open", headers=staff).status_code == 409
    app_client.put(
        "/v1/projects/p1/batches/b1/annotation-types", json={"annotationTypes": ["x"]}, headers=staff
    )
    r = app_client.post("/v1/projects/p1/batches/b1/actions/open", headers=staff)
    assert r.json()["data"]["status"] == "open"


def test_clients_may_not_make_staff_moves(app_client, acme) -> None:
    _create(app_client, acme["client"], "b1")
    r = app_client.post("/v1/projects/p1/batches/b1/actions/archive", headers=acme["client"])
    assert r.status_code == 403
    assert _statuses(app_client, acme["client"]) == {"b1": "open"}


def test_an_illegal_move_names_both_statuses(app_client, acme) -> None:
    _create(app_client, acme["client"], "b1")
    r = app_client.post("/v1/projects/p1/batches/b1/actions/complete", headers=acme["staff"])
    assert r.status_code == 409
    assert r.json()["message"] == "batch b1 of project p1 cannot move from open to completed"


def test_an_unknown_action_is_bad_input(app_client, acme) -> None:
    _create(app_client, acme["client"], "b1")
    r = app_client.post("/v1/projects/p1/batches/b1/actions/close", headers=acme["staff"])
    assert r.status_code == 400 and "unknown batch action 'close'" in r.json()["message"]


def test_one_batch_shows_its_types_and_zero_input_counts(app_client, acme) -> None:
    _create(app_client, acme["client"], "b1")
    body = app_client.get("/v1/projects/p1/batches/b1", headers=acme["client"]).json()["data"]
    assert body["annotationTypes"] == ["object-detection"]
    assert body["inputCounts"]["total"] == 0


def test_only_ongoing_projects_take_new_batches(app_client, acme) -> None:
    r = app_client.put("/v1/projects/p1/status", json={"status": "completed"}, headers=acme["staff"])
    assert r.json()["data"]["status"] == "completed"
    r = _create(app_client, acme["client"], "b1")
    assert r.status_code == 409 and "only ongoing projects" in r.json()["message"]


def test_the_batch_list_follows_every_change_to_the_projects_batches(app_client, acme) -> None:
    h, staff = acme["client"], acme["staff"]
    assert app_client.get("/v1/projects/p1/batches", headers=h).json() == {"data": []}
    _create(app_client, h, "b1")
    assert _statuses(app_client, h) == {"b1": "open"}
    assert _statuses(app_client, h) == {"b1": "open"}
    app_client.post("/v1/projects/p1/batches/b1/publish", headers=h)
    assert _statuses(app_client, h) == {"b1": "ready"}
    app_client.post("/v1/projects/p1/batches/b1/actions/start", headers=staff)
    _create(app_client, h, "b2")
    assert _statuses(app_client, h) == {"b1": "in-progress", "b2": "open"}
    before = app_client.get("/v1/projects/p1/batches", headers=h).json()["data"][1]["updated"]
    app_client.put(
        "/v1/projects/p1/batches/b2/annotation-types", json={"annotationTypes": ["x"]}, headers=staff
    )
    after = app_client.get("/v1/projects/p1/batches", headers=h).json()["data"][1]["updated"]
    assert after > before


def test_a_cached_batch_list_is_never_shown_to_another_organization(app_client, acme, world: World) -> None:
    _create(app_client, acme["client"], "b1")
    assert _statuses(app_client, acme["client"]) == {"b1": "open"}
    other = world.org("globex")
    world.project(other, "p1", ["x"])
    ho = bearer(app_client, world.credential(other))
    assert app_client.get("/v1/projects/p1/batches", headers=ho).json() == {"data": []}
