"""`client.create_scenes`: many scenes, several at once, one result each; a bad scene fails
alone, leaving nothing on the server, and running the same list again skips what is there."""

from __future__ import annotations

import os
from pathlib import Path

from sdk_scenes import jpeg, pcd, tenant

from annobatch import NotFound
from annobatch.model.scene import cameras as cam
from annobatch.model.scene import lidars_and_cameras as lc
from annobatch.model.scene.resources import Image, PointCloud
from conftest import Live


def cameras(d: Path, name: str) -> cam.Cameras:
    return cam.Cameras(external_id=name, frame=cam.Frame(images=[Image(filename=jpeg(d / f"{name}.jpg"))]))


def test_many_scenes_are_created_and_a_bad_one_fails_alone_leaving_nothing(
    live: Live, tmp_path: Path
) -> None:
    t = tenant(live)
    client = t.sdk(resume_dir=tmp_path / "resume")
    vanished = cameras(tmp_path, "vanished")
    os.remove(tmp_path / "vanished.jpg")  # the file went away after the scene was described
    refused = lc.LidarsAndCameras(
        external_id="refused",
        frame=lc.Frame(
            point_clouds=[PointCloud(filename=pcd(tmp_path / "r.pcd"))],
            images=[Image(filename=jpeg(tmp_path / "r.jpg"))],
        ),
        calibration_id="00000000-0000-4000-8000-000000000000",
    )
    scenes = [cameras(tmp_path, f"good-{i}") for i in range(6)]
    scenes[2:2] = [vanished]
    scenes[5:5] = [refused]

    results = list(client.create_scenes(scenes, project="p1", batch="b1", workers=3))

    by_name = {r.external_id: r for r in results}
    assert sorted(r.index for r in results) == list(range(8))
    assert {n: r.status for n, r in by_name.items()} == {
        **{f"good-{i}": "created" for i in range(6)},
        "vanished": "failed",
        "refused": "failed",
    }
    assert by_name["vanished"].message == f"Local file is missing: {tmp_path / 'vanished.jpg'}"
    assert "calibration 00000000-0000-4000-8000-000000000000 not found" in str(by_name["refused"].message)
    inputs = client.input.query_inputs(project="p1")
    assert sorted(i.scene_external_id for i in inputs) == [f"good-{i}" for i in range(6)]
    assert {i.uuid for i in inputs} == {r.input_uuid for r in results if r.status == "created"}
    for bad in ("vanished", "refused"):  # nothing half-created
        try:
            client.scene.get_scenes_by_external_ids([bad])
            raise AssertionError(f"scene {bad} exists")
        except NotFound:
            pass
    assert list((tmp_path / "resume").iterdir()) == []


def test_running_the_same_list_again_skips_the_scenes_already_there(live: Live, tmp_path: Path) -> None:
    t = tenant(live)
    client = t.sdk(resume_dir=False)
    first = list(
        client.create_scenes([cameras(tmp_path, f"s{i}") for i in range(3)], project="p1", workers=2)
    )
    scenes = [cameras(tmp_path, f"s{i}") for i in range(4)]

    again = sorted(client.create_scenes(scenes, project="p1", workers=2), key=lambda r: r.index)

    assert [r.status for r in again] == ["skipped", "skipped", "skipped", "created"]
    assert {r.scene_uuid for r in again[:3]} == {r.scene_uuid for r in first}
    assert len(client.input.query_inputs(project="p1")) == 4


def test_something_that_is_not_a_scene_fails_with_a_message(live: Live) -> None:
    client = tenant(live).sdk(resume_dir=False)
    (result,) = client.create_scenes(["not a scene"], project="p1")  # type: ignore[list-item]
    assert (result.status, result.message) == ("failed", "str is not a scene model of annobatch.model.scene")


def test_a_scene_the_server_fails_after_its_upload_is_reported_with_the_servers_reason(
    live: Live, tmp_path: Path
) -> None:
    client = tenant(live).sdk(resume_dir=False)
    not_an_image = tmp_path / "notes.jpg"
    not_an_image.write_text("these are notes, not a picture")
    scene = cam.Cameras(external_id="notes", frame=cam.Frame(images=[Image(filename=str(not_an_image))]))
    (result,) = client.create_scenes([scene], project="p1")
    assert result.status == "failed" and result.scene_uuid is not None
    assert "is not a JPEG, PNG, WebP or AVIF image" in str(result.message)
