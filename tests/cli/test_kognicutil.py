"""kognicutil through click's runner, against the app in process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from litestar.testing import TestClient

from annobatch.cli.kognicutil import Options, cli
from annobatch.services.accounts import NewCredential
from conftest import World
from liveserver import free_port

HOST = "http://testserver.local"


def credentials_file(tmp_path: Path, cred: NewCredential) -> Path:
    path = tmp_path / "creds.json"
    body = {
        "clientId": cred.record.client_id,
        "clientSecret": cred.secret,
        "email": "e",
        "userId": 1,
        "issuer": "i",
    }
    path.write_text(json.dumps(body))
    return path


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "ANNOBATCH_HOST",
        "KOGNIC_CREDENTIALS",
        "KOGNIC_CLIENT_ID",
        "KOGNIC_CLIENT_SECRET",
        "KOGNIC_CLIENT_ORGANIZATION_ID",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def org(world: World) -> int:
    org = world.org("acme")
    world.project(
        org, "p1", ["object-detection", "lane-marking"], title="Highway", description="cameras only"
    )
    world.project(org, "p2", [], title="City")
    world.batch(org, "p1", "b1")
    return org


@pytest.fixture
def creds(world: World, org: int, tmp_path: Path) -> Path:
    return credentials_file(tmp_path, world.credential(org))


@pytest.fixture
def kognicutil(app_client: TestClient[Any], creds: Path) -> Any:
    def run(*args: str) -> Result:
        return CliRunner().invoke(
            cli, ["--host", HOST, "--credentials", str(creds), *args], obj=Options(http_client=app_client)
        )

    return run


def table_rows(output: str) -> list[list[str]]:
    """The body rows of a rich table: the cells between the vertical bars."""
    return [
        [c.strip() for c in line.strip("│").split("│")]
        for line in output.splitlines()
        if line.startswith("│")
    ]


def header(output: str) -> list[str]:
    line = next(line for line in output.splitlines() if line.startswith("┃"))
    return [c.strip() for c in line.strip("┃").split("┃")]


def test_projects_prints_the_official_columns(kognicutil: Any) -> None:
    result = kognicutil("projects")
    assert result.exit_code == 0, result.output
    assert "PROJECTS" in result.stdout
    assert header(result.stdout) == ["created", "project", "title", "description", "status"]
    rows = table_rows(result.stdout)
    assert [r[1:] for r in rows] == [
        ["p1", "Highway", "cameras only", "ongoing"],
        ["p2", "City", "", "ongoing"],
    ]


def test_project_batches_in_the_seeds_form_and_the_official_form_print_the_same(kognicutil: Any) -> None:
    seed = kognicutil("project", "p1", "--batches")
    official = kognicutil("projects", "p1", "--get-batches")
    assert seed.exit_code == official.exit_code == 0
    assert seed.stdout == official.stdout
    assert header(seed.stdout) == ["created", "project", "batch", "title", "status", "updated"]
    assert [r[1:5] for r in table_rows(seed.stdout)] == [["p1", "b1", "b1", "open"]]


def test_projects_with_a_project_shows_only_that_one(kognicutil: Any) -> None:
    result = kognicutil("projects", "p2")
    assert [r[1] for r in table_rows(result.stdout)] == ["p2"]
    assert [r[1] for r in table_rows(kognicutil("project", "p2").stdout)] == ["p2"]
    assert json.loads(kognicutil("--json", "project", "p2").stdout)["title"] == "City"
    assert [p["project"] for p in json.loads(kognicutil("--json", "projects", "p2").stdout)] == ["p2"]


def test_json_prints_the_wire_objects_before_or_after_the_command(kognicutil: Any) -> None:
    before = json.loads(kognicutil("--json", "projects").stdout)
    after = json.loads(kognicutil("projects", "--json").stdout)
    assert before == after
    assert [p["project"] for p in before] == ["p1", "p2"]
    assert set(before[0]) == {"project", "title", "description", "status", "created"}


def test_batch_create_with_publish_previous_batches(kognicutil: Any) -> None:
    result = kognicutil("batch", "create", "p1", "b2", "--publish-previous-batches")
    assert result.exit_code == 0, result.output
    assert [r[2:5] for r in table_rows(result.stdout)] == [["b2", "b2", "open"]]
    assert json.loads(kognicutil("--json", "batch", "create", "p1", "b3").stdout)["batch"] == "b3"
    batches = json.loads(kognicutil("--json", "project", "p1", "--batches").stdout)
    assert {b["batch"]: b["status"] for b in batches} == {"b1": "ready", "b2": "open", "b3": "open"}


def test_batch_create_dry_run_changes_nothing(kognicutil: Any) -> None:
    result = kognicutil("batch", "create", "p1", "b2", "--dry-run")
    assert result.exit_code == 0
    assert "dry run" in result.stdout
    assert [
        b["batch"] for b in json.loads(kognicutil("--json", "projects", "p1", "--get-batches").stdout)
    ] == ["b1"]


def test_batch_publish_makes_the_batch_ready(kognicutil: Any) -> None:
    result = kognicutil("--json", "batch", "publish", "p1", "b1")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["status"] == "ready"


def test_batch_show_prints_types_and_input_counts(kognicutil: Any) -> None:
    result = kognicutil("batch", "show", "p1", "b1")
    assert result.exit_code == 0
    assert "object-detection, lane-marking" in result.stdout
    assert "INPUTS" in result.stdout
    detail = json.loads(kognicutil("batch", "show", "p1", "b1", "--json").stdout)
    assert detail["inputCounts"]["total"] == 0
    assert detail["annotationTypes"] == ["object-detection", "lane-marking"]


def test_annotation_types_of_a_project_and_of_a_batch(kognicutil: Any) -> None:
    result = kognicutil("annotation-types", "p1")
    assert table_rows(result.stdout) == [["object-detection"], ["lane-marking"]]
    assert json.loads(kognicutil("--json", "annotation-types", "p1", "--batch", "b1").stdout) == [
        "object-detection",
        "lane-marking",
    ]


def test_events_prints_the_audit_log_oldest_first(kognicutil: Any) -> None:
    kognicutil("batch", "publish", "p1", "b1")
    events = json.loads(kognicutil("--json", "events", "p1", "--batch", "b1").stdout)
    assert events[0]["kind"] == "batch.created"
    assert len(events) >= 2
    limited = kognicutil("events", "p1", "--limit", "1")
    assert len(table_rows(limited.stdout)) == 1


def test_an_unknown_project_is_one_line_on_stderr_and_exit_1(kognicutil: Any) -> None:
    result = kognicutil("project", "nope", "--batches")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Error: project nope not found\n"


def test_bad_credentials_are_one_line_on_stderr_and_exit_1(
    app_client: TestClient[Any], world: World, org: int, tmp_path: Path
) -> None:
    path = credentials_file(tmp_path, world.credential(org))
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "clientSecret": "wrong"}))
    result = CliRunner().invoke(
        cli, ["--host", HOST, "--credentials", str(path), "projects"], obj=Options(http_client=app_client)
    )
    assert result.exit_code == 1
    assert result.stderr == "Error: authentication failed: unknown client id or wrong client secret\n"


def test_no_credentials_names_every_way_to_give_them() -> None:
    result = CliRunner().invoke(cli, ["projects"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    for way in ("--credentials FILE", "KOGNIC_CREDENTIALS", "KOGNIC_CLIENT_ID", "KOGNIC_CLIENT_SECRET"):
        assert way in result.stderr


def test_an_unreachable_server_is_one_line_naming_the_cause(creds: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(cli, ["--host", url, "--credentials", str(creds), "projects"])
    assert result.exit_code == 1
    assert result.stderr == f"Error: cannot reach {url}: connection refused\n"
    assert "Traceback" not in result.output


def test_a_host_without_a_scheme_is_refused_plainly(creds: Path) -> None:
    result = CliRunner().invoke(cli, ["--host", "localhost:8000", "--credentials", str(creds), "projects"])
    assert result.exit_code == 1
    assert result.stderr == "Error: host 'localhost:8000' must start with http:// or https://\n"


def test_staff_act_for_the_organization_in_kognic_client_organization_id(
    app_client: TestClient[Any], world: World, org: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = credentials_file(tmp_path, world.credential(world.org("vendor"), staff=True))
    monkeypatch.setenv("KOGNIC_CLIENT_ORGANIZATION_ID", str(org))
    result = CliRunner().invoke(
        cli,
        ["--host", HOST, "--credentials", str(staff), "--json", "projects"],
        obj=Options(http_client=app_client),
    )
    assert [p["project"] for p in json.loads(result.stdout)] == ["p1", "p2"]


def test_a_client_acting_for_another_organization_is_refused(
    kognicutil: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOGNIC_CLIENT_ORGANIZATION_ID", str(world.org("globex")))
    result = kognicutil("projects")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: this credential may not act for organization")


def test_get_batches_without_a_project_is_a_usage_error(kognicutil: Any) -> None:
    result = kognicutil("projects", "--get-batches")
    assert result.exit_code == 2
    assert "--get-batches needs a PROJECT" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["projects"],
        ["project"],
        ["batch"],
        ["batch", "create"],
        ["batch", "publish"],
        ["batch", "show"],
        ["annotation-types"],
        ["events"],
    ],
)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert "kognicutil " in result.stdout
