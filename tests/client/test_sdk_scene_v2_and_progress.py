"""The v2 scene creation through the SDK (`client.scene.create_scene`), and the progress display:
drawn when asked (or on a terminal), silent otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from sdk_scenes import jpeg, tenant

from annobatch.client._progress import Progress
from annobatch.model.scene import cameras as cam
from annobatch.model.scene.resources import Image
from annobatch.model.scene.scene_request import Frame, ImageResource, LocalFile, SceneRequest
from conftest import Live


def test_a_v2_scene_request_uploads_its_local_files_and_commits(live: Live, tmp_path: Path) -> None:
    client = tenant(live).sdk(resume_dir=False)
    (workspace,) = client.workspace.get_workspaces()
    frames = [
        Frame(
            frame_id=str(i),
            timestamp_ns=1_000 + i,
            images=[ImageResource(None, LocalFile(jpeg(tmp_path / f"v2-{i}.jpg")), sensor_name="CAM")],
        )
        for i in range(2)
    ]
    made = client.scene.create_scene(SceneRequest(workspace_id=workspace.id, external_id="v2", frames=frames))
    (s,) = client.scene.get_scenes_by_uuids([made.scene_uuid])
    assert (s.status, s.external_id) == ("created", "v2")
    assert client.input.create_from_scene(made.scene_uuid, project="p1") is not None
    assert [i.scene_uuid for i in client.input.query_inputs(project="p1")] == [made.scene_uuid]


def test_the_progress_shows_files_and_bytes_when_asked(
    live: Live, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = tenant(live).sdk(resume_dir=False, progress=True)
    scene = cam.Cameras(
        external_id="p",
        frame=cam.Frame(images=[Image(filename=jpeg(tmp_path / f"{n}.jpg"), sensor_name=n) for n in "ab"]),
    )
    client.cameras.create(scene, project="p1")
    err = capsys.readouterr().err
    assert "uploading" in err and "2/2 files" in err


def test_the_progress_is_silent_off_a_terminal(
    live: Live, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = tenant(live).sdk(resume_dir=False)  # progress=None: stderr is not a terminal under pytest
    scene = cam.Cameras(external_id="q", frame=cam.Frame(images=[Image(filename=jpeg(tmp_path / "q.jpg"))]))
    client.cameras.create(scene, project="p1")
    assert capsys.readouterr().err == ""


def test_progress_counts_files_and_bytes_and_takes_back_a_failed_attempt() -> None:
    with Progress(False) as p:
        p.expect(2, 300)
        p.advance(100)
        p.rewind(100)
        p.advance(300)
        p.file_done()
        p.file_done()
    assert (p.files_done, p.files_total, p.bytes_done, p.bytes_total) == (2, 2, 300, 300)


def test_create_scenes_shows_scenes_files_and_bytes(
    live: Live, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = tenant(live).sdk(resume_dir=False, progress=True)
    scenes = [
        cam.Cameras(
            external_id=f"s{n}", frame=cam.Frame(images=[Image(filename=jpeg(tmp_path / f"{n}.jpg"))])
        )
        for n in range(3)
    ]
    assert [r.status for r in client.create_scenes(scenes, project="p1", workers=2)] == ["created"] * 3
    err = capsys.readouterr().err
    assert "3/3 scenes, 3/3 files" in err
