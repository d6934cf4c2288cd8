"""A request body that stops arriving is answered 408 with `Connection: close`, and nothing of it is
kept: an upload's partial file is removed. (The real-socket test is `tests/server/test_slow_clients.py`.)"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from litestar.testing import TestClient
from scenes_testing import JPEG_BYTES, Api, cameras_body

from annobatch.server.app import create_app
from annobatch.services.identity import operator
from annobatch.settings import Settings
from annobatch.storage.blobs import LocalBlobStore
from conftest import World, bearer

STALL = 0.3


@pytest.fixture
def impatient(settings: Settings, world: World) -> Iterator[Api]:
    """The app with a body read timeout of 0.3 s."""
    org = world.org("acme")
    cred = world.credential(org)
    world.project(org, "p1", ["object-detection"])
    world.batch(org, "p1", "b1")
    ws = world.run(world.ops.accounts.list_workspaces(operator(org)))[0][0].id
    with TestClient(create_app(dataclasses.replace(settings, body_read_timeout_seconds=STALL))) as client:
        yield Api(client, bearer(client, cred), org, cred, ws)


def call(client: TestClient[Any], method: str, url: str, headers: dict[str, str], first: bytes) -> list[Any]:
    """`method url` straight into the app: `first` of the body, then nothing more, ever."""
    parts = urlsplit(url)
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": parts.path, "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(), "root_path": "", "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }  # fmt: skip
    sent: list[Any] = []
    chunks = [{"type": "http.request", "body": first, "more_body": True}]

    async def receive() -> Any:
        if chunks:
            return chunks.pop()
        await asyncio.sleep(3600)  # the client went quiet

    async def send(message: Any) -> None:
        sent.append(message)

    async def go() -> None:
        await asyncio.wait_for(client.app(scope, receive, send), 10)  # type: ignore[arg-type]

    client.blocking_portal.call(go)
    return sent


def answered_408_and_closed(sent: list[Any]) -> None:
    start = sent[0]
    assert start["status"] == 408
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    assert headers["connection"] == "close"
    assert b'"code":"request-timeout"' in sent[1]["body"]


def test_an_upload_that_stalls_is_answered_408_and_its_partial_file_removed(
    impatient: Api, settings: Settings
) -> None:
    sid = impatient.initialize()
    url = impatient.create(cameras_body(sid)).json()["data"]["files"]["/data/CAM.jpg"]
    headers = {"content-type": "image/jpeg", "content-length": str(len(JPEG_BYTES) * 10)}
    answered_408_and_closed(call(impatient.client, "PUT", url, headers, JPEG_BYTES))
    store = LocalBlobStore(settings.data_dir / "blobs")
    assert store.keys() == [] and store.incoming_files() == []
    # The URL still works for a client that sends the whole file.
    assert impatient.client.put(url, content=JPEG_BYTES).status_code == 200


def test_a_json_body_that_stalls_is_answered_408(impatient: Api) -> None:
    headers = {**impatient.headers, "content-type": "application/json", "content-length": "100"}
    answered_408_and_closed(call(impatient.client, "POST", "/v1/projects/p1/batches/b2", headers, b'{"ti'))
    assert impatient.client.get("/v1/projects/p1/batches/b2", headers=impatient.headers).status_code == 404


def test_a_token_request_that_stalls_is_answered_408(impatient: Api) -> None:
    headers = {"content-type": "application/x-www-form-urlencoded", "content-length": "100"}
    answered_408_and_closed(call(impatient.client, "POST", "/v1/auth/oauth/token", headers, b"grant"))
