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
from test_inputs_official_client import JPEG, blobs, cameras_scene, stored_scene, tenant

from annobatch.services import Services
from annobatch.storage.database import open_database
from annobatch.storage.migrate import upgrade
from conftest import Live, World, fresh_postgres_database
from liveserver import LiveServer
from s3_server import S3Server

#: The blob store is what varies here; S3 blobs on PostgreSQL are covered by tests/scale.
pytestmark = pytest.mark.sqlite_only


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
        env = {
            **s3.blob_env(),
            "ANNOBATCH_S3_UPLOADS": request.param,
            "ANNOBATCH_S3_DOWNLOADS": request.param,
        }
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


def test_annotation_content_is_read_from_the_bucket_by_a_presigned_url_or_through_the_server(
    live: Live, s3: S3Server, tmp_path: Path
) -> None:
    from types import SimpleNamespace

    import httpx

    from delivery_seeds import Seed

    t = tenant(live)
    created = t.client.cameras.create(cameras_scene(tmp_path, "annotated"), project="p1")
    assert created is not None
    rec, _ = stored_scene(live, created.scene_uuid)
    assert rec is not None
    (inp,) = t.client.input.query_inputs(project="p1")
    seed = Seed(live.world.ops.db, live.world.runner, tmp_path / "unused")
    seed.store = blobs(live)  # type: ignore[assignment]
    batch = SimpleNamespace(id=rec.batch_id, project_id=rec.project_id)
    aid = seed.version(batch, inp.uuid, created.scene_uuid, "object-detection", org=t.org, note="from S3")  # type: ignore[arg-type]
    (annotation,) = t.client.annotation.get_project_annotations("p1", "object-detection")
    assert annotation.content is not None and annotation.content["openlabel"]["metadata"]["note"] == "from S3"
    token = httpx.post(
        f"{live.url}/v1/auth/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": t.cred.record.client_id,
            "client_secret": t.cred.secret,
        },
    ).json()["access_token"]
    signed = httpx.get(
        f"{live.url}/v1/annotations/{aid}", headers={"Authorization": f"Bearer {token}"}
    ).json()
    url = signed["data"]["signedUrl"]
    presigned = live.server.env()["ANNOBATCH_S3_DOWNLOADS"] == "presigned"
    assert url.startswith(s3.endpoint if presigned else live.url)
    assert httpx.get(url).json()["openlabel"]["metadata"]["note"] == "from S3"


def test_the_sdk_creates_a_scene_through_the_server_or_straight_to_the_bucket(
    live: Live, tmp_path: Path
) -> None:
    import hashlib

    from annobatch import Client
    from annobatch.model.scene import cameras as sdk_cam
    from annobatch.model.scene.resources import Image as SdkImage

    t = tenant(live)
    img = tmp_path / "sdk.jpg"
    img.write_bytes(JPEG + bytes(6 * 1024 * 1024))
    client = Client(live.url, (t.cred.record.client_id, t.cred.secret), resume_dir=False)
    frame = sdk_cam.Frame(images=[SdkImage(filename=str(img), sensor_name="CAM")])
    made = client.cameras.create(sdk_cam.Cameras(external_id="sdk", frame=frame), project="p1")
    assert made is not None
    rec, (r,) = stored_scene(live, made.scene_uuid)
    assert rec is not None and rec.status == "created"
    assert (r.size, r.sha256) == (img.stat().st_size, hashlib.sha256(img.read_bytes()).hexdigest())
