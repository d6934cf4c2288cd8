"""What every request is handed: its caller (tokens, roles and the wall between organizations) and,
for a change, its write options (Idempotency-Key, X-Dryrun)."""

from __future__ import annotations

import re
from typing import Any

import jwt
import pytest
from litestar.testing import TestClient

from annobatch.server.dependencies import authenticate
from conftest import World, bearer


def test_requests_without_a_valid_token_are_401(app_client, world: World) -> None:
    assert app_client.get("/v1/projects").status_code == 401
    assert app_client.get("/v1/projects", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    forged = jwt.encode(
        {"sub": "x", "org": 1, "role": "staff", "iss": "annobatch", "exp": 2**40}, "k" * 40, "HS256"
    )
    r = app_client.get("/v1/projects", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and r.json()["code"] == "invalid-token"


def test_a_request_without_a_token_is_refused_before_its_body_is_read(app_client, world: World) -> None:
    r = app_client.post("/v1/projects/p1/batches/b1", content=b"{not json")
    assert r.status_code == 401 and r.json()["code"] == "missing-token"
    r = app_client.post("/v1/inputs/nonsense", content=b"")
    assert r.status_code == 401


def test_an_options_request_needs_no_token(app_client) -> None:
    r = app_client.options("/v1/projects/p1/batches")
    assert r.status_code == 204 and r.headers["allow"] == "GET, OPTIONS"


def test_every_handler_is_handed_its_dependencies_one_at_a_time(app_client) -> None:
    # Litestar resolves the dependencies of one level together in a task group, which costs as
    # much as a small request; `dependencies.py` orders every provider after the one before it.
    for route in app_client.app.routes:
        for method, (_, kwargs) in getattr(route, "route_handler_map", {}).items():
            levels = [sorted(d.key for d in level) for level in kwargs.dependency_batches]
            assert all(len(level) == 1 for level in levels), (method, route.path, levels)
            # and none of them is read from the query string
            keys = {d.key for level in kwargs.dependency_batches for d in level}
            assert not keys & {p.field_alias for p in kwargs.expected_query_params}, (method, route.path)


@pytest.fixture
def two_orgs(app_client: TestClient[Any], world: World) -> dict[str, Any]:
    a, b = world.org("acme"), world.org("globex")
    world.project(a, "p1", ["object-detection"])
    world.batch(a, "p1", "b1")
    return {
        "a": a,
        "b": b,
        "a_client": bearer(app_client, world.credential(a)),
        "b_client": bearer(app_client, world.credential(b)),
        "b_staff": bearer(app_client, world.credential(b, staff=True)),
    }


def test_another_organizations_projects_are_invisible(app_client, two_orgs) -> None:
    h = two_orgs["b_client"]
    assert app_client.get("/v1/projects", headers=h).json() == {"data": []}
    for method, path in [
        ("GET", "/v1/projects/p1"),
        ("GET", "/v1/projects/p1/batches"),
        ("GET", "/v1/projects/p1/batches/b1"),
        ("GET", "/v1/projects/p1/annotation-types"),
        ("GET", "/v1/projects/p1/batches/b1/annotation-types"),
        ("GET", "/v1/projects/p1/events"),
        ("POST", "/v1/projects/p1/batches/b2"),
        ("POST", "/v1/projects/p1/batches/b1/publish"),
    ]:
        r = app_client.request(method, path, headers=h)
        assert r.status_code == 404, (method, path, r.text)
        assert r.json() == {"message": "project p1 not found", "code": "project-not-found"}
    statuses = app_client.get("/v1/projects/p1/batches", headers=two_orgs["a_client"]).json()["data"]
    assert [(b["batch"], b["status"]) for b in statuses] == [("b1", "open")]


def test_staff_act_for_another_organization_with_the_header(app_client, two_orgs) -> None:
    h = {**two_orgs["b_staff"], "X-Organization-Id": str(two_orgs["a"])}
    assert [p["project"] for p in app_client.get("/v1/projects", headers=h).json()["data"]] == ["p1"]
    r = app_client.get(f"/v1/workspaces?anyRoleIn=developer&organizationIds={two_orgs['a']}", headers=h)
    assert [w["name"] for w in r.json()["data"]] == ["default"]


def test_a_client_may_not_act_for_another_organization(app_client, two_orgs) -> None:
    h = {**two_orgs["b_client"], "X-Organization-Id": str(two_orgs["a"])}
    r = app_client.get("/v1/projects", headers=h)
    assert r.status_code == 403 and r.json()["code"] == "foreign-organization"
    r = app_client.get(f"/v1/workspaces?organizationIds={two_orgs['a']}", headers=two_orgs["b_client"])
    assert r.status_code == 403


def test_a_client_may_name_its_own_organization(app_client, two_orgs) -> None:
    h = {**two_orgs["a_client"], "X-Organization-Id": str(two_orgs["a"])}
    assert app_client.get("/v1/projects", headers=h).status_code == 200


def authenticated_routes(app: Any) -> list[tuple[str, str]]:
    """Every (method, path) behind the `authenticate` hook, with the path's parameters filled in."""
    found = []
    for route in app.routes:
        for method, (handler, _) in getattr(route, "route_handler_map", {}).items():
            if method != "OPTIONS" and handler.resolve_before_request() is authenticate:
                found.append((method, re.sub(r"\{(\w+):\w+\}", r"x\1", route.path)))
    return found


def test_staff_acting_for_an_organization_that_does_not_exist_are_told_so_on_every_endpoint(
    app_client, two_orgs
) -> None:
    missing = two_orgs["b"] + 1000
    h = {**two_orgs["b_staff"], "X-Organization-Id": str(missing)}
    routes = authenticated_routes(app_client.app)
    assert ("POST", "/v1/projects") in routes and len(routes) > 30
    for method, path in routes:
        r = app_client.request(method, path, headers=h, json={"project": "p1", "title": "P"})
        assert (r.status_code, r.json()) == (
            404,
            {"message": f"organization {missing} not found", "code": "organization-not-found"},
        ), (method, path)
    # and a client naming it is refused as for any foreign organization, telling nothing more
    r = app_client.get("/v1/projects", headers={**two_orgs["b_client"], "X-Organization-Id": str(missing)})
    assert r.status_code == 403


def test_staff_naming_an_organization_that_does_not_exist_in_the_workspace_lookup_are_told_so(
    app_client, two_orgs
) -> None:
    missing = two_orgs["b"] + 1000
    r = app_client.get(f"/v1/workspaces?organizationIds={missing}", headers=two_orgs["b_staff"])
    assert (r.status_code, r.json()["message"]) == (404, f"organization {missing} not found")


def test_a_malformed_organization_header_is_bad_input(app_client, two_orgs) -> None:
    r = app_client.get("/v1/projects", headers={**two_orgs["a_client"], "X-Organization-Id": "acme"})
    assert r.status_code == 400 and "X-Organization-Id" in r.json()["message"]


# ------------------------------------------------------------------------ write options


@pytest.fixture
def h(app_client: TestClient[Any], world: World) -> dict[str, str]:
    org = world.org("acme")
    world.project(org, "p1", ["object-detection"])
    return bearer(app_client, world.credential(org))


def _batches(c: TestClient[Any], h: dict[str, str]) -> list[str]:
    return [b["batch"] for b in c.get("/v1/projects/p1/batches", headers=h).json()["data"]]


def test_a_retried_create_with_the_same_key_answers_the_first_result(app_client, h) -> None:
    hk = {**h, "Idempotency-Key": "k-1"}
    first = app_client.post("/v1/projects/p1/batches/b1", json={"publishPreviousBatches": False}, headers=hk)
    again = app_client.post("/v1/projects/p1/batches/b1", json={"publishPreviousBatches": False}, headers=hk)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert _batches(app_client, h) == ["b1"]


def test_the_same_key_for_a_different_request_is_a_conflict(app_client, h) -> None:
    hk = {**h, "Idempotency-Key": "k-1"}
    app_client.post("/v1/projects/p1/batches/b1", json={}, headers=hk)
    r = app_client.post("/v1/projects/p1/batches/b2", json={}, headers=hk)
    assert r.status_code == 409 and r.json()["code"] == "idempotency-key-reused"
    assert _batches(app_client, h) == ["b1"]


def test_keys_belong_to_one_organization(app_client, world: World, h) -> None:
    other = world.org("globex")
    world.project(other, "p1", ["x"])
    ho = bearer(app_client, world.credential(other))
    app_client.post("/v1/projects/p1/batches/b1", json={}, headers={**h, "Idempotency-Key": "shared"})
    r = app_client.post("/v1/projects/p1/batches/b9", json={}, headers={**ho, "Idempotency-Key": "shared"})
    assert r.status_code == 200 and r.json()["data"]["batch"] == "b9"


def test_a_key_used_in_one_workspace_never_answers_another_workspaces_request(
    app_client, world: World
) -> None:
    org = world.org("acme")
    world.run(world.ops.accounts.create_workspace(org, "lidar"))
    default = bearer(app_client, world.credential(org, workspace="default"))
    lidar = bearer(app_client, world.credential(org, workspace="lidar"))
    origin = {"position": {"x": 0, "y": 0, "z": 0}, "rotation_quaternion": {"w": 1, "x": 0, "y": 0, "z": 0}}
    body = {"externalId": "rig", "calibration": {"L": {"calibration_type": "lidar", **origin}}}
    first = app_client.post("/v1/calibrations", json=body, headers={**default, "Idempotency-Key": "k"})
    assert first.status_code == 200
    r = app_client.post("/v1/calibrations", json=body, headers={**lidar, "Idempotency-Key": "k"})
    assert (r.status_code, r.json()["code"]) == (409, "idempotency-key-reused")
    assert first.json()["data"]["id"] not in r.text
    assert app_client.get("/v1/calibrations", headers=lidar).json()["data"] == []


def test_a_failed_create_is_not_remembered_under_its_key(app_client, h) -> None:
    hk = {**h, "Idempotency-Key": "k-2"}
    app_client.post("/v1/projects/p1/batches/b1", json={}, headers=h)
    assert app_client.post("/v1/projects/p1/batches/b1", json={}, headers=hk).status_code == 409
    assert app_client.post("/v1/projects/p1/batches/b1", json={}, headers=hk).status_code == 409


def test_a_dry_run_create_answers_what_would_happen_and_writes_nothing(app_client, h) -> None:
    app_client.post("/v1/projects/p1/batches/b1", json={}, headers=h)
    r = app_client.post(
        "/v1/projects/p1/batches/b2", json={"publishPreviousBatches": True}, headers={**h, "X-Dryrun": ""}
    )
    assert r.status_code == 200 and r.json()["data"]["status"] == "open"
    statuses = {
        b["batch"]: b["status"] for b in app_client.get("/v1/projects/p1/batches", headers=h).json()["data"]
    }
    assert statuses == {"b1": "open"}
    assert [e["kind"] for e in app_client.get("/v1/projects/p1/events", headers=h).json()["data"]] == [
        "project.created",
        "batch.created",
    ]


def test_a_dry_run_still_reports_what_would_fail(app_client, h) -> None:
    app_client.post("/v1/projects/p1/batches/b1", json={}, headers=h)
    r = app_client.post("/v1/projects/p1/batches/b1", json={}, headers={**h, "X-Dryrun": "true"})
    assert r.status_code == 409


def test_an_empty_dry_run_header_asks_for_a_dry_run(app_client, h) -> None:
    r = app_client.post("/v1/projects/p1/batches/b1", json={}, headers={**h, "X-Dryrun": ""})
    assert r.status_code == 200 and r.json()["data"]["batch"] == "b1"
    assert _batches(app_client, h) == []


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_an_idempotency_key_outside_1_to_255_characters_is_bad_input(app_client, h, key: str) -> None:
    r = app_client.post("/v1/projects/p1/batches/b1", json={}, headers={**h, "Idempotency-Key": key})
    assert r.status_code == 400 and r.json() == {
        "message": "Idempotency-Key must be 1-255 characters",
        "code": "invalid-idempotency-key",
    }
    assert _batches(app_client, h) == []


def test_a_dry_run_publish_leaves_the_batch_open(app_client, h) -> None:
    app_client.post("/v1/projects/p1/batches/b1", json={}, headers=h)
    r = app_client.post("/v1/projects/p1/batches/b1/publish", headers={**h, "X-Dryrun": ""})
    assert r.json()["data"]["status"] == "ready"
    assert app_client.get("/v1/projects/p1/batches/b1", headers=h).json()["data"]["status"] == "open"
