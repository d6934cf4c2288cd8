"""`annobatch annotations import`: a folder of OpenLABEL files made elsewhere, delivered through the
same validation, tasks and events; a bad file is reported and the rest go on. SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from operator_work_testing import Work, openlabel, write_json

from conftest import World


def test_a_folder_is_delivered_and_the_bad_files_are_reported(
    database_url: str, world: World, tmp_path: Path
) -> None:
    work = Work(world, database_url, tmp_path / "data", ["object-detection", "lane-marking"])
    for name in ("s1", "s2"):
        work.scene(name)
    work.ok("batch", "publish", "--org", "acme", "p1", "b1")
    folder = tmp_path / "made-elsewhere"
    folder.mkdir()
    for scene in ("s1", "s2"):
        for t in ("object-detection", "lane-marking"):
            write_json(folder / f"{scene}.{t}.json", openlabel())
    for t in ("object-detection", "lane-marking"):
        write_json(folder / f"s3.{t}.json", openlabel())  # no such scene in the batch
    write_json(folder / "s1.cuboids.json", openlabel())  # not an annotation type of the batch
    (folder / "s2.object-detection.json").write_text("{not json")  # broken: s2 stays undelivered
    write_json(folder / "nodot.json", openlabel())  # not named <scene>.<type>.json
    (folder / "notes.txt").write_text("ignored")

    r = work.cli("--json", "annotations", "import", "--org", "acme", "p1", "b1", str(folder))
    assert r.exit_code == 1, r.stderr
    rows = {row["scene"]: row for row in json.loads(r.stdout)}
    assert set(rows) == {"s1", "s2", "s3", "s1.cuboids.json", "nodot.json"}
    assert rows["s1"]["status"] == "delivered" and len(rows["s1"]["annotationIds"]) == 2
    assert rows["s1"]["files"] == ["s1.lane-marking.json", "s1.object-detection.json"]
    assert rows["s2"]["status"] == "failed" and "not JSON" in rows["s2"]["error"]
    assert rows["s3"]["status"] == "failed" and "no input of a scene s3" in rows["s3"]["error"]
    assert rows["s3"]["files"] == ["s3.lane-marking.json", "s3.object-detection.json"]
    assert "named" in rows["s1.cuboids.json"]["error"] and "named" in rows["nodot.json"]["error"]
    assert "1 of 5 scene(s) delivered, 4 failed" in r.stderr

    by_scene = {i.scene_id: i.work_status for i in work.inputs()}
    s1, s2 = work.scene_ids
    assert by_scene == {s1: "completed", s2: "not_started"}  # s2's object-detection is broken
    assert work.batch_status() == "in-progress"

    # The missing file, delivered alone: the batch completes. A table this time.
    fix = tmp_path / "fix"
    fix.mkdir()
    write_json(fix / "s2.object-detection.json", openlabel(("pedestrian",)))
    write_json(fix / "s2.lane-marking.json", openlabel())
    r = work.cli("annotations", "import", "--org", "acme", "p1", "b1", str(fix))
    assert r.exit_code == 0, r.stderr
    assert "s2.object-detection.json" in r.stdout and "delivered" in r.stdout
    assert "1 of 1 scene(s) delivered, 0 failed" in r.stderr
    assert {i.work_status for i in work.inputs()} == {"completed"}
    assert work.batch_status() == "completed"
    assert {t["status"] for t in work.ok("tasks", "list", "--org", "acme")} <= {"done", "cancelled"}


def test_an_invalid_document_is_named_and_a_dry_run_delivers_nothing(
    database_url: str, world: World, tmp_path: Path
) -> None:
    work = Work(world, database_url, tmp_path / "data")
    work.scene("s1")
    work.scene("s2")
    work.ok("batch", "publish", "--org", "acme", "p1", "b1")
    folder = tmp_path / "in"
    folder.mkdir()
    write_json(folder / "s1.object-detection.json", openlabel())
    write_json(folder / "s2.object-detection.json", {"openlabel": {"metadata": {"schema_version": "9"}}})

    r = work.cli("annotations", "import", "--org", "acme", "p1", "b1", str(folder), "--dry-run")
    assert r.exit_code == 1
    assert (
        "checked" in r.stdout and "1 of 2 scene(s) checked, 1 failed (dry run: nothing delivered)" in r.stderr
    )
    assert {i.work_status for i in work.inputs()} == {"not_started"}

    r = work.cli("annotations", "import", "--org", "acme", "p1", "b1", str(folder))
    assert r.exit_code == 1
    assert "object-detection" in r.stdout and "failed" in r.stdout
    assert sorted(i.work_status for i in work.inputs()) == ["completed", "not_started"]


def test_an_empty_folder_or_unknown_batch_is_refused(database_url: str, world: World, tmp_path: Path) -> None:
    work = Work(world, database_url, tmp_path / "data")
    empty = tmp_path / "empty"
    empty.mkdir()
    r = work.cli("annotations", "import", "--org", "acme", "p1", "b1", str(empty))
    assert r.exit_code == 2 and "no *.json" in r.stderr
    write_json(empty / "s1.object-detection.json", openlabel())
    r = work.cli("annotations", "import", "--org", "acme", "p1", "nope", str(empty))
    assert r.exit_code == 1 and "nope" in r.stderr
    # An open batch's inputs wait for its publication.
    r = work.cli("annotations", "import", "--org", "acme", "p1", "b1", str(empty))
    assert r.exit_code == 1 and "publish" in r.stderr
