"""Projects over HTTP: the list, staff set-up, and the audit log of a project and its batches."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import World, bearer


def test_a_client_lists_its_projects(app_client, world: World) -> None:
    org = world.org("acme")
    cred = world.credential(org)
    world.project(org, "p1", ["object-detection"])
    r = app_client.get("/v1/projects", headers=bearer(app_client, cred))
    assert r.status_code == 200
    assert [p["project"] for p in r.json()["data"]] == ["p1"]


@pytest.fixture
def acme(app_client: TestClient[Any], world: World) -> dict[str, Any]:
    org = world.org("acme")
    world.project(org, "p1", ["object-detection"])
    return {
        "org": org,
        "client": bearer(app_client, world.credential(org)),
        "staff": bearer(app_client, world.credential(org, staff=True)),
    }


def test_staff_create_a_project_over_http(app_client, acme) -> None:
    body = {"project": "p2", "title": "Second", "annotationTypes": ["a", "b"]}
    r = app_client.post("/v1/projects", json=body, headers=acme["staff"])
    assert r.status_code == 200, r.text
    assert r.json()["data"]["description"] == ""
    assert app_client.post("/v1/projects", json=body, headers=acme["staff"]).status_code == 409
    assert (
        app_client.post("/v1/projects", json={**body, "project": "p3"}, headers=acme["client"]).status_code
        == 403
    )
    projects = app_client.get("/v1/projects", headers=acme["client"]).json()["data"]
    assert [p["project"] for p in projects] == ["p1", "p2"]


@pytest.fixture
def h(app_client: TestClient[Any], world: World) -> dict[str, str]:
    org = world.org("acme")
    world.project(org, "p1", ["object-detection"])
    return bearer(app_client, world.credential(org))


@pytest.fixture
def staff(app_client: TestClient[Any], world: World, h: dict[str, str]) -> dict[str, str]:
    org = world.run(world.ops.accounts.find_organization("acme")).id
    return bearer(app_client, world.credential(org, staff=True))


def test_every_transition_is_in_the_audit_log(app_client, h, staff) -> None:
    app_client.post("/v1/projects/p1/batches/b1", json={}, headers=h)
    app_client.post("/v1/projects/p1/batches/b1/publish", headers=h)
    app_client.post("/v1/projects/p1/batches/b1/actions/start", headers=staff)
    events = app_client.get("/v1/projects/p1/batches/b1/events", headers=h).json()
    moves = [
        (e["data"]["from"], e["data"]["to"]) for e in events["data"] if e["kind"] == "batch.transitioned"
    ]
    assert moves == [("open", "ready"), ("ready", "in-progress")]
    assert all(e["batch"] == "b1" and e["actor"] and e["created"] for e in events["data"])
    assert events["metadata"] == {"nextCursorId": None}


def test_the_audit_log_pages_with_a_cursor(app_client, h) -> None:
    for i in range(5):
        app_client.post(f"/v1/projects/p1/batches/b{i}", json={}, headers=h)
    seen, cursor = [], None
    while True:
        q = "?limit=2" + (f"&cursorId={cursor}" if cursor else "")
        page = app_client.get("/v1/projects/p1/events" + q, headers=h).json()
        assert len(page["data"]) <= 2
        seen += [e["id"] for e in page["data"]]
        cursor = page["metadata"]["nextCursorId"]
        if cursor is None:
            break
    assert len(seen) == 6 and seen == sorted(seen)


def _listed(client: TestClient[Any], headers: dict[str, str]) -> dict[str, str]:
    r = client.get("/v1/projects", headers=headers)
    assert r.status_code == 200, r.text
    return {p["project"]: p["status"] for p in r.json()["data"]}


def test_the_project_list_follows_every_change_to_the_organizations_projects(
    app_client, acme, world: World
) -> None:
    h, staff = acme["client"], acme["staff"]
    assert _listed(app_client, h) == {"p1": "ongoing"}
    assert _listed(app_client, h) == {"p1": "ongoing"}  # answered from what this worker kept
    body = {"project": "p2", "title": "Second"}
    dry = app_client.post("/v1/projects", json=body, headers={**staff, "X-Dryrun": "true"})
    assert dry.status_code == 200, dry.text
    assert _listed(app_client, h) == {"p1": "ongoing"}
    assert app_client.post("/v1/projects", json=body, headers=staff).status_code == 200
    assert _listed(app_client, h) == {"p1": "ongoing", "p2": "ongoing"}
    r = app_client.put("/v1/projects/p1/status", json={"status": "completed"}, headers=staff)
    assert r.status_code == 200, r.text
    assert _listed(app_client, h) == {"p1": "completed", "p2": "ongoing"}
    # A change made elsewhere (another worker or replica, the operator CLI) shows too.
    world.project(acme["org"], "p3", ["x"])
    assert _listed(app_client, h) == {"p1": "completed", "p2": "ongoing", "p3": "ongoing"}


def test_a_kept_project_list_is_never_shown_to_another_organization(app_client, acme, world: World) -> None:
    assert _listed(app_client, acme["client"]) == {"p1": "ongoing"}
    other = world.org("globex")
    ho = bearer(app_client, world.credential(other))
    assert _listed(app_client, ho) == {}
    world.project(other, "g1", ["x"])
    assert _listed(app_client, ho) == {"g1": "ongoing"}
    assert _listed(app_client, acme["client"]) == {"p1": "ongoing"}
