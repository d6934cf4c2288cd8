"""`annobatch org`, `workspace` and `credentials`: organizations with their workspaces, and
credentials files that get tokens, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from operator_testing import assert_refused, cli, ok_json


def test_org_create_prints_the_id_of_an_organization_with_a_default_workspace(database_url: str) -> None:
    r = cli(database_url, "org", "create", "acme")
    assert r.exit_code == 0, r.stderr
    org_id = int(r.stdout.strip())
    [listed] = ok_json(database_url, "org", "list")
    assert listed["id"] == org_id
    assert listed["name"] == "acme"
    assert [w["name"] for w in listed["workspaces"]] == ["default"]


def test_org_create_with_json_prints_the_organization_with_its_id(database_url: str) -> None:
    created = ok_json(database_url, "org", "create", "acme")
    assert isinstance(created["id"], int)
    assert created["name"] == "acme"
    assert created["created"].endswith("Z")
    assert [w["name"] for w in created["workspaces"]] == ["default"]


def test_a_duplicate_organization_is_refused_in_one_line(database_url: str) -> None:
    cli(database_url, "org", "create", "acme")
    assert_refused(cli(database_url, "org", "create", "acme"), "acme", "already exists")


def test_workspace_create_prints_the_workspace_id_and_finds_the_org_by_name_or_id(database_url: str) -> None:
    org_id = ok_json(database_url, "org", "create", "acme")["id"]
    r = cli(database_url, "workspace", "create", "--org", "acme", "lidar")
    assert r.exit_code == 0, r.stderr
    ws_id = r.stdout.strip()
    by_id = ok_json(database_url, "workspace", "create", "--org", str(org_id), "camera")
    assert by_id["organization"] == {"id": org_id, "name": "acme"}
    [listed] = ok_json(database_url, "org", "list")
    assert {w["name"]: w["id"] for w in listed["workspaces"]}["lidar"] == ws_id
    assert [w["name"] for w in listed["workspaces"]] == ["default", "lidar", "camera"]


def test_an_unknown_organization_is_refused_naming_it(database_url: str) -> None:
    assert_refused(cli(database_url, "workspace", "create", "--org", "nobody", "w"), "nobody", "not found")
    assert_refused(cli(database_url, "project", "list", "--org", "nobody"), "nobody")


def request_token(app_client: Any, doc: dict[str, Any]) -> Any:
    form = {"client_id": doc["clientId"], "client_secret": doc["clientSecret"]}
    return app_client.post("/v1/auth/oauth/token", data={"grant_type": "client_credentials", **form})


def test_credentials_create_prints_a_kognic_credentials_file_that_gets_a_token(
    database_url: str, app_client: Any
) -> None:
    cli(database_url, "org", "create", "acme")
    r = cli(database_url, "credentials", "create", "--org", "acme")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert set(doc) == {"clientId", "clientSecret", "email", "userId", "issuer", "created"}
    assert "shown once" in r.stderr
    token = request_token(app_client, doc)
    assert token.status_code == 200, token.text
    projects = app_client.get(
        "/v1/projects", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    assert projects.status_code == 200
    assert projects.json() == {"data": []}


def test_credentials_create_out_writes_a_private_file_and_prints_the_client_id(
    database_url: str, tmp_path: Path
) -> None:
    cli(database_url, "org", "create", "acme")
    out = tmp_path / "creds" / "acme.json"
    r = cli(database_url, "credentials", "create", "--org", "acme", "--out", str(out))
    assert r.exit_code == 0, r.stderr
    doc = json.loads(out.read_text())
    assert r.stdout.strip() == doc["clientId"]
    assert doc["clientSecret"] not in r.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_credentials_with_an_expiry_carry_expires_and_staff_ones_their_role(
    database_url: str, tmp_path: Path
) -> None:
    cli(database_url, "org", "create", "acme")
    out = tmp_path / "staff.json"
    described = ok_json(
        database_url, "credentials", "create", "--org", "acme", "--staff", "--expires-in", "30",
        "--workspace", "default", "--email", "ops@example.com", "--out", str(out),
    )  # fmt: skip
    doc = json.loads(out.read_text())
    assert described["id"] == doc["clientId"]
    assert described["role"] == "staff"
    assert described["email"] == doc["email"] == "ops@example.com"
    assert described["workspace"] is not None
    assert doc["expires"] == described["expires"]
    assert doc["expires"] > doc["created"]


def test_credentials_for_an_unknown_workspace_are_refused(database_url: str) -> None:
    cli(database_url, "org", "create", "acme")
    assert_refused(
        cli(database_url, "credentials", "create", "--org", "acme", "--workspace", "nope"), "workspace nope"
    )


def test_a_revoked_credential_gets_no_token(database_url: str, app_client: Any) -> None:
    cli(database_url, "org", "create", "acme")
    doc = json.loads(cli(database_url, "credentials", "create", "--org", "acme").stdout)
    revoked = ok_json(database_url, "credentials", "revoke", doc["clientId"])
    assert revoked["revoked"] is True
    assert revoked["organization"]["name"] == "acme"
    token = request_token(app_client, doc)
    assert token.status_code == 401


def test_revoking_an_unknown_credential_is_refused(database_url: str) -> None:
    assert_refused(
        cli(database_url, "credentials", "revoke", "no-such-client"), "no-such-client", "not found"
    )
