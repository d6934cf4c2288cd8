"""Getting work back with kognicutil, against a live server: `annotations download`, `requests`
and `review`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kognicutil_world import (
    BATCH,
    PROJECT,
    TYPE,
    ClientWorld,
    Delivered,
    client_world,
    deliver_work,
    table_rows,
)

from conftest import Live

Work = tuple[ClientWorld, Delivered]
DOWNLOAD = ("annotations", "download", "--project", PROJECT, "--annotation-type", TYPE)


@pytest.fixture
def work(live: Live, tmp_path: Path) -> tuple[ClientWorld, Delivered]:
    w = client_world(live, tmp_path, "deliveries")
    return w, deliver_work(w, inputs=4, delivered=2)


def test_annotations_download_writes_one_openlabel_file_per_delivered_scene(
    work: Work, tmp_path: Path
) -> None:
    w, d = work
    out = tmp_path / "out"
    result = w.ok(
        "annotations", "download", "--project", PROJECT, "--annotation-type", TYPE, "--to", str(out)
    )
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{s}.json" for s in d.delivered)
    for scene in d.delivered:
        doc = json.loads((out / f"{scene}.json").read_text())
        assert sorted(o["type"] for o in doc["openlabel"]["objects"].values()) == ["car", "pedestrian"]
    rows = table_rows(result.stdout)
    assert sorted((r[0], r[2]) for r in rows) == sorted((s, "written") for s in d.delivered)
    assert "2 written, 0 skipped, 0 failed" in result.stdout


def test_a_second_download_skips_what_the_first_wrote(work: Work, tmp_path: Path) -> None:
    w, d = work
    args = ("annotations", "download", "--project", PROJECT, "--annotation-type", TYPE, "--batch", BATCH)
    w.ok(*args, "--to", str(tmp_path / "out"), "--workers", "1")
    again = w.ok(*args, "--to", str(tmp_path / "out"))
    assert "0 written, 2 skipped, 0 failed" in again.stdout
    listed = json.loads(w.ok("--json", *args, "--to", str(tmp_path / "out")).stdout)
    assert sorted(r["sceneUuid"] for r in listed) == sorted(d.delivered)


def test_annotations_download_of_an_unknown_project_is_one_line_and_exit_1(
    work: Work, tmp_path: Path
) -> None:
    w, _ = work
    result = w.kognicutil(
        "annotations", "download", "--project", "nope", "--annotation-type", TYPE, "--to", "x"
    )
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "nope" in result.output


def test_the_project_and_type_may_be_named_as_arguments(work: Work, tmp_path: Path) -> None:
    w, _ = work
    result = w.ok("annotations", "download", PROJECT, TYPE, "--to", str(tmp_path / "out"))
    assert "2 written, 0 skipped, 0 failed" in result.stdout
    both = w.kognicutil("annotations", "download", PROJECT, TYPE, "--project", PROJECT, "--to", "o")
    assert both.exit_code == 2 and "either as PROJECT TYPE or with the options" in both.output
    neither = w.kognicutil("annotations", "download", "--to", "o")
    assert neither.exit_code == 2 and "give --project P and --annotation-type T" in neither.output


def test_an_annotation_type_the_project_does_not_have_is_said_so(work: Work, tmp_path: Path) -> None:
    w, _ = work
    result = w.kognicutil(
        "annotations", "download", "--project", PROJECT, "--annotation-type", "lanes", "--to", "o"
    )
    assert (result.exit_code, result.output) == (
        1,
        f"Error: project {PROJECT} has no annotation type lanes ({TYPE})\n",
    )


def test_requests_shows_each_requests_progress(work: Work) -> None:
    w, _ = work
    (row,) = table_rows(w.ok("requests", PROJECT).stdout)
    assert row[1] == "Week 10"
    assert row[3:8] == ["2", "0", "2", "4", "█████░░░░░ 50%"]


def test_requests_with_inputs_names_each_inputs_delivered_annotation(
    work: Work,
) -> None:
    w, d = work
    out = w.ok("requests", PROJECT, "--inputs").stdout
    rows = [r for r in table_rows(out) if len(r) == 5]
    annotations = {r[0]: r[4] for r in rows}
    assert annotations == {f"crossing-{i + 1:03}": d.annotations.get(s, "") for i, s in enumerate(d.scenes)}


def test_review_accepts_a_delivered_annotation(work: Work) -> None:
    w, d = work
    annotation = d.annotations[d.delivered[0]]
    result = w.ok("review", annotation, "--accept")
    assert result.stdout.startswith(f"annotation {annotation} accepted (review ")


def test_review_rejects_with_feedback_and_the_input_is_worked_on_again(work: Work, tmp_path: Path) -> None:
    w, d = work
    feedback = tmp_path / "feedback.json"
    items = [{"errorTypeId": "wrong-class", "objectId": "2", "description": "a cyclist, not a pedestrian"}]
    feedback.write_text(json.dumps(items))
    annotation = d.annotations[d.delivered[0]]
    result = w.ok("review", annotation, "--reject", "--feedback", str(feedback))
    assert "rejected with 1 feedback item(s)" in result.stdout
    (row,) = table_rows(w.ok("requests", PROJECT).stdout)
    assert row[3:7] == ["2", "1", "1", "4"]
    again = w.kognicutil("review", annotation, "--accept")
    assert again.exit_code == 1 and "Error:" in again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give --accept, or --reject --feedback FILE"),
        (("--reject",), "--reject needs --feedback FILE"),
    ],
)
def test_review_says_what_it_needs(work: Work, args: tuple[str, ...], message: str) -> None:
    w, d = work
    result = w.kognicutil("review", d.annotations[d.delivered[0]], *args)
    assert result.exit_code == 2 and message in result.output


def test_a_feedback_file_that_does_not_fit_is_named_with_the_place(work: Work, tmp_path: Path) -> None:
    w, d = work
    feedback = tmp_path / "feedback.json"
    feedback.write_text(json.dumps([{"errorTypeId": "missing-object"}, {"description": "no type"}]))
    result = w.kognicutil("review", d.annotations[d.delivered[0]], "--reject", "--feedback", str(feedback))
    assert result.exit_code == 2
    assert "errorTypeId" in result.output and "$[1]" in result.output
