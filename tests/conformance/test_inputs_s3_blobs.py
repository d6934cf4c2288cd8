"""The official client's inputs conformance tests again, against a server whose blobs live in S3
(SeaweedFS): the uploads stream through the server into the bucket, and the same outcomes hold."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import pytest
from test_inputs_official_client import *  # noqa: F403  (the same tests, collected here with this `live`)

from annobatch.services import Services
from annobatch.storage.database import open_database
from annobatch.storage.migrate import upgrade
from conftest import Live, World, fresh_postgres_database
from liveserver import LiveServer
from s3_server import S3Server


@pytest.fixture(scope="module")
def live(
    live_backend: str,
    s3: S3Server,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_admin_url: str | None,
    runner: asyncio.Runner,
) -> Iterator[Live]:
    """A real server with ANNOBATCH_BLOBS=s3://…, per backend, for this module."""
    data = tmp_path_factory.mktemp(f"live-s3-{live_backend}")
    with contextlib.ExitStack() as stack:
        if live_backend == "sqlite":
            url = f"sqlite:///{data / 'annobatch.db'}"
            upgrade(url)
        else:
            assert postgres_admin_url is not None
            url = stack.enter_context(fresh_postgres_database(postgres_admin_url, runner))
        server = LiveServer(data, url, extra_env=s3.blob_env()).start()
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
