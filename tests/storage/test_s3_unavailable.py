"""An S3 blob store that is down or refuses the server's keys: the API answers 503 with
Retry-After (never 500), keeps nothing, and the same upload succeeds once the store is back."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from litestar.testing import TestClient
from test_blobs import committed, s3_store

from annobatch.server.app import create_app
from annobatch.settings import Settings
from conftest import World
from liveserver import free_port
from s3_server import SHARED, S3Server
from scene_uploads import JPEG, scenes_client


def s3_settings(settings: Settings, prefix: str) -> Settings:
    return dataclasses.replace(settings, blobs_url=f"s3://{SHARED}/{prefix}")


def keys_env(monkeypatch: pytest.MonkeyPatch, endpoint: str, key_id: str, secret: str) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)


def test_an_upload_to_a_store_that_is_down_is_503_and_succeeds_once_it_is_back(
    settings: Settings, world: World, s3: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = f"blobs-{uuid.uuid4().hex[:10]}"
    keys_env(
        monkeypatch, f"http://127.0.0.1:{free_port()}", s3.admin.access_key_id, s3.admin.secret_access_key
    )
    with TestClient(create_app(s3_settings(settings, prefix))) as down:
        scenes = scenes_client(down, world)
        sid, url = scenes.create()
        r = scenes.upload(url)
        assert (r.status_code, r.headers.get("retry-after")) == (503, "2")
        assert r.json() == {
            "message": "the object store holding uploaded files is unreachable; try again shortly",
            "code": "unavailable",
        }
        assert scenes.commit(sid).status_code == 400  # nothing was kept: the file is still missing
    keys_env(monkeypatch, s3.endpoint, s3.admin.access_key_id, s3.admin.secret_access_key)
    with TestClient(create_app(s3_settings(settings, prefix))) as back:
        scenes.client = back
        assert scenes.upload(url).status_code == 200  # the same signed URL
        assert scenes.commit(sid).json()["data"]["status"] == "created"
    assert len(committed(s3_store(s3, prefix))) == 1


def test_a_store_that_refuses_the_keys_is_503(
    settings: Settings, world: World, s3: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = f"blobs-{uuid.uuid4().hex[:10]}"
    keys_env(monkeypatch, s3.endpoint, "AKNOBODY", "not-a-secret-key-at-all-000000000000")
    with TestClient(create_app(s3_settings(settings, prefix))) as client:
        scenes = scenes_client(client, world)
        _, url = scenes.create()
        r = scenes.upload(url, JPEG)
        assert (r.status_code, r.headers.get("retry-after")) == (503, "2")
        assert "refusing the server's credentials" in r.json()["message"]
    assert committed(s3_store(s3, prefix)) == []


def test_a_commit_while_the_store_is_down_is_503_and_finishes_when_asked_again(
    settings: Settings, world: World, s3: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = f"blobs-{uuid.uuid4().hex[:10]}"
    keys = (s3.admin.access_key_id, s3.admin.secret_access_key)
    keys_env(monkeypatch, s3.endpoint, *keys)
    with TestClient(create_app(s3_settings(settings, prefix))) as up:
        scenes = scenes_client(up, world)
        sid, url = scenes.create()
        assert scenes.upload(url).status_code == 200
    keys_env(monkeypatch, f"http://127.0.0.1:{free_port()}", *keys)
    with TestClient(create_app(s3_settings(settings, prefix))) as down:
        scenes.client = down
        r = scenes.commit(sid)  # the commit looks at the file: the store does not answer
        assert (r.status_code, r.headers.get("retry-after")) == (503, "2")
    keys_env(monkeypatch, s3.endpoint, *keys)
    with TestClient(create_app(s3_settings(settings, prefix))) as back:
        scenes.client = back
        assert scenes.commit(sid).json()["data"]["status"] == "created"
