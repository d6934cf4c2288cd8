"""Uploads a user can trust, over real sockets: through a small forwarding proxy that can drop the
connection midway through a file, an interrupted creation is resumed without sending again what
the server holds; a dropped upload is retried; files go several at once."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sdk_scenes import JPEG, Tenant, jpeg, tenant

from annobatch import APIConnectionError, Client
from annobatch.model.scene import cameras_sequence as cs
from annobatch.model.scene.resources import Image
from conftest import Live

FILE = JPEG + bytes(200_000)  # a JPEG head, then enough bytes that a drop lands midway


class DroppingProxy:
    """A forwarding HTTP proxy (one request per connection). It drops the connection after
    `drop_after` bytes of the body of upload number `drop_upload` (counted from 1), and, while
    `hold` is set, holds each upload's body until another upload is under way (or a second has
    passed), so that uploads sent in parallel are seen in parallel."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.drop_upload = 0
        self.drop_after = 50_000
        self.hold = False
        self.uploads_seen = 0
        self.uploaded: list[str] = []  # paths of the uploads forwarded whole
        self.in_flight = self.max_in_flight = 0
        self.lock = threading.Condition()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.server.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            reader = conn.makefile("rb")
            method, target, _ = reader.readline().decode().split()
            headers = []
            while (line := reader.readline()) not in (b"\r\n", b""):
                headers.append(line)
            length = next(
                (int(h.split(b":")[1]) for h in headers if h.lower().startswith(b"content-length")), 0
            )
            url = urlsplit(target)
            path = url.path + (f"?{url.query}" if url.query else "")
            upload = method == "PUT" and url.path.startswith("/v1/uploads/")
            with socket.create_connection((url.hostname, url.port)) as upstream:
                kept = [h for h in headers if not h.lower().startswith((b"connection", b"proxy-connection"))]
                upstream.sendall(
                    f"{method} {path} HTTP/1.1\r\n".encode() + b"".join(kept) + b"connection: close\r\n\r\n"
                )
                if upload and not self._forward_upload(reader, upstream, conn, length):
                    return
                if not upload:
                    upstream.sendall(reader.read(length) if length else b"")
                self._relay_answer(upstream, conn)
            if upload:
                self.uploaded.append(url.path)

    def _forward_upload(
        self, reader: object, upstream: socket.socket, conn: socket.socket, length: int
    ) -> bool:
        with self.lock:
            self.uploads_seen += 1
            number = self.uploads_seen
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.lock.notify_all()
            if self.hold:
                self.lock.wait_for(lambda: self.in_flight > 1, timeout=1.0)
        try:
            sent = 0
            while sent < length:
                chunk = reader.read(min(65536, length - sent))  # type: ignore[attr-defined]
                if not chunk:
                    return False
                if number == self.drop_upload and sent + len(chunk) > self.drop_after:
                    upstream.sendall(chunk[: self.drop_after - sent])
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    return False  # both sockets close: the connection is dropped midway
                upstream.sendall(chunk)
                sent += len(chunk)
            return True
        finally:
            with self.lock:
                self.in_flight -= 1

    @staticmethod
    def _relay_answer(upstream: socket.socket, conn: socket.socket) -> None:
        answer = b""
        while chunk := upstream.recv(65536):
            answer += chunk
        head, _, rest = answer.partition(b"\r\n\r\n")
        lines = [h for h in head.split(b"\r\n") if not h.lower().startswith(b"connection")]
        conn.sendall(b"\r\n".join([*lines, b"connection: close"]) + b"\r\n\r\n" + rest)


@pytest.fixture
def proxy() -> Iterator[DroppingProxy]:
    p = DroppingProxy()
    yield p
    p.close()


def through(proxy: DroppingProxy, t: Tenant, resume: Path, **kw: object) -> Client:
    """An SDK client of the tenant whose every request goes through the proxy."""
    http = httpx.Client(proxy=proxy.url, timeout=30)
    client = Client(t.live.url, t.auth, http_client=http, resume_dir=resume, **kw)  # type: ignore[arg-type]
    client._uploader.retry.sleep = lambda s: None
    return client


def sequence(d: Path, frames: int = 6) -> cs.CamerasSequence:
    return cs.CamerasSequence(
        external_id="long-drive",
        frames=[
            cs.Frame(
                frame_id=str(i),
                relative_timestamp=i * 100,
                images=[Image(filename=jpeg(d / f"{i}.jpg", FILE))],
            )
            for i in range(frames)
        ],
    )


def test_an_interrupted_creation_is_resumed_sending_only_what_the_server_lacks(
    live: Live, tmp_path: Path, proxy: DroppingProxy
) -> None:
    t = tenant(live)
    scene = sequence(tmp_path)
    proxy.drop_upload = 4  # the fourth file's connection drops midway, and nothing retries it
    first = through(proxy, t, tmp_path / "resume", max_connections=1, max_retry_attempts=0)
    with pytest.raises(APIConnectionError):
        first.cameras_sequence.create(scene, project="p1", batch="b1")
    sent_before = list(proxy.uploaded)
    assert len(sent_before) == 3
    assert first.input.query_inputs(project="p1") == []  # nothing is committed yet
    proxy.uploaded.clear()
    (tmp_path / "0.jpg").write_bytes(FILE[:-1] + b"\x01")  # changed since: its checksum no longer matches

    again = through(proxy, t, tmp_path / "resume", max_connections=1)
    made = again.cameras_sequence.create(scene, project="p1", batch="b1")

    assert made is not None
    assert len(proxy.uploaded) == 4  # the three the server lacked, and the one that changed
    assert set(proxy.uploaded) & set(sent_before) == {sent_before[0]}
    (s,) = again.scene.get_scenes_by_uuids([made.scene_uuid])
    assert s.status == "created"
    assert [i.scene_uuid for i in again.input.query_inputs(project="p1")] == [made.scene_uuid]
    assert list((tmp_path / "resume").iterdir()) == []


def test_a_connection_dropped_midway_through_a_file_is_retried(
    live: Live, tmp_path: Path, proxy: DroppingProxy
) -> None:
    t = tenant(live)
    proxy.drop_upload = 2
    client = through(proxy, t, tmp_path / "resume", max_connections=2)
    made = client.cameras_sequence.create(sequence(tmp_path, frames=3), project="p1")
    assert made is not None
    assert proxy.uploads_seen == 4 and len(proxy.uploaded) == 3
    (s,) = client.scene.get_scenes_by_uuids([made.scene_uuid])
    assert s.status == "created"


@pytest.mark.parametrize("workers", [1, 4])
def test_files_are_uploaded_several_at_once_up_to_the_limit(
    live: Live, tmp_path: Path, proxy: DroppingProxy, workers: int
) -> None:
    t = tenant(live)
    proxy.hold = workers > 1
    client = through(proxy, t, tmp_path / "resume", max_connections=workers)
    made = client.cameras_sequence.create(sequence(tmp_path, frames=8), project="p1")
    assert made is not None and len(proxy.uploaded) == 8
    assert (proxy.max_in_flight == 1) if workers == 1 else (2 <= proxy.max_in_flight <= workers)


def test_a_file_is_streamed_not_read_whole(tmp_path: Path) -> None:
    from annobatch.client._uploads import CHUNK, UploadFile

    big = tmp_path / "big.bin"
    with big.open("wb") as f:
        f.truncate(5 * CHUNK + 7)
    chunks = UploadFile("big", "http://x", "application/octet-stream", path=big).chunks()
    sizes = [len(c) for c in chunks]
    assert max(sizes) == CHUNK and sum(sizes) == 5 * CHUNK + 7


def test_a_list_cut_short_by_a_dropped_upload_is_finished_by_running_it_again(
    live: Live, tmp_path: Path, proxy: DroppingProxy
) -> None:
    t = tenant(live)
    scenes = [
        cs.CamerasSequence(
            external_id=f"drive-{n}",
            frames=[
                cs.Frame(
                    frame_id=str(i),
                    relative_timestamp=i * 100,
                    images=[Image(filename=jpeg(tmp_path / f"{n}-{i}.jpg", FILE))],
                )
                for i in range(3)
            ],
        )
        for n in range(3)
    ]
    proxy.drop_upload = 5  # the second scene's second file
    first = through(proxy, t, tmp_path / "resume", max_connections=1, max_retry_attempts=0)
    results = sorted(first.create_scenes(scenes, project="p1", workers=1), key=lambda r: r.index)
    assert [r.status for r in results] == ["created", "failed", "created"]
    assert str(results[1].message).startswith("cannot reach")
    proxy.uploaded.clear()

    again = through(proxy, t, tmp_path / "resume", max_connections=1)
    rerun = sorted(again.create_scenes(scenes, project="p1", workers=2), key=lambda r: r.index)

    assert [r.status for r in rerun] == ["skipped", "created", "skipped"]
    assert len(proxy.uploaded) == 2  # the second scene's files the server did not hold
    assert sorted(i.scene_external_id for i in again.input.query_inputs(project="p1")) == [
        "drive-0",
        "drive-1",
        "drive-2",
    ]


def test_an_interrupted_scene_abandoned_meanwhile_is_created_afresh(
    live: Live, tmp_path: Path, proxy: DroppingProxy
) -> None:
    t = tenant(live)
    scene = sequence(tmp_path, frames=3)
    proxy.drop_upload = 2
    first = through(proxy, t, tmp_path / "resume", max_connections=1, max_retry_attempts=0)
    with pytest.raises(APIConnectionError):
        first.cameras_sequence.create(scene, project="p1")
    (pending,) = first.scene.get_scenes_by_external_ids(["long-drive"])
    first._requester.call("POST", f"/v1/inputs/{pending.uuid}/actions/abandon", dict)  # as the sweep would

    made = through(proxy, t, tmp_path / "resume").cameras_sequence.create(scene, project="p1")

    assert made is not None and made.scene_uuid != pending.uuid
    statuses = {s.uuid: s.status for s in first.scene.get_scenes_by_external_ids(["long-drive"])}
    assert statuses == {pending.uuid: "failed", made.scene_uuid: "created"}  # abandoned: failed, saying so
