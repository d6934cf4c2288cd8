"""The official client's inputs conformance tests again, against a server whose blobs live in S3
(SeaweedFS): with the uploads streamed through the server into the bucket, and with presigned
URLs straight to the bucket (checked at the commit); the same outcomes hold."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_inputs_official_client import *  # noqa: F403  (the same tests, collected here with this `live`)
from test_inputs_official_client import JPEG, blobs, stored_scene, tenant

from annobatch.services import Services
from annobatch.storage.database import open_database
from annobatch.storage.migrate import upgrade
from conftest import Live, World, fresh_postgres_database
from liveserver import LiveServer
from s3_server import S3Server


@pytest.fixture(scope="module", params=["stream", "presigned"])
def live(
    request: pytest.FixtureRequest,
    live_backend: str,
    s3: S3Server,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_admin_url: str | None,
    runner: asyncio.Runner,
) -> Iterator[Live]:
    """A real server with ANNOBATCH_BLOBS=s3://…, per backend and way of uploading."""
    data = tmp_path_factory.mktemp(f"live-s3-{live_backend}-{request.param}")
    with contextlib.ExitStack() as stack:
        if live_backend == "sqlite":
            url = f"sqlite:///{data / 'annobatch.db'}"
            upgrade(url)
        else:
            assert postgres_admin_url is not None
            url = stack.enter_context(fresh_postgres_database(postgres_admin_url, runner))
        env = {**s3.blob_env(), "ANNOBATCH_S3_UPLOADS": request.param}
        server = LiveServer(data, url, extra_env=env).start()
        stack.callback(server.stop)
        database = open_database(url)
        runner.run(database.connect())
        stack.callback(lambda: runner.run(database.close()))
        yield Live(server, World(Services.over(database), runner))


def test_the_uploads_are_in_the_bucket_and_not_on_the_servers_disk(live: Live) -> None:
    server = live.server
    assert server.env()["ANNOBATCH_BLOBS"].startswith("s3://")
    assert any(k.startswith("scenes/") for k in live.world.run(server.blobs().keys()))
    local = server.data_dir / "blobs"
    assert not local.exists() or not any(p.is_file() for p in local.rglob("*") if ".incoming" not in p.parts)


def test_presigned_uploads_go_straight_to_the_bucket_and_are_checked_at_the_commit(
    live: Live, s3: S3Server, tmp_path: Path
) -> None:
    import hashlib

    from kognic.io.model.scene import cameras as cam
    from kognic.io.model.scene.resources import Image

    t = tenant(live)
    img = tmp_path / "front.jpg"
    img.write_bytes(JPEG + bytes(3 * 1024 * 1024))
    scene = cam.Cameras(
        external_id="direct", frame=cam.Frame(images=[Image(filename=str(img), sensor_name="CAM")])
    )
    created = t.client.cameras.create(scene, project="p1", dryrun=False)
    assert created is not None
    rec, (r,) = stored_scene(live, created.scene_uuid)
    assert rec is not None and rec.status == "created"
    assert (r.size, r.sha256, r.content_type) == (
        img.stat().st_size,
        hashlib.sha256(img.read_bytes()).hexdigest(),
        "image/jpeg",
    )
    assert r.blob_key is not None and live.world.run(blobs(live).read(r.blob_key)) == img.read_bytes()
    incoming = [
        k for k in live.world.run(blobs(live).keys()) if k.startswith(f"incoming/{created.scene_uuid}")
    ]
    assert incoming == []  # the presigned upload's object was copied, checked, and removed
