"""`annobatch batch`: listing batches and moving them through their lifecycle, on SQLite and on
PostgreSQL; an illegal move is one line on stderr."""

from __future__ import annotations

from operator_testing import assert_refused, cli, ok_json

from conftest import World


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
