"""`annobatch tasks`: an input taken from `not_started` to `completed`, and its batch to
`completed`, purely through the `tasks` commands as a workforce member; the refusals on the way.
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from operator_testing import assert_refused
from operator_work_testing import Work, openlabel, write_json

from conftest import World


def test_tasks_take_an_input_and_its_batch_to_completed(
    database_url: str, world: World, tmp_path: Path
) -> None:
    work = Work(world, database_url, tmp_path / "data")
    work.scene("s1")
    anna = tmp_path / "anna.json"
    rita = tmp_path / "rita.json"
    work.member("annotator", "anna", anna)
    work.member("reviewer", "rita", rita)
    work.ok("project", "set-classes", "--org", "acme", "p1", "object-detection", "car,pedestrian")
    work.ok("batch", "publish", "--org", "acme", "p1", "b1")
    [todo] = work.ok("tasks", "list", "--org", "acme", "--project", "p1", "--status", "todo")
    assert (todo["kind"], todo["status"]) == ("annotate", "todo")
    assert [i.work_status for i in work.inputs()] == ["not_started"]

    # The annotator claims the annotate task: the input is in progress, so is the batch.
    claimed = work.ok("tasks", "next", "--credentials", str(anna))
    assert (claimed["id"], claimed["kind"], claimed["status"]) == (todo["id"], "annotate", "ongoing")
    assert claimed["scene"]["externalId"] == "s1" and claimed["annotationTypes"] == ["object-detection"]
    assert claimed["classes"] == {"object-detection": ["car", "pedestrian"]}
    assert work.ok("tasks", "show", todo["id"], "--credentials", str(anna))["status"] == "ongoing"
    assert [i.work_status for i in work.inputs()] == ["in_progress"]
    assert work.batch_status() == "in-progress"

    doc = write_json(tmp_path / "s1.json", openlabel(("car", "pedestrian")))
    r = work.cli(
        "tasks", "submit", todo["id"], "--credentials", str(anna), "--type", "object-detection", str(doc)
    )
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith(f"task {todo['id']} submitted: object-detection ")

    # The reviewer rejects with feedback: a correct task for the annotator.
    review = work.ok("tasks", "next", "--credentials", str(rita))
    assert review["kind"] == "review"
    items = [{"errorTypeId": "missing-object", "description": "a cyclist"}]
    feedback = write_json(tmp_path / "fb.json", items)
    r = work.cli(
        "tasks", "review", review["id"], "--credentials", str(rita), "--reject", "--feedback", str(feedback)
    )
    assert r.exit_code == 0, r.stderr
    assert f"task {review['id']} rejected with 1 feedback item(s)" in r.stdout

    correct = work.ok("tasks", "next", "--credentials", str(anna))
    assert correct["kind"] == "correct" and correct["review"] is not None
    r = work.cli(
        "tasks", "submit", correct["id"], "--credentials", str(anna), "--type", "object-detection", str(doc)
    )
    assert r.exit_code == 0, r.stderr

    again = work.ok("tasks", "next", "--credentials", str(rita))
    assert again["kind"] == "review"
    r = work.cli("tasks", "review", again["id"], "--credentials", str(rita), "--accept")
    assert r.exit_code == 0, r.stderr

    # Delivered: the input is completed, and with it the batch.
    assert [i.work_status for i in work.inputs()] == ["completed"]
    assert work.batch_status() == "completed"
    done = work.ok("tasks", "list", "--org", "acme", "--project", "p1", "--batch", "b1")
    assert [(t["kind"], t["status"]) for t in done] == [
        ("annotate", "done"), ("review", "done"), ("correct", "done"), ("review", "done"),
    ]  # fmt: skip
    assert_refused(work.cli("tasks", "next", "--credentials", str(anna)), "nothing")


def test_a_task_given_up_is_claimable_again(database_url: str, world: World, tmp_path: Path) -> None:
    work = Work(world, database_url, tmp_path / "data")
    work.scene("s1")
    anna, bert = tmp_path / "anna.json", tmp_path / "bert.json"
    work.member("annotator", "anna", anna)
    work.member("annotator", "bert", bert)
    work.ok("batch", "publish", "--org", "acme", "p1", "b1")
    first = work.ok("tasks", "next", "--credentials", str(anna))
    assert_refused(work.cli("tasks", "next", "--credentials", str(bert)), "nothing")
    # Only its holder may submit or give it up.
    doc = write_json(tmp_path / "d.json", openlabel())
    assert_refused(
        work.cli(
            "tasks", "submit", first["id"], "--credentials", str(bert), "--type", "object-detection", str(doc)
        )
    )
    r = work.cli("tasks", "give-up", first["id"], "--credentials", str(anna))
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == f"task {first['id']} given up: todo again"
    assert work.ok("tasks", "next", "--credentials", str(bert))["id"] == first["id"]


def test_an_invalid_submission_changes_nothing(database_url: str, world: World, tmp_path: Path) -> None:
    work = Work(world, database_url, tmp_path / "data")
    work.scene("s1")
    anna = tmp_path / "anna.json"
    work.member("annotator", "anna", anna)
    work.ok("batch", "publish", "--org", "acme", "p1", "b1")
    task = work.ok("tasks", "next", "--credentials", str(anna))
    bad = write_json(tmp_path / "bad.json", {"openlabel": {"metadata": {"schema_version": "0.1"}}})
    tid = task["id"]
    assert_refused(
        work.cli("tasks", "submit", tid, "--credentials", str(anna), "--type", "object-detection", str(bad)),
        "object-detection",
    )
    good = write_json(tmp_path / "good.json", openlabel())
    assert_refused(
        work.cli("tasks", "submit", tid, "--credentials", str(anna), "--type", "lanes", str(good)), "lanes"
    )
    # One --type per file, in order.
    r = work.cli(
        "tasks", "submit", tid, "--credentials", str(anna), "--type", "object-detection", str(good), str(bad)
    )
    assert r.exit_code == 2 and "one --type per file" in r.stderr
    [still] = work.ok("tasks", "list", "--org", "acme")
    assert (still["id"], still["status"]) == (tid, "ongoing")


def test_credentials_are_checked_against_the_database(
    database_url: str, world: World, tmp_path: Path
) -> None:
    work = Work(world, database_url, tmp_path / "data")
    anna = tmp_path / "anna.json"
    work.member("annotator", "anna", anna)
    forged = json.loads(anna.read_text()) | {"clientSecret": "not-the-secret"}
    assert_refused(
        work.cli("tasks", "next", "--credentials", str(write_json(tmp_path / "f.json", forged))), "revoked"
    )
    assert_refused(
        work.cli("tasks", "next", "--credentials", str(write_json(tmp_path / "x.json", [1]))), "credentials"
    )
    client = tmp_path / "client.json"
    work.ok("credentials", "create", "--org", "acme", "--out", str(client))
    assert_refused(work.cli("tasks", "next", "--credentials", str(client)), "does not do tasks")
    work.ok("credentials", "revoke", json.loads(anna.read_text())["clientId"])
    assert_refused(work.cli("tasks", "next", "--credentials", str(anna)), "revoked")


def test_review_needs_a_verdict_and_a_rejection_needs_feedback(
    database_url: str, world: World, tmp_path: Path
) -> None:
    work = Work(world, database_url, tmp_path / "data")
    rita = tmp_path / "rita.json"
    work.member("reviewer", "rita", rita)
    r = work.cli("tasks", "review", "t1", "--credentials", str(rita))
    assert r.exit_code == 2 and "--accept or --reject" in r.stderr
    r = work.cli("tasks", "review", "t1", "--credentials", str(rita), "--reject")
    assert r.exit_code == 2 and "--feedback" in r.stderr


def test_tasks_list_across_organizations_shows_a_table(
    database_url: str, world: World, tmp_path: Path
) -> None:
    work = Work(world, database_url, tmp_path / "data")
    work.scene("s1")
    work.scene("s2")
    other = world.org("globex")
    world.project(other, "p1", ["object-detection"])
    listed = work.ok("tasks", "list")
    assert [(t["organization"]["name"], t["kind"], t["status"]) for t in listed] == [
        ("acme", "annotate", "todo")
    ] * 2
    table = work.cli("tasks", "list", "--project", "p1", "--status", "todo")
    assert table.exit_code == 0 and table.stdout.count("annotate") == 2
    assert work.ok("tasks", "list", "--org", "globex") == []
    assert len(work.ok("tasks", "list", "--org", "acme", "--limit", "1")) == 1
    r = work.cli("tasks", "list", "--batch", "b1")
    assert r.exit_code == 2 and "--batch needs --project" in r.stderr


def test_dry_runs_check_everything_and_change_nothing(
    database_url: str, world: World, tmp_path: Path
) -> None:
    work = Work(world, database_url, tmp_path / "data")
    work.scene("s1")
    anna, rita = tmp_path / "anna.json", tmp_path / "rita.json"
    work.member("annotator", "anna", anna)
    work.member("reviewer", "rita", rita)
    work.ok("batch", "publish", "--org", "acme", "p1", "b1")
    would = work.ok("tasks", "next", "--credentials", str(anna), "--dry-run")
    assert would["kind"] == "annotate"
    [todo] = work.ok("tasks", "list", "--org", "acme")
    assert (todo["id"], todo["status"]) == (would["id"], "todo")
    assert work.batch_status() == "ready"

    task = work.ok("tasks", "next", "--credentials", str(anna))
    doc = write_json(tmp_path / "d.json", openlabel())
    args = ("--credentials", str(anna), "--type", "object-detection", str(doc))
    r = work.cli("tasks", "submit", task["id"], *args, "--dry-run")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith(f"task {task['id']} checked: object-detection ") and "dry run" in r.stdout
    r = work.cli("tasks", "give-up", task["id"], "--credentials", str(anna), "--dry-run")
    assert r.exit_code == 0 and "dry run: nothing changed" in r.stdout
    [still] = work.ok("tasks", "list", "--org", "acme")
    assert still["status"] == "ongoing"

    assert work.cli("tasks", "submit", task["id"], *args).exit_code == 0
    review = work.ok("tasks", "next", "--credentials", str(rita))
    dry = work.ok("tasks", "review", review["id"], "--credentials", str(rita), "--accept", "--dry-run")
    assert dry["dryRun"] is True
    assert work.batch_status() == "in-progress" and [i.work_status for i in work.inputs()] == ["in_progress"]
    assert work.cli("tasks", "review", review["id"], "--credentials", str(rita), "--accept").exit_code == 0
    assert work.batch_status() == "completed"
