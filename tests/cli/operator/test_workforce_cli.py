"""`annobatch workforce` and the project's work settings (`project members`, `project
set-workflow`, `batch set-workflow`, `project set-classes`), on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from operator_testing import assert_refused
from operator_work_testing import Work

from conftest import World


def test_workforce_add_writes_a_credentials_file_the_official_client_reads(
    database_url: str, world: World, tmp_path: Path
) -> None:
    work = Work(world, database_url, tmp_path / "data")
    path = tmp_path / "anna.json"
    r = work.cli("workforce", "add", "--org", "acme", "--role", "annotator", "anna", "--out", str(path))
    assert r.exit_code == 0, r.stderr
    doc = json.loads(path.read_text())
    assert {"clientId", "clientSecret", "email", "userId", "issuer", "created"} <= set(doc)
    assert r.stdout.strip() == str(doc["userId"])
    assert "annotator 'anna'" in r.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    listed = work.ok("workforce", "list", "--org", "acme")
    assert [(m["userId"], m["role"]) for m in listed] == [(doc["userId"], "annotator")]
    table = work.cli("workforce", "list", "--org", "acme")
    assert table.exit_code == 0 and "annotator" in table.stdout and str(doc["userId"]) in table.stdout


def test_workforce_add_refuses_a_role_that_is_not_the_workforce_s(
    database_url: str, world: World, tmp_path: Path
) -> None:
    work = Work(world, database_url, tmp_path / "data")
    r = work.cli(
        "workforce", "add", "--org", "acme", "--role", "staff", "x", "--out", str(tmp_path / "x.json")
    )
    assert r.exit_code == 2 and "annotator" in r.stderr
    assert not (tmp_path / "x.json").exists()
    assert_refused(work.cli("workforce", "add", "--org", "nobody", "--role", "reviewer", "x"), "nobody")


def test_members_are_added_listed_and_removed(database_url: str, world: World, tmp_path: Path) -> None:
    work = Work(world, database_url, tmp_path / "data")
    anna = work.member("annotator", "anna", tmp_path / "anna.json")
    rita = work.member("reviewer", "rita", tmp_path / "rita.json")
    listed = work.ok("project", "members", "list", "--org", "acme", "p1")
    assert sorted((m["userId"], m["role"]) for m in listed) == sorted(
        [(anna, "annotator"), (rita, "reviewer")]
    )
    assert {p for m in work.ok("workforce", "list", "--org", "acme") for p in m["projects"]} == {"p1"}

    r = work.cli("project", "members", "remove", "--org", "acme", "p1", str(anna))
    assert r.exit_code == 0, r.stderr
    assert f"user(s) {anna} removed from project p1; it has 1 member(s)" in r.stdout
    assert [m["userId"] for m in work.ok("project", "members", "list", "--org", "acme", "p1")] == [rita]
    table = work.cli("project", "members", "list", "--org", "acme", "p1")
    assert "reviewer" in table.stdout and "annotator" not in table.stdout
    again = work.cli("project", "members", "remove", "--org", "acme", "p1", str(anna))
    assert again.stdout.strip() == f"{anna} not members; it has 1 member(s)"
    twice = work.cli("project", "members", "add", "--org", "acme", "p1", str(rita), str(anna))
    assert (
        twice.stdout.strip()
        == f"user(s) {anna} added to project p1; {rita} already members; it has 2 member(s)"
    )


def test_only_workforce_members_of_the_organization_can_join_a_project(
    database_url: str, world: World, tmp_path: Path
) -> None:
    work = Work(world, database_url, tmp_path / "data")
    client = world.credential(work.org)
    assert_refused(work.cli("project", "members", "add", "--org", "acme", "p1", str(client.record.user_id)))
    assert_refused(work.cli("project", "members", "add", "--org", "acme", "p1", "12345"))
    assert work.ok("project", "members", "list", "--org", "acme", "p1") == []


def test_workflows_are_set_on_projects_and_batches(database_url: str, world: World, tmp_path: Path) -> None:
    work = Work(world, database_url, tmp_path / "data")
    r = work.cli(
        "project", "set-workflow", "--org", "acme", "p1", "annotate,review,review,integration-review"
    )
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == "project p1: workflow annotate -> review -> review -> integration-review"
    dry = work.ok("batch", "set-workflow", "--org", "acme", "p1", "b1", "annotate", "--dry-run")
    assert dry == {"project": "p1", "batch": "b1", "workflow": ["annotate"], "dryRun": True}
    done = work.ok("batch", "set-workflow", "--org", "acme", "p1", "b1", "annotate")
    assert done["workflow"] == ["annotate"]

    assert_refused(work.cli("project", "set-workflow", "--org", "acme", "p1", "review,annotate"), "annotate")
    assert_refused(
        work.cli("batch", "set-workflow", "--org", "acme", "p1", "b1", "annotate,integration-review,review"),
        "integration-review",
    )
    assert_refused(work.cli("batch", "set-workflow", "--org", "acme", "p1", "nope", "annotate"), "nope")


def test_a_batch_workflow_is_fixed_once_its_work_has_started(
    database_url: str, world: World, tmp_path: Path
) -> None:
    work = Work(world, database_url, tmp_path / "data")
    work.scene("s1")
    work.member("annotator", "anna", tmp_path / "anna.json")
    work.ok("batch", "publish", "--org", "acme", "p1", "b1")
    assert work.cli("tasks", "next", "--credentials", str(tmp_path / "anna.json")).exit_code == 0
    assert_refused(work.cli("batch", "set-workflow", "--org", "acme", "p1", "b1", "annotate"))
    # its dry run is refused as the change is
    assert_refused(work.cli("batch", "set-workflow", "--org", "acme", "p1", "b1", "annotate", "--dry-run"))


def test_classes_are_set_per_annotation_type(database_url: str, world: World, tmp_path: Path) -> None:
    work = Work(world, database_url, tmp_path / "data")
    r = work.cli("project", "set-classes", "--org", "acme", "p1", "object-detection", "car,pedestrian")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == "project p1, object-detection: classes car, pedestrian"
    assert_refused(
        work.cli("project", "set-classes", "--org", "acme", "nope", "object-detection", "car"), "nope"
    )


def test_workforce_add_without_out_prints_the_file_and_may_bind_a_workspace(
    database_url: str, world: World, tmp_path: Path
) -> None:
    work = Work(world, database_url, tmp_path / "data")
    r = work.cli("workforce", "add", "--org", "acme", "--role", "reviewer", "rita", "--workspace", "default")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert {"clientId", "clientSecret", "userId"} <= set(doc) and "shown once" in r.stderr
    [member] = work.ok("workforce", "list", "--org", "acme")
    assert member["userId"] == doc["userId"] and member["workspace"] is not None
    assert (member["role"], member["name"], member["projects"]) == ("reviewer", "rita", [])


def test_every_workforce_change_has_a_dry_run_that_checks_everything_and_changes_nothing(
    database_url: str, world: World, tmp_path: Path
) -> None:
    work = Work(world, database_url, tmp_path / "data")

    def kinds() -> list[str]:
        rows, _ = world.run(world.ops.projects.list_events(work.caller, "p1", None, 0, 500))
        return [e.kind for e in rows]

    dry = work.cli("workforce", "add", "--org", "acme", "--role", "annotator", "anna", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert dry.stdout.strip() == "annotator 'anna' of 'acme' would be created (dry run: nothing changed)"
    assert work.ok("workforce", "list", "--org", "acme") == []
    assert_refused(
        work.cli(
            "workforce",
            "add",
            "--org",
            "acme",
            "--role",
            "annotator",
            "x",
            "--workspace",
            "nope",
            "--dry-run",
        ),
        "nope",
    )

    anna = work.member("annotator", "anna", tmp_path / "anna.json")
    events_before = len(kinds())
    work.ok("project", "members", "remove", "--org", "acme", "p1", str(anna))
    dry = work.cli("project", "members", "add", "--org", "acme", "p1", str(anna), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert dry.stdout.strip() == (
        f"user(s) {anna} would be added to project p1; it has 0 member(s) (dry run: nothing changed)"
    )
    as_json = work.ok("project", "members", "add", "--org", "acme", "p1", str(anna), "--dry-run")
    assert as_json == {"project": "p1", "dryRun": True, "wouldChange": [anna], "unchanged": []}
    assert work.ok("project", "members", "list", "--org", "acme", "p1") == []
    assert_refused(work.cli("project", "members", "add", "--org", "acme", "p1", "12345", "--dry-run"))
    work.ok("project", "members", "add", "--org", "acme", "p1", str(anna))
    dry = work.ok("project", "members", "remove", "--org", "acme", "p1", str(anna), "--dry-run")
    assert dry["wouldChange"] == [anna]
    assert [m["userId"] for m in work.ok("project", "members", "list", "--org", "acme", "p1")] == [anna]

    dry = work.cli("project", "set-classes", "--org", "acme", "p1", "object-detection", "car", "--dry-run")
    assert dry.stdout.strip() == "project p1, object-detection: classes car (dry run: nothing changed)"
    assert_refused(
        work.cli("project", "set-classes", "--org", "acme", "nope", "object-detection", "car", "--dry-run"),
        "nope",
    )
    dry = work.ok("project", "set-workflow", "--org", "acme", "p1", "annotate", "--dry-run")
    assert dry == {"project": "p1", "workflow": ["annotate"], "dryRun": True}

    after = kinds()
    assert "project.classes-set" not in after and "project.workflow-set" not in after
    assert len(after) == events_before + 2  # the real removal and the real addition, nothing more
