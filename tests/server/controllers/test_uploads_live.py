"""Uploads over a real socket: chunked bodies, a connection dropped mid-body, and the size limit
enforced while the body streams."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from scenes_testing import JPEG_BYTES, cameras_body

from annobatch.storage.blobs import LocalBlobStore
from conftest import Live, unique
from liveserver import LiveServer


class Remote:
    """A client of a fresh organization on a running server, speaking raw HTTP."""

    def __init__(self, live: Live, url: str | None = None) -> None:
        self.url = url or live.url
        org = live.world.org(unique("org"))
        cred = live.world.credential(org)
        live.world.project(org, "p1", ["object-detection"])
        live.world.batch(org, "p1", "b1")
        token = httpx.post(
            f"{self.url}/v1/auth/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": cred.record.client_id,
                "client_secret": cred.secret,
            },
        ).json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}

    def scene_with_one_file(self) -> tuple[str, str]:
        sid = str(uuid.uuid4())
        r = httpx.post(
            f"{self.url}/v1/inputs/project/p1/cameras", json=cameras_body(sid), headers=self.headers
        )
        assert r.status_code == 200, r.text
        return sid, r.json()["data"]["files"]["/data/CAM.jpg"]

    def commit(self, sid: str) -> httpx.Response:
        return httpx.post(f"{self.url}/v1/inputs/{sid}/actions/commit", headers=self.headers)


def blob_store(data_dir: Path) -> LocalBlobStore:
    return LocalBlobStore(data_dir / "blobs")


def wait_until(condition, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


def test_a_chunked_upload_over_a_socket_is_stored_unchanged(live: Live) -> None:
    remote = Remote(live)
    sid, url = remote.scene_with_one_file()
    assert url.startswith(live.url + "/v1/uploads/")

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(JPEG_BYTES), 50):
            yield JPEG_BYTES[i : i + 50]

    r = httpx.put(url, content=chunks(), headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 200, r.text
    (key,) = blob_store(live.server.data_dir).keys(f"scenes/{sid}")
    assert (live.server.data_dir / "blobs" / key).read_bytes() == JPEG_BYTES
    assert remote.commit(sid).json()["data"]["status"] == "created"


def test_a_connection_dropped_mid_body_leaves_nothing_and_the_url_works_again(live: Live) -> None:
    remote = Remote(live)
    sid, url = remote.scene_with_one_file()
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port)) as s:
        head = (
            f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            "Content-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n"
        )
        s.sendall(head.encode() + JPEG_BYTES)
    store = blob_store(live.server.data_dir)
    assert wait_until(lambda: store.incoming_files() == [])
    assert store.keys(f"scenes/{sid}") == []
    assert remote.commit(sid).status_code == 400  # the file never arrived
    assert httpx.put(url, content=JPEG_BYTES).status_code == 200
    assert remote.commit(sid).json()["data"]["status"] == "created"


@pytest.fixture
def small_live(live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    """A second server on the same database with a 1000-byte upload limit."""
    monkeypatch.setenv("ANNOBATCH_MAX_UPLOAD_BYTES", "1000")
    server = LiveServer(tmp_path / "small", live.server.database_url).start()
    try:
        yield server
    finally:
        server.stop()


def test_a_chunked_upload_over_the_limit_is_refused_mid_stream_and_nothing_is_kept(
    live: Live, small_live: LiveServer
) -> None:
    remote = Remote(live, small_live.url)
    sid, url = remote.scene_with_one_file()

    def chunks() -> Iterator[bytes]:
        yield b"\xff\xd8\xff"
        for _ in range(100):
            yield b"x" * 1000

    r = httpx.put(url, content=chunks())
    assert r.status_code == 413
    assert r.json()["message"] == "the upload is over the limit of 1000 bytes"
    store = blob_store(small_live.data_dir)
    assert store.keys() == [] and store.incoming_files() == []
    assert remote.commit(sid).status_code == 400
