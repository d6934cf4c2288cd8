"""The operator CLI in process (click's CliRunner), on SQLite and on PostgreSQL: every command, its
`--json` output, and its answers to mistakes (one line on stderr, exit status 1)."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from annobatch.cli.operator import main
from conftest import World


def cli(database_url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["--database-url", database_url, *args], env=env, catch_exceptions=False)


def ok_json(database_url: str, *args: str) -> Any:
    r = cli(database_url, "--json", *args)
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def assert_refused(r: Result, *words: str) -> str:
    """Exit status 1, one line on stderr naming `words`, nothing on stdout, no traceback."""
    assert r.exit_code == 1, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.output
    assert r.stdout == ""
    for w in words:
        assert w in lines[0]
    return lines[0]


# ------------------------------------------------------------------------------- organizations


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


# ------------------------------------------------------------------------------- credentials


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


# ------------------------------------------------------------------------------- projects


def test_project_create_and_list_show_the_project_and_its_annotation_types(database_url: str) -> None:
    cli(database_url, "org", "create", "acme")
    created = ok_json(
        database_url, "project", "create", "--org", "acme", "p1", "--title", "Highway",
        "--description", "camera", "--annotation-types", "object-detection,lane-marking",
    )  # fmt: skip
    assert created["id"] == created["project"] == "p1"
    assert created["status"] == "ongoing"
    assert created["annotationTypes"] == ["object-detection", "lane-marking"]
    [listed] = ok_json(database_url, "project", "list", "--org", "acme")
    assert {k: listed[k] for k in ("project", "title", "description", "status")} == {
        "project": "p1", "title": "Highway", "description": "camera", "status": "ongoing",
    }  # fmt: skip
    table = cli(database_url, "project", "list", "--org", "acme")
    assert table.exit_code == 0
    assert "Highway" in table.stdout and "object-detection" in table.stdout


def test_project_create_prints_the_project_id_and_pending_starts_pending(database_url: str) -> None:
    cli(database_url, "org", "create", "acme")
    r = cli(database_url, "project", "create", "--org", "acme", "p1", "--title", "T", "--pending")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == "p1"
    [listed] = ok_json(database_url, "project", "list")
    assert listed["status"] == "pending"


def test_project_list_without_org_lists_every_organization(database_url: str) -> None:
    for org, project in (("acme", "p1"), ("beta", "q1")):
        cli(database_url, "org", "create", org)
        cli(database_url, "project", "create", "--org", org, project, "--title", project)
    listed = ok_json(database_url, "project", "list")
    assert [(p["organization"]["name"], p["project"]) for p in listed] == [("acme", "p1"), ("beta", "q1")]
    assert [p["project"] for p in ok_json(database_url, "project", "list", "--org", "beta")] == ["q1"]


def test_a_duplicate_project_is_refused_in_one_line(database_url: str) -> None:
    cli(database_url, "org", "create", "acme")
    cli(database_url, "project", "create", "--org", "acme", "p1", "--title", "T")
    assert_refused(
        cli(database_url, "project", "create", "--org", "acme", "p1", "--title", "T"), "p1", "already exists"
    )


def test_an_invalid_project_id_is_refused_naming_the_rule(database_url: str) -> None:
    cli(database_url, "org", "create", "acme")
    line = assert_refused(cli(database_url, "project", "create", "--org", "acme", "bad!id", "--title", "T"))
    assert "1-128 characters" in line


def test_project_set_status_moves_the_project_and_an_unknown_status_is_bad_usage(database_url: str) -> None:
    cli(database_url, "org", "create", "acme")
    cli(database_url, "project", "create", "--org", "acme", "p1", "--title", "T")
    r = cli(database_url, "project", "set-status", "--org", "acme", "p1", "completed")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == "project p1: ongoing -> completed"
    assert (
        ok_json(database_url, "project", "set-status", "--org", "acme", "p1", "archived")["status"]
        == "archived"
    )
    assert cli(database_url, "project", "set-status", "--org", "acme", "p1", "done").exit_code == 2


def test_project_set_annotation_types_sets_what_the_first_batch_inherits(database_url: str) -> None:
    cli(database_url, "org", "create", "acme")
    cli(database_url, "project", "create", "--org", "acme", "p1", "--title", "T")
    cli(database_url, "project", "set-annotation-types", "--org", "acme", "p1", "a,b")
    batch = ok_json(database_url, "batch", "create", "--org", "acme", "p1", "b1")
    assert batch["status"] == "open"
    assert batch["annotationTypes"] == ["a", "b"]


# ------------------------------------------------------------------------------- batches


def test_batch_list_shows_status_annotation_types_and_input_counts(database_url: str, world: World) -> None:
    org = world.org("acme")
    world.project(org, "p1", ["object-detection"])
    world.batch(org, "p1", "b1")
    world.batch(org, "p1", "b2", publish_previous_batches=True)
    listed = ok_json(database_url, "batch", "list", "--org", "acme", "p1")
    assert [(b["id"], b["status"]) for b in listed] == [("b1", "ready"), ("b2", "open")]
    assert listed[0]["annotationTypes"] == ["object-detection"]
    assert listed[0]["inputCounts"]["total"] == 0
    table = cli(database_url, "batch", "list", "--org", str(org), "p1")
    assert table.exit_code == 0
    assert "b2" in table.stdout and "open" in table.stdout


def test_batches_move_through_the_whole_lifecycle(database_url: str, world: World) -> None:
    org = world.org("acme")
    world.project(org, "p1")
    world.batch(org, "p1", "b1")  # nothing to inherit: pending
    assert ok_json(database_url, "batch", "list", "--org", "acme", "p1")[0]["status"] == "pending"
    types = ok_json(database_url, "batch", "set-annotation-types", "--org", "acme", "p1", "b1", "cuboid,lane")
    assert types["annotationTypes"] == ["cuboid", "lane"]
    seen = []
    for action in ("open", "publish", "reopen", "publish", "start", "complete", "archive"):
        seen.append(ok_json(database_url, "batch", action, "--org", "acme", "p1", "b1")["status"])
    assert seen == ["open", "ready", "open", "ready", "in-progress", "completed", "archived"]


def test_a_transition_prints_both_statuses(database_url: str, world: World) -> None:
    org = world.org("acme")
    world.project(org, "p1", ["a"])
    world.batch(org, "p1", "b1")
    r = cli(database_url, "batch", "publish", "--org", "acme", "p1", "b1")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == "batch b1 of project p1: open -> ready (annotation types: a)"


def test_an_illegal_transition_is_refused_naming_both_statuses(database_url: str, world: World) -> None:
    org = world.org("acme")
    world.project(org, "p1", ["a"])
    world.batch(org, "p1", "b1")
    line = assert_refused(cli(database_url, "batch", "complete", "--org", "acme", "p1", "b1"))
    assert "open" in line and "completed" in line


def test_opening_a_batch_without_annotation_types_is_refused(database_url: str, world: World) -> None:
    org = world.org("acme")
    world.project(org, "p1")
    world.batch(org, "p1", "b1")
    assert_refused(cli(database_url, "batch", "open", "--org", "acme", "p1", "b1"), "no annotation types")


def test_an_unknown_batch_or_project_is_refused(database_url: str, world: World) -> None:
    org = world.org("acme")
    world.project(org, "p1", ["a"])
    assert_refused(cli(database_url, "batch", "start", "--org", "acme", "p1", "nope"), "batch nope")
    assert_refused(cli(database_url, "batch", "list", "--org", "acme", "nope"), "project nope")


def test_a_duplicate_batch_is_refused(database_url: str, world: World) -> None:
    org = world.org("acme")
    world.project(org, "p1", ["a"])
    world.batch(org, "p1", "b1")
    assert_refused(cli(database_url, "batch", "create", "--org", "acme", "p1", "b1"), "already exists")


def test_another_organizations_project_is_not_found(database_url: str, world: World) -> None:
    acme, beta = world.org("acme"), world.org("beta")
    world.project(acme, "p1", ["a"])
    world.batch(acme, "p1", "b1")
    assert_refused(
        cli(database_url, "batch", "publish", "--org", str(beta), "p1", "b1"), "project p1 not found"
    )


# ------------------------------------------------------------------------------- the database


def test_options_may_follow_the_subcommand_and_data_comes_from_the_environment(tmp_path: Path) -> None:
    runner = CliRunner()
    data = tmp_path / "elsewhere"
    up = runner.invoke(main, ["db", "upgrade", "--data", str(data)], env={"ANNOBATCH_DATABASE_URL": ""})
    assert up.exit_code == 0, up.stderr
    assert (data / "annobatch.db").exists()
    env = {"ANNOBATCH_DATA": str(data), "ANNOBATCH_DATABASE_URL": ""}
    created = runner.invoke(main, ["org", "create", "acme", "--json"], env=env)
    assert created.exit_code == 0, created.stderr
    assert json.loads(created.stdout)["name"] == "acme"


def test_db_upgrade_creates_the_database_and_running_it_again_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'annobatch.db'}"
    first = cli(url, "--json", "db", "upgrade")
    assert first.exit_code == 0, first.stderr
    again = cli(url, "--json", "db", "upgrade")
    assert json.loads(first.stdout) == json.loads(again.stdout)
    assert json.loads(first.stdout)["revision"]


def test_commands_on_a_missing_database_say_to_run_db_upgrade_and_create_nothing(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["--data", str(tmp_path / "data"), "org", "create", "acme"], env={
        "ANNOBATCH_DATABASE_URL": ""
    })  # fmt: skip
    assert_refused(r, "annobatch db upgrade")
    assert not (tmp_path / "data").exists()


def test_commands_on_an_uninitialised_database_say_to_run_db_upgrade(
    backend: str, database_url: str, tmp_path: Path, postgres_admin_url: str | None, runner: Any
) -> None:
    from conftest import fresh_postgres_database

    if backend == "sqlite":
        empty = tmp_path / "empty.db"
        empty.touch()
        assert_refused(cli(f"sqlite:///{empty}", "project", "list"), "has not been initialised", "db upgrade")
        return
    assert postgres_admin_url is not None
    with fresh_postgres_database(postgres_admin_url, runner, migrate=False) as url:
        assert_refused(cli(url, "project", "list"), "has not been initialised", "db upgrade")


def test_an_unreachable_database_is_one_line_without_the_password() -> None:
    r = cli("postgresql://ops:hunter2@127.0.0.1:1/annobatch", "project", "list")
    line = assert_refused(r, "cannot open the database")
    assert "hunter2" not in line


def test_db_upgrade_on_an_unreachable_database_is_one_line() -> None:
    line = assert_refused(cli("postgresql://ops:hunter2@127.0.0.1:1/annobatch", "db", "upgrade"))
    assert "cannot migrate the database at postgresql://ops:***@127.0.0.1:1/annobatch" in line


def test_an_unsupported_database_url_is_refused() -> None:
    assert_refused(cli("mysql://localhost/x", "project", "list"), "unsupported database URL")


def test_serve_refuses_a_weak_secret_key_in_one_line(tmp_path: Path) -> None:
    r = CliRunner().invoke(
        main,
        ["--data", str(tmp_path), "serve"],
        env={"ANNOBATCH_SECRET_KEY": "secret", "ANNOBATCH_DATABASE_URL": ""},
    )
    assert_refused(r, "ANNOBATCH_SECRET_KEY", "--dev")
    assert not (tmp_path / "annobatch.db").exists()
