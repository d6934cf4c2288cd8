"""Scene processing as a background job (`ANNOBATCH_SCENE_PROCESSING=job`): a commit answers the
scene `processing` at once; the job then looks at its files and ends it `created` (its work can
start) or `failed`, naming the file, with an `input.failed` event (and its webhook)."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

import annobatch
from annobatch.domain import ResourceKind
from annobatch.server.app import create_app
from annobatch.services import Services
from annobatch.services.file_checks import StoredFile, learn_facts
from annobatch.services.identity import operator
from annobatch.services.jobs import JobWorker
from annobatch.settings import Settings
from annobatch.storage.blobs import open_blob_store
from annobatch.storage.database import Database
from conftest import World
from scene_uploads import scenes_client
from webhook_receiver import webhook_receiver

pytestmark = pytest.mark.postgres


class Processing:
    def __init__(self, client: TestClient[Any], world: World, db: Database, settings: Settings) -> None:
        self.scenes = scenes_client(client, world)
        self.world = world
        ops = Services.over(db, open_blob_store(settings.data_dir), **settings.job_options())
        self.ops = ops
        self.worker = JobWorker(db, ops.job_kinds())

    def status(self, sid: str) -> tuple[str, str | None]:
        r = self.scenes.client.post(
            "/v2/scenes/query", json={"sceneUuids": [sid]}, headers=self.scenes.headers
        )
        [scene] = r.json()["data"]
        return scene["status"], scene.get("errorMessage")

    def work(self) -> int:
        return self.world.run(self.worker.run_until_idle())


@pytest.fixture
def processing(settings: Settings, world: World, db: Database) -> Iterator[Processing]:
    as_jobs = Settings(
        data_dir=settings.data_dir, database_url=settings.database_url, scene_processing="job", job_workers=0,
        webhook_allowed_networks=("127.0.0.1/32",),
    )  # fmt: skip
    with TestClient(create_app(as_jobs)) as client:
        yield Processing(client, world, db, as_jobs)


def test_a_commit_answers_processing_and_the_job_makes_the_scene_created(processing: Processing) -> None:
    s = processing.scenes
    sid, url = s.create()
    assert s.upload(url).status_code == 200
    r = s.commit(sid)
    assert (r.status_code, r.json()["data"]["status"]) == (200, "processing")
    assert processing.status(sid) == ("processing", None)
    assert processing.work() == 1
    assert processing.status(sid) == ("created", None)
    # its work started: the input's annotate task is there
    tasks = processing.world.run(processing.ops.work.list_tasks(operator(s.org)))
    assert [t.kind for t in tasks] == ["annotate"]
    # committing again changes nothing, and a stray job of it finds nothing to do
    assert s.commit(sid).json()["data"]["status"] == "created"
    assert processing.work() == 0


def test_a_file_that_is_no_image_fails_the_scene_in_the_job_naming_the_file(processing: Processing) -> None:
    s = processing.scenes
    with webhook_receiver() as receiver:
        hook = s.client.post(
            "/v1/webhooks", json={"url": receiver.url, "events": ["input.failed"]}, headers=s.headers
        ).json()["data"]
        sid, url = s.create()
        assert s.upload(url, b"GIF89a not what was promised").status_code == 200
        assert s.commit(sid).json()["data"]["status"] == "processing"
        processing.work()
        status, error = processing.status(sid)
        assert status == "failed"
        assert "/d/CAM.jpg" in (error or "")
        [got] = receiver.received
        event = annobatch.verify_webhook(got.body, got.headers, hook["secret"])
        assert (event["type"], event["data"]["scene"]) == ("input.failed", sid)
        assert "/d/CAM.jpg" in event["data"]["error"]


def test_a_commit_while_processing_queues_the_job_again_and_it_finishes_once(processing: Processing) -> None:
    s = processing.scenes
    sid, url = s.create()
    s.upload(url)
    assert s.commit(sid).json()["data"]["status"] == "processing"
    assert s.commit(sid).json()["data"]["status"] == "processing"
    assert processing.work() == 2
    assert processing.status(sid) == ("created", None)
    tasks = processing.world.run(processing.ops.work.list_tasks(operator(s.org)))
    assert len(tasks) == 1


def test_inline_processing_stays_the_default(settings: Settings) -> None:
    assert settings.scene_processing == "inline"
    assert Settings.from_env({}).scene_processing == "inline"
    with pytest.raises(ValueError, match="ANNOBATCH_SCENE_PROCESSING must be one of inline, job"):
        Settings.from_env({"ANNOBATCH_SCENE_PROCESSING": "later"})


def test_the_job_keeps_what_it_learnt_of_each_file(processing: Processing) -> None:
    s = processing.scenes
    sid, url = s.create()
    png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 640, 480) + bytes(20)
    assert s.upload(url, png).status_code == 200
    s.commit(sid)
    processing.work()
    assert processing.status(sid) == ("created", None)
    detail = processing.world.run(processing.ops.scenes.scene(operator(s.org), sid))
    assert [msgspec.json.decode(r.facts or "null") for r in detail.resources] == [
        {"width": 640, "height": 480}
    ]


class Blobs:
    """Just enough of a blob store: files by key."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    async def read(self, key: str, length: int | None = None) -> bytes:
        if key not in self.files:
            raise FileNotFoundError(key)
        return self.files[key][:length]


def test_what_is_learnt_of_images_and_point_clouds(world: World) -> None:
    pcd = (
        b"# .PCD v0.7\nVERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\nWIDTH 3\nHEIGHT 1\n"
        b"VIEWPOINT 0 0 0 1 0 0 0\nPOINTS 3\nDATA ascii\n1 2 3\n-4 0.5 9\n2 -1 0\n"
    )
    png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 1920, 1080) + bytes(13)
    blobs = Blobs({"a": png, "b": pcd, "c": b"not a cloud at all \xff\xfe", "e": b"GIF89a"})
    files = [
        (0, StoredFile(ResourceKind.IMAGE, "cam", "cam.png", "a", len(png))),
        (1, StoredFile(ResourceKind.POINT_CLOUD, "lidar", "lidar.pcd", "b", len(pcd))),
        (2, StoredFile(ResourceKind.POINT_CLOUD, "broken", "broken.pcd", "c", 22)),
        (3, StoredFile(ResourceKind.IMAGE, "gone", "gone.jpg", "d", 10)),
        (4, StoredFile(ResourceKind.IMAGE, "gif", "x.gif", "e", 6)),
    ]
    learnt = world.run(learn_facts(blobs, files))  # type: ignore[arg-type]
    assert {p: msgspec.json.decode(f) for p, f in learnt.items()} == {
        0: {"width": 1920, "height": 1080},
        1: {"points": 3, "extent": {"x": [-4.0, 2.0], "y": [-1.0, 2.0]}},
    }
