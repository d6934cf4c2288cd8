"""`annobatch project`: creating, listing and setting up projects, on SQLite and on PostgreSQL."""

from __future__ import annotations

from operator_testing import assert_refused, cli, ok_json


def test_project_create_and_list_show_the_project_and_its_annotation_types(database_url: str) -> None:
    cli(database_url, "org", "create", "acme")
    created = ok_json(
        database_url, "project", "create", "--org", "acme", "p1", "--title", "Highway",
        "--description", "camera", "--annotation-types", "object-detection,lane-marking",
    )  # fmt: skip
    assert created["id"] == created["project"] == "p1"
    assert created["status"] == "ongoing"
    assert created["annotationTypes"] == ["object-detection", "lane-marking"]
    assert created["workflow"] == ["annotate", "review"]
    assert len(created["uuid"]) == 36  # what the official client's get_requests takes
    [listed] = ok_json(database_url, "project", "list", "--org", "acme")
    assert {k: listed[k] for k in ("project", "title", "description", "status")} == {
        "project": "p1", "title": "Highway", "description": "camera", "status": "ongoing",
    }  # fmt: skip
    table = cli(database_url, "project", "list", "--org", "acme")
    assert table.exit_code == 0
    assert "Highway" in table.stdout and "object-detection" in table.stdout
    assert created["uuid"] in table.stdout


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


def test_project_create_in_an_organization_that_does_not_exist_says_so(database_url: str) -> None:
    cli(database_url, "org", "create", "acme")
    for missing in ("999", "nobody"):
        r = cli(database_url, "project", "create", "--org", missing, "p1", "--title", "T")
        assert_refused(r, f"organization {missing} not found")
