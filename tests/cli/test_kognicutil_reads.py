"""The official tool's reading commands in kognicutil, against a live server: `inputs`, `scenes`,
`view` and `calibration`, over scenes uploaded from examples/upload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kognicutil_world import EXAMPLE, ClientWorld, table_rows, uploading_world

from annobatch import Client
from annobatch.model.scene import SceneInvalidatedReason
from conftest import Live


@pytest.fixture
def w(live: Live, tmp_path: Path) -> ClientWorld:
    world = uploading_world(live, tmp_path, "reads")
    world.ok("upload", str(EXAMPLE), "--project", "highway")
    return world


def uuids(w: ClientWorld) -> dict[str, str]:
    """external id → scene uuid."""
    return {r[1]: r[0] for r in table_rows(w.ok("inputs", "--project", "highway").stdout)}


def test_inputs_of_a_project_in_the_official_columns(w: ClientWorld) -> None:
    out = w.ok("inputs", "--project", "highway", "--batch", "b1").stdout
    header = next(line for line in out.splitlines() if line.startswith("┃"))
    assert [c.strip() for c in header.strip("┃").split("┃")] == [
        "scene_uuid", "external_id", "batch", "scene_type", "status", "view_link", "error_message"
    ]  # fmt: skip
    rows = table_rows(out)
    assert sorted((r[1], r[3], r[4]) for r in rows) == [
        ("example-drive-0001", "cameras", "created"),
        ("example-drive-0002", "cameras_sequence", "created"),
        ("example-drive-0003", "lidars_and_cameras", "created"),
    ]
    assert all(r[5] == f"{w.live.url}/view/{r[0]}" for r in rows)


def test_inputs_view_of_some_external_ids_and_inputs_by_uuids(w: ClientWorld) -> None:
    ids = uuids(w)
    view = table_rows(
        w.ok("inputs", "--project", "highway", "--view", "--external-ids", "example-drive-0002").stdout
    )
    assert view == [[ids["example-drive-0002"], f"{w.live.url}/view/{ids['example-drive-0002']}"]]
    wanted = [ids["example-drive-0001"], ids["example-drive-0003"]]
    by_uuid = table_rows(w.ok("inputs", "--uuids", ",".join(wanted)).stdout)
    assert sorted(r[0] for r in by_uuid) == sorted(wanted)
    listed = json.loads(w.ok("--json", "inputs", "--project", "highway").stdout)
    assert sorted(i["externalId"] for i in listed) == sorted(ids)


@pytest.mark.parametrize("args", [(), ("--project", "highway", "--uuids", "x")])
def test_inputs_wants_a_project_or_uuids(w: ClientWorld, args: tuple[str, ...]) -> None:
    result = w.kognicutil("inputs", *args)
    assert result.exit_code == 2 and "give either --project P or --uuids" in result.output


def test_scenes_in_full_by_view_and_by_status(w: ClientWorld) -> None:
    ids = uuids(w)
    one, two = ids["example-drive-0001"], ids["example-drive-0003"]
    full = table_rows(w.ok("scenes", one, two).stdout)
    assert sorted((r[0], r[1], r[2], r[3]) for r in full) == sorted(
        [
            (one, "example-drive-0001", "cameras", "created"),
            (two, "example-drive-0003", "lidars_and_cameras", "created"),
        ]
    )
    assert table_rows(w.ok("scenes", one, "--view").stdout) == [[one, f"{w.live.url}/view/{one}"]]
    assert table_rows(w.ok("scenes", one, "--status").stdout) == [[one, "created", ""]]
    both = w.kognicutil("scenes", one, "--view", "--status")
    assert both.exit_code == 2 and "either --view or --status" in both.output


def test_view_prints_this_servers_link_without_asking_it(w: ClientWorld) -> None:
    scene = uuids(w)["example-drive-0001"]
    assert table_rows(w.ok("view", scene).stdout) == [[scene, f"{w.live.url}/view/{scene}"]]
    assert json.loads(w.ok("--json", "view", scene).stdout) == [
        {"uuid": scene, "viewLink": f"{w.live.url}/view/{scene}"}
    ]
    bad = w.kognicutil("view", "not-a-uuid")
    assert bad.exit_code == 2 and "'not-a-uuid' is not a uuid" in bad.output


def test_calibration_lists_finds_by_external_id_and_shows_one_raw(w: ClientWorld) -> None:
    (row,) = table_rows(w.ok("calibration").stdout)
    assert row[1] == "example-rig-v1"
    assert table_rows(w.ok("calibration", "--external-id", "example-rig-v1").stdout) == [row]
    assert table_rows(w.ok("calibration", "--external-id", "other").stdout) == []
    raw = w.ok("calibration", "--id", row[0], "--raw").stdout
    sensors = json.loads(raw[raw.index("\n{") :])
    assert {s: c["calibration_type"] for s, c in sensors.items()} == {"FRONT": "pinhole", "lidar": "lidar"}
    assert sensors["FRONT"]["camera_matrix"] == {"fx": 40.0, "fy": 40.0, "cx": 32.0, "cy": 24.0}
    assert json.loads(w.ok("--json", "calibration", "--id", row[0]).stdout)["externalId"] == "example-rig-v1"


def test_calibration_options_that_do_not_go_together(w: ClientWorld) -> None:
    assert w.kognicutil("calibration", "--raw").exit_code == 2
    assert w.kognicutil("calibration", "--id", "a", "--external-id", "b").exit_code == 2
    missing = w.kognicutil("calibration", "--id", "0b1c0000-0000-4000-8000-000000000000")
    assert missing.exit_code == 1 and missing.output.startswith("Error: ")


def test_include_invalidated_lists_invalidated_inputs_too(w: ClientWorld) -> None:
    scene = uuids(w)["example-drive-0002"]
    with Client(w.live.url, str(w.creds)) as client:
        client.scene.invalidate_scenes([scene], SceneInvalidatedReason.DUPLICATE)
    assert "example-drive-0002" not in uuids(w)
    rows = table_rows(w.ok("inputs", "--project", "highway", "--include-invalidated").stdout)
    assert [r[4] for r in rows if r[1] == "example-drive-0002"] == ["invalidated:duplicate"]
