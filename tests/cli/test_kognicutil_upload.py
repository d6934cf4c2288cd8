"""`kognicutil upload` of a folder described by a manifest, against a live server: the example
folder, dry runs, a manifest that does not validate, and one bad scene among good ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kognicutil_world import EXAMPLE, ClientWorld, example_folder, table_rows, uploading_world

from annobatch import Client, NotFound
from conftest import Live

SCENES = ["example-drive-0001", "example-drive-0002", "example-drive-0003"]


@pytest.fixture
def w(live: Live, tmp_path: Path) -> ClientWorld:
    return uploading_world(live, tmp_path)


def listed_inputs(w: ClientWorld) -> dict[str, list[str]]:
    """external id → its row of `kognicutil inputs --project highway`."""
    return {r[1]: r for r in table_rows(w.ok("inputs", "--project", "highway").stdout)}


def scenes_named(w: ClientWorld, external_id: str) -> list[str]:
    with Client(w.live.url, str(w.creds)) as client:
        try:
            return [s.status for s in client.scene.get_scenes_by_external_ids([external_id])]
        except NotFound:
            return []


def test_the_example_folder_uploads_and_its_scenes_are_inputs_of_the_open_batch(w: ClientWorld) -> None:
    result = w.ok("upload", str(EXAMPLE), "--project", "highway")
    rows = table_rows(result.stdout)
    assert [(r[0], r[1], r[4]) for r in rows] == [
        ("example-drive-0001", "cameras", "created"),
        ("example-drive-0002", "cameras_sequence", "created"),
        ("example-drive-0003", "lidars_and_cameras", "created"),
    ]
    assert "3 created of 3 scene(s)" in result.stdout
    inputs = listed_inputs(w)
    assert sorted(inputs) == SCENES
    assert {(r[2], r[4]) for r in inputs.values()} == {("b1", "created")}
    assert {r[0] for r in rows} == set(inputs) and {r[5] for r in rows} == {r[0] for r in inputs.values()}


def test_uploading_again_skips_what_is_there_and_reuses_the_calibration(w: ClientWorld) -> None:
    w.ok("upload", str(EXAMPLE), "--project", "highway", "--workers", "1")
    again = w.ok("upload", str(EXAMPLE / "manifest.yaml"), "--project", "highway", "--batch", "b1")
    assert [r[4] for r in table_rows(again.stdout)] == ["skipped"] * 3
    assert [r[1] for r in table_rows(w.ok("calibration").stdout)] == ["example-rig-v1"]


def test_a_dry_run_checks_each_scene_and_uploads_nothing(w: ClientWorld) -> None:
    result = w.ok("--json", "upload", str(EXAMPLE), "--project", "highway", "--dry-run")
    outcomes = json.loads(result.stdout)
    assert [(o["externalId"], o["status"]) for o in outcomes] == [(s, "checked") for s in SCENES]
    assert "calibration example-rig-v1" in outcomes[2]["message"]
    assert listed_inputs(w) == {}
    assert table_rows(w.ok("calibration").stdout) == []


def test_a_dry_run_reports_what_the_server_refuses(w: ClientWorld) -> None:
    result = w.kognicutil("upload", str(EXAMPLE), "--project", "highway", "--batch", "nope", "--dry-run")
    assert result.exit_code == 1
    assert "failed: example-drive-0001: " in result.stderr and "nope" in result.stderr
    assert listed_inputs(w) == {}


def test_an_unknown_project_is_one_line(w: ClientWorld) -> None:
    result = w.kognicutil("upload", str(EXAMPLE), "--project", "nope")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "Error: project nope not found\n")


def test_a_manifest_that_does_not_validate_names_its_line_and_place_and_sends_nothing(
    w: ClientWorld, tmp_path: Path
) -> None:
    folder = example_folder(tmp_path)
    manifest = folder / "manifest.yaml"
    manifest.write_text(
        manifest.read_text().replace("files: {FRONT: front-0002.png}", "files: {FRONT: rear.png}")
    )
    result = w.kognicutil("upload", str(folder), "--project", "highway")
    assert result.exit_code == 2
    line = manifest.read_text().splitlines().index("        files: {FRONT: rear.png}") + 1
    assert result.stderr == (
        f"Error: {manifest}:{line}: $.scenes[1].frames[1].files.FRONT: file rear.png does not exist "
        "(paths are relative to the manifest)\n"
    )
    assert result.stdout == "" and listed_inputs(w) == {}


def test_a_calibration_the_models_refuse_is_a_manifest_error_at_its_place(
    w: ClientWorld, tmp_path: Path
) -> None:
    folder = example_folder(tmp_path)
    manifest = folder / "manifest.yaml"
    manifest.write_text(manifest.read_text().replace("calibration_type: pinhole", "calibration_type: pinhol"))
    result = w.kognicutil("upload", str(folder), "--project", "highway")
    assert result.exit_code == 2
    assert "$.calibrations.example-rig-v1.FRONT: " in result.stderr and "pinhol" in result.stderr


def test_one_bad_scene_fails_alone_and_leaves_nothing_behind(w: ClientWorld, tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    manifest = folder / "manifest.yaml"
    # frames out of time order: the server refuses the scene before any file is sent
    manifest.write_text(manifest.read_text().replace("relative_timestamp: 100", "relative_timestamp: 0"))
    result = w.kognicutil("upload", str(folder), "--project", "highway", "--workers", "2")
    assert result.exit_code == 1
    statuses = {r[0]: r[4] for r in table_rows(result.stdout)}
    assert statuses == {SCENES[0]: "created", SCENES[1]: "failed", SCENES[2]: "created"}
    (line,) = result.stderr.splitlines()
    assert line.startswith("failed: example-drive-0002: ") and "relative timestamp" in line
    assert sorted(listed_inputs(w)) == [SCENES[0], SCENES[2]]
    assert scenes_named(w, SCENES[1]) == []


def test_a_file_that_is_not_what_it_says_fails_its_scene_with_the_servers_message(
    w: ClientWorld, tmp_path: Path
) -> None:
    folder = example_folder(tmp_path)
    (folder / "front-0001.png").write_text("not a picture")
    result = w.kognicutil("upload", str(folder), "--project", "highway")
    assert result.exit_code == 1
    statuses = {r[0]: r[4] for r in table_rows(result.stdout)}
    assert statuses == {SCENES[0]: "failed", SCENES[1]: "failed", SCENES[2]: "created"}
    assert all("is not a JPEG, PNG, WebP or AVIF image" in line for line in result.stderr.splitlines())
    assert len(result.stderr.splitlines()) == 2


def test_a_file_emptied_after_the_manifest_was_written_fails_only_the_scenes_that_use_it(
    w: ClientWorld, tmp_path: Path
) -> None:
    folder = example_folder(tmp_path)
    (folder / "lidar-0001.csv").write_bytes(b"")
    result = w.kognicutil("upload", str(folder), "--project", "highway")
    assert result.exit_code == 1
    statuses = {r[0]: r[4] for r in table_rows(result.stdout)}
    assert statuses == {SCENES[0]: "created", SCENES[1]: "created", SCENES[2]: "failed"}
    assert result.stderr.startswith("failed: example-drive-0003: ") and "lidar-0001.csv" in result.stderr


POSE = "ego_pose: {position: {x: 0, y: 0, z: 0}, rotation: {w: 1, x: 0, y: 0, z: 0}}"
BOTH_1, BOTH_2 = (
    "{FRONT: front-0001.png, lidar: lidar-0001.csv}",
    "{FRONT: front-0002.png, lidar: lidar-0001.csv}",
)
# the example's sensors and calibration, and a scene of each type it does not have
OTHER_SCENES = f"""scenes:
  - external_id: only-lidar
    type: lidars
    frames:
      - {{files: {{lidar: lidar-0001.csv}}, unix_timestamp: 1700000000000000000}}
  - external_id: lidar-sequence
    type: lidars_sequence
    frames:
      - {{relative_timestamp: 0, files: {{lidar: lidar-0001.csv}}, {POSE}}}
      - {{relative_timestamp: 100, files: {{lidar: lidar-0001.csv}}}}
  - external_id: both-sequence
    type: lidars_and_cameras_sequence
    calibration: example-rig-v1
    frames:
      - {{id: a, relative_timestamp: 0, files: {BOTH_1}, metadata: {{k: 1}}}}
      - {{id: b, relative_timestamp: 100, files: {BOTH_2}}}
  - external_id: aggregated
    type: aggregated_lidars_and_cameras_sequence
    calibration: example-rig-v1
    frames:
      - {{relative_timestamp: 0, files: {BOTH_1}, {POSE}}}
      - {{relative_timestamp: 100, files: {BOTH_2}, {POSE}}}
"""


def test_the_lidar_types_upload_too(w: ClientWorld, tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    manifest = folder / "manifest.yaml"
    manifest.write_text(manifest.read_text().split("scenes:")[0] + OTHER_SCENES)
    result = w.ok("upload", str(folder), "--project", "highway")
    made = ["only-lidar", "lidar-sequence", "both-sequence", "aggregated"]
    assert [(r[0], r[4]) for r in table_rows(result.stdout)] == [(m, "created") for m in made]
    assert {r[1]: r[3] for r in listed_inputs(w).values()} == {
        "only-lidar": "lidars",
        "lidar-sequence": "lidars_sequence",
        "both-sequence": "lidars_and_cameras_sequence",
        "aggregated": "aggregated_lidars_and_cameras_sequence",
    }
