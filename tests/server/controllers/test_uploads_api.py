"""Signed uploads: only the URL a create answered works, until it expires, for its one file; bodies
stream to the blob store under the size limit; nothing is kept from a refused or broken upload."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import TestClient
from scenes_testing import JPEG_BYTES, Api, api, cameras_body

__all__ = ["api"]  # the fixture, shared with the scene API tests

from annobatch.server.app import create_app
from annobatch.services.uploads import UploadSigner
from annobatch.settings import Settings
from annobatch.storage.blobs import LocalBlobStore
from conftest import World, bearer


def store_of(settings: Settings) -> LocalBlobStore:
    return LocalBlobStore(settings.data_dir / "blobs")


def one_file_scene(api: Api) -> tuple[str, str]:
    sid = api.initialize()
    files = api.create(cameras_body(sid)).json()["data"]["files"]
    return sid, files["/data/CAM.jpg"]


def resigned(api: Api, url: str, *, scene: str | None = None, expires_at: int | None = None) -> str:
    """The same upload URL signed with the server's real key, for another scene or expiry."""
    parts = urlsplit(url)
    _, _, _, sid, position = parts.path.split("/")
    signer = UploadSigner.from_signing_key(api.client.app.state.authority.key, 3600)
    scene = scene or sid
    expires = expires_at if expires_at is not None else int(parse_qs(parts.query)["expires"][0])
    sig = signer.signature(scene, int(position), expires)
    return f"http://testserver.local/v1/uploads/{scene}/{position}?expires={expires}&signature={sig}"


def test_an_upload_streams_any_content_type_and_is_recorded_with_its_checksum(
    api: Api, settings: Settings
) -> None:
    sid, url = one_file_scene(api)
    chunks = (JPEG_BYTES[i : i + 7] for i in range(0, len(JPEG_BYTES), 7))
    r = api.client.put(url, content=chunks, headers={"Content-Type": "application/x-whatever"})
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {"size": len(JPEG_BYTES), "sha256": hashlib.sha256(JPEG_BYTES).hexdigest()}
    (key,) = store_of(settings).keys(f"scenes/{sid}")
    assert (settings.data_dir / "blobs" / key).read_bytes() == JPEG_BYTES


def test_the_same_url_can_be_used_again_and_the_last_upload_wins(api: Api, settings: Settings) -> None:
    sid, url = one_file_scene(api)
    assert api.client.put(url, content=b"\xff\xd8\xff first").status_code == 200
    assert api.client.put(url, content=JPEG_BYTES).status_code == 200
    (key,) = store_of(settings).keys(f"scenes/{sid}")
    assert (settings.data_dir / "blobs" / key).read_bytes() == JPEG_BYTES


@pytest.mark.parametrize("how", ["forged", "unsigned", "expired", "other-scene"])
def test_a_forged_or_expired_url_is_forbidden_and_nothing_is_stored(
    api: Api, settings: Settings, how: str
) -> None:
    sid, url = one_file_scene(api)
    other, _ = one_file_scene(api)
    bad = {
        "forged": url[:-4] + ("0000" if not url.endswith("0000") else "1111"),
        "unsigned": url.split("?")[0],
        "expired": resigned(api, url, expires_at=int(time.time()) - 1),
        "other-scene": url.replace(sid, other),
    }[how]
    r = api.client.put(bad, content=JPEG_BYTES)
    assert r.status_code == 403, r.text
    assert r.json()["code"] in {"bad-signature", "upload-url-expired"}
    assert store_of(settings).keys() == []
    assert api.commit(sid).status_code == 400  # the file never arrived


def test_a_url_signed_for_a_file_the_scene_does_not_have_is_not_found(api: Api) -> None:
    _, url = one_file_scene(api)
    signer = UploadSigner.from_signing_key(api.client.app.state.authority.key, 3600)
    sid = urlsplit(url).path.split("/")[4]
    r = api.client.put(signer.url("http://testserver.local", sid, 5), content=b"x")
    assert (r.status_code, r.json()["code"]) == (404, "upload-not-found")


def test_an_upload_after_the_commit_is_refused(api: Api) -> None:
    sid, url = one_file_scene(api)
    assert api.client.put(url, content=JPEG_BYTES).status_code == 200
    assert api.commit(sid).status_code == 200
    r = api.client.put(url, content=JPEG_BYTES)
    assert r.status_code == 409
    assert r.json()["message"] == (
        f"scene {sid} is created; files can only be uploaded before it is committed: "
        "create a new scene for other files"
    )


@pytest.fixture
def small(settings: Settings, world: World) -> Iterator[Api]:
    """The app with a 1000-byte upload limit."""
    org = world.org("tiny")
    cred = world.credential(org)
    world.project(org, "p1", ["object-detection"])
    world.batch(org, "p1", "b1")
    with TestClient(create_app(dataclasses.replace(settings, max_upload_bytes=1000))) as client:
        ws = client.get("/v1/workspaces", headers=bearer(client, cred)).json()["data"][0]["id"]
        yield Api(client, bearer(client, cred), org, cred, ws)


@pytest.mark.parametrize("chunked", [False, True])
def test_an_upload_over_the_limit_is_too_large_and_nothing_is_stored(
    small: Api, settings: Settings, chunked: bool
) -> None:
    _, url = one_file_scene(small)
    body = b"\xff\xd8\xff" + b"x" * 1500
    content: Any = (body[i : i + 100] for i in range(0, len(body), 100)) if chunked else body
    r = small.client.put(url, content=content)
    assert r.status_code == 413
    assert r.json()["message"] == "the upload is over the limit of 1000 bytes"
    assert store_of(settings).keys() == []
    assert store_of(settings).incoming_files() == []
    # Exactly at the limit is fine.
    assert small.client.put(url, content=body[:1000]).status_code == 200


def test_an_upload_is_not_held_to_the_apps_limit_for_ordinary_requests(api: Api) -> None:
    _, url = one_file_scene(api)
    big = b"\xff\xd8\xff" + bytes(3 * 1024 * 1024)  # over the 1 MiB limit of ordinary requests
    r = api.client.put(url, content=big)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["size"] == len(big)
