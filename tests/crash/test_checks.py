"""The crash suite's checks themselves, on a made-up blob store and made-up rows (fast; the suite
itself is `make crash`, never part of `make test`): what the exact check after the sweep finds,
and that references are read from every table with a `blob_key`."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import sqlalchemy as sa

from annobatch.storage import tables
from crash import invariants
from crash.invariants import Facts


def _store(root: Path, files: dict[str, bytes]) -> Path:
    for key, data in files.items():
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_bytes(data)
    return root


def _facts(
    scenes: list[tuple[str, str]],
    resources: list[tuple[str, int, str | None]],
    other_refs: tuple[tuple[str, str], ...] = (),
    deletions: tuple[str, ...] = (),
) -> Facts:
    facts = Facts()
    facts.rows = {
        "scenes": [(sid, st, None) for sid, st in scenes],
        "resources": [(sid, pos, True, key, 1, "0" * 64) for sid, pos, key in resources],
        "inputs": [],
        "events": [],
        "deletions": [(k,) for k in deletions],
        "refs": [("scene_resources", key) for _, _, key in resources if key] + list(other_refs),
    }
    return facts


def test_after_the_sweep_only_referenced_blobs_may_remain(tmp_path: Path) -> None:
    root = _store(
        tmp_path,
        {"scenes/s1/0-a": b"x", "scenes/s1/1-b": b"yy", ".incoming/c.part": b"zzz", "annotations/v1": b"{}"},
    )
    facts = _facts(
        [("s1", "pending")],
        [("s1", 0, "scenes/s1/0-a")],
        other_refs=(("annotation_versions", "annotations/v1"),),
        deletions=("scenes/s1/9-gone",),
    )
    found = {(kind, subject) for kind, subject, _ in invariants.after_sweep(facts, root)}
    assert found == {
        ("unreferenced-blob-after-sweep", "scenes/s1/1-b"),
        ("partial-upload-after-sweep", "c.part"),
        ("deletion-unfinished-after-sweep", "scenes/s1/9-gone"),
    }


def test_a_referenced_blob_missing_is_found_whatever_the_scene_status_or_table(tmp_path: Path) -> None:
    facts = _facts(
        [("s1", "invalidated-duplicate"), ("s2", "created")],
        [("s1", 0, "scenes/s1/0-a"), ("s2", 0, "scenes/s2/0-a")],
        other_refs=(("annotation_versions", "annotations/v1"),),
    )
    found = invariants.scenes_and_files(facts, tmp_path, {}) + invariants.other_references(facts, tmp_path)
    assert {(kind, subject) for kind, subject, _ in found} == {
        ("recorded-blob-missing", "s1/0"),
        ("committed-file-missing", "s2/0"),
        ("recorded-blob-missing", "annotation_versions:annotations/v1"),
    }


def test_a_recorded_deletion_of_a_referenced_blob_is_found() -> None:
    facts = _facts([("s1", "created")], [("s1", 0, "scenes/s1/0-a")], deletions=("scenes/s1/0-a", "x/y"))
    assert invariants.deletions_of_referenced(facts) == [
        ("referenced-blob-recorded-for-deletion", "scenes/s1/0-a", "a row still refers to it")
    ]


def test_ageing_the_store_moves_every_file_back(tmp_path: Path) -> None:
    root = _store(tmp_path, {"scenes/s1/0-a": b"x", ".incoming/c.part": b"z"})
    assert invariants.age_blob_store(root, 660) == 2
    for p in (root / "scenes/s1/0-a", root / ".incoming/c.part"):
        assert time.time() - os.stat(p).st_mtime > 650


def test_references_are_read_from_every_table_with_a_blob_key(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    tables.metadata.create_all(engine)
    engine.dispose()
    conn = sqlite3.connect(db)
    with conn:
        cols = [r[1] for r in conn.execute("PRAGMA table_info(annotation_versions)")]
        values = {c: 0 for c in cols} | {
            "id": "v1",
            "blob_key": "annotations/v1",
            "preliminary": 0,
            "current": 1,
        }
        conn.execute(
            f"INSERT INTO annotation_versions ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
            list(values.values()),
        )
        conn.execute("INSERT INTO blob_deletions (blob_key, created) VALUES ('scenes/s/0-old', 1)")
    conn.close()
    facts = invariants.read_sqlite(db)
    assert ("annotation_versions", "annotations/v1") in facts.rows["refs"]
    assert invariants.referenced(facts) == {"annotations/v1"}  # a recorded deletion is no reference
    assert facts.rows["deletions"] == [("scenes/s/0-old",)]
