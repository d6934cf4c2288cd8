"""The upload manifest on its own: what validates, and the first problem of one that does not,
named by line and place in the document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from kognicutil_world import EXAMPLE, example_folder

from annobatch.cli.kognicutil.manifest import ManifestError, find_manifest, load_manifest


def test_the_example_manifest_validates() -> None:
    m = load_manifest(find_manifest(EXAMPLE))
    assert [(s.external_id, s.type, len(s.frames)) for s in m.scenes] == [
        ("example-drive-0001", "cameras", 1),
        ("example-drive-0002", "cameras_sequence", 2),
        ("example-drive-0003", "lidars_and_cameras", 1),
    ]
    assert m.sensors["FRONT"].pretty_name == "Front camera" and list(m.calibrations) == ["example-rig-v1"]


def test_a_json_manifest_is_the_same_document(tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    document = yaml.safe_load((folder / "manifest.yaml").read_text())
    (folder / "manifest.yaml").unlink()
    (folder / "manifest.json").write_text(json.dumps(document, indent=2))
    assert load_manifest(find_manifest(folder)) == load_manifest(EXAMPLE / "manifest.yaml")


def test_a_folder_without_a_manifest_says_which_names_it_looks_for(tmp_path: Path) -> None:
    with pytest.raises(
        ManifestError, match=r"no manifest in this folder \(one of manifest.yaml, manifest.yml"
    ):
        find_manifest(tmp_path)


# (what the test does to the example's text, the place, the line, the message's start)
BROKEN = [
    (
        ("kind: lidar", "kind: radar"),
        "$.sensors.lidar.kind",
        7,
        "invalid enum value 'radar'; one of camera, lidar",
    ),
    (("type: cameras\n", "type: camera\n"), "$.scenes[0].type", 28, "invalid enum value 'camera'"),
    (
        ("    metadata: {region", "    colour: red\n    metadata: {region"),
        "$.scenes[0]",
        27,
        "object contains unknown field colour",
    ),
    (
        ("relative_timestamp: 100", "relative_timestamp: soon"),
        "$.scenes[1].frames[1].relative_timestamp",
        40,
        "expected int | null, got str",
    ),
    (
        ("        relative_timestamp: 100\n", ""),
        "$.scenes[1].frames[1]",
        39,
        "a frame of a sequence has a `relative_timestamp` (ms)",
    ),
    (
        ("{FRONT: front-0002.png}", "{FRONT: front-0003.png}"),
        "$.scenes[1].frames[1].files.FRONT",
        41,
        "file front-0003.png does not exist",
    ),
    (
        ("{FRONT: front-0002.png, lidar", "{REAR: front-0002.png, lidar"),
        "$.scenes[2].frames[0].files.REAR",
        48,
        "sensor 'REAR' is not declared in `sensors`",
    ),
    (
        ("external_id: example-drive-0002", "external_id: example-drive-0001"),
        "$.scenes[1].external_id",
        33,
        "'example-drive-0001' is also scene 0's",
    ),
    (
        ("calibration: example-rig-v1", "calibration: rig-v2"),
        "$.scenes[2].calibration",
        45,
        "no calibration 'rig-v2' in `calibrations` (example-rig-v1)",
    ),
    (
        ("    calibration: example-rig-v1\n", ""),
        "$.scenes[2]",
        43,
        "a lidars_and_cameras scene names its calibration",
    ),
    (
        ("type: cameras\n", "type: lidars\n"),
        "$.scenes[0].frames[0].files.FRONT",
        31,
        "sensor 'FRONT' is a camera; a lidars scene has no cameras",
    ),
    (
        ("type: cameras_sequence", "type: cameras"),
        "$.scenes[1].frames",
        35,
        "a cameras scene has exactly one frame, not 2",
    ),
    (
        (
            "      - files: {FRONT: front-0001.png}\n\n",
            "      - files: {FRONT: front-0001.png}\n        unix_timestamp: 1\n\n",
        ),
        "$.scenes[0].frames[0].unix_timestamp",
        32,
        "the frames of a cameras scene have no unix_timestamp",
    ),
    (("scenes:\n", "scenes: []\nx:\n"), "$.scenes", 26, "expected array of length >= 1"),
]


@pytest.mark.parametrize(("change", "where", "line", "message"), BROKEN)
def test_the_first_problem_is_named_by_line_and_place(
    tmp_path: Path, change: tuple[str, str], where: str, line: int, message: str
) -> None:
    folder = example_folder(tmp_path)
    manifest = folder / "manifest.yaml"
    text = manifest.read_text()
    assert change[0] in text
    manifest.write_text(text.replace(change[0], change[1], 1))
    with pytest.raises(ManifestError) as e:
        load_manifest(manifest)
    assert (e.value.where, e.value.line) == (where, line)
    assert e.value.message.startswith(message)
    assert str(e.value).startswith(f"{manifest}:{line}: {where}: {message}")


def test_a_manifest_that_is_not_yaml_names_its_line(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text("sensors:\n  FRONT: {kind: camera\nscenes: []\n")
    with pytest.raises(ManifestError, match=r"manifest.yaml:3: not valid YAML: "):
        load_manifest(manifest)


def test_a_manifest_that_is_not_json_names_its_line(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text('{"sensors": {},\n "scenes": [,]}')
    with pytest.raises(ManifestError, match=r"manifest.json:2: not valid JSON: Expecting value"):
        load_manifest(manifest)
