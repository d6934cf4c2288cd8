"""Tokens, credentials, roles and the wall between organizations."""

from __future__ import annotations

import dataclasses
from typing import Any

import jwt
import pytest
from litestar.testing import TestClient

from annobatch.server.app import create_app
from annobatch.settings import Settings, UnsafeSettings
from annobatch.storage.records import now_micros
from conftest import World, bearer


def _token(c: TestClient[Any], client_id: str, secret: str, grant: str = "client_credentials") -> Any:
    return c.post(
        "/v1/auth/oauth/token", data={"grant_type": grant, "client_id": client_id, "client_secret": secret}
    )


def test_the_token_endpoint_answers_a_bearer_token_for_an_hour(app_client, world: World) -> None:
    cred = world.credential(world.org("acme"))
    r = _token(app_client, cred.record.client_id, cred.secret)
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"].lower() == "bearer" and body["expires_in"] == 3600
    assert r.headers["cache-control"] == "no-store"


def test_a_wrong_secret_gets_an_oauth_error(app_client, world: World) -> None:
    cred = world.credential(world.org("acme"))
    r = _token(app_client, cred.record.client_id, "wrong")
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_client"


def test_an_unknown_grant_type_is_refused(app_client, world: World) -> None:
    cred = world.credential(world.org("acme"))
    r = _token(app_client, cred.record.client_id, cred.secret, grant="password")
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"


def test_no_credentials_at_all_is_refused(app_client) -> None:
    r = app_client.post(
        "/v1/auth/oauth/token", content=b"grant_type=client_credentials&client_id=None&client_secret="
    )
    assert r.status_code == 401 and "error" in r.json()


def test_the_secret_is_stored_hashed(world: World) -> None:
    cred = world.credential(world.org("acme"))
    assert cred.secret not in cred.record.secret_hash and cred.record.secret_hash.startswith("sha256$")


def test_requests_without_a_valid_token_are_401(app_client, world: World) -> None:
    assert app_client.get("/v1/projects").status_code == 401
    assert app_client.get("/v1/projects", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    forged = jwt.encode(
        {"sub": "x", "org": 1, "role": "staff", "iss": "annobatch", "exp": 2**40}, "k" * 40, "HS256"
    )
    r = app_client.get("/v1/projects", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and r.json()["code"] == "invalid-token"


def test_a_revoked_credential_gets_no_token_and_its_token_stops_working(settings, world: World) -> None:
    cred = world.credential(world.org("acme"))
    quick = dataclasses.replace(settings, revocation_check_seconds=0)
    with TestClient(create_app(quick)) as c:
        h = bearer(c, cred)
        assert c.get("/v1/projects", headers=h).status_code == 200
        world.run(world.ops.accounts.revoke_credential(cred.record.client_id))
        r = c.get("/v1/projects", headers=h)
        assert r.status_code == 401 and "revoked" in r.json()["message"]
        assert _token(c, cred.record.client_id, cred.secret).status_code == 401


def test_an_expired_credential_gets_no_token(app_client, world: World) -> None:
    org = world.org("acme")
    cred = world.run(
        world.ops.accounts.create_credential(org, workspace=None, staff=False, expires=now_micros() - 1)
    )
    r = _token(app_client, cred.record.client_id, cred.secret)
    assert r.status_code == 401 and "expired" in r.json()["error_description"]


def test_weak_secret_keys_are_refused_outside_dev(tmp_path) -> None:
    with pytest.raises(UnsafeSettings):
        Settings(data_dir=tmp_path, secret_key="secret")
    assert Settings(data_dir=tmp_path, secret_key="secret", dev=True).secret_key == "secret"


# ------------------------------------------------------------------------------- tenancy


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


def test_a_malformed_organization_header_is_bad_input(app_client, two_orgs) -> None:
    r = app_client.get("/v1/projects", headers={**two_orgs["a_client"], "X-Organization-Id": "acme"})
    assert r.status_code == 400 and "X-Organization-Id" in r.json()["message"]


def test_the_workspace_lookup_gives_exactly_the_callers_workspace(app_client, world: World) -> None:
    org = world.org("acme")
    world.run(world.ops.accounts.create_workspace(org, "second"))
    every = bearer(app_client, world.credential(org))
    one = bearer(app_client, world.credential(org, workspace="second"))
    names = [
        w["name"] for w in app_client.get("/v1/workspaces?anyRoleIn=developer", headers=every).json()["data"]
    ]
    assert names == ["default", "second"]
    body = app_client.get("/v1/workspaces?anyRoleIn=developer", headers=one).json()
    assert [w["name"] for w in body["data"]] == ["second"] and "metadata" not in body
    ws = body["data"][0]
    assert ws["organization"]["name"] == "acme"
    assert ws["created"].endswith("Z") and len(ws["created"].split(".")[1]) == 7
