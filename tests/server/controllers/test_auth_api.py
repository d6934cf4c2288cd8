"""The token endpoint: tokens for credentials, refused for wrong, revoked or expired ones; secrets and
signing keys."""

from __future__ import annotations

import dataclasses
from typing import Any

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
