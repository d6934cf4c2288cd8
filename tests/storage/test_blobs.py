"""The blob stores, local and S3 (SeaweedFS): a blob appears whole or not at all, under a safe key,
with its checksum. Every test of the interface runs on both; what only a directory has is tested
on the local one."""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annobatch.domain import TooLarge
from annobatch.storage.blobs import BlobStore, LocalBlobStore, check_key, open_blob_store
from annobatch.storage.blobs_s3 import S3BlobStore, S3Location
from annobatch.storage.errors import StoreUnavailable
from s3_server import SHARED, S3Server


async def chunks_of(data: bytes, size: int) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def s3_store(s3: S3Server, prefix: str | None = None) -> S3BlobStore:
    """A store under a key prefix of its own in the shared bucket."""
    keys = s3.admin
    location = S3Location(
        SHARED,
        prefix or f"blobs-{s3.prefix()}",
        s3.endpoint,
        "us-east-1",
        keys.access_key_id,
        keys.secret_access_key,
    )
    return S3BlobStore(location)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "local":
        yield LocalBlobStore(tmp_path)
    else:
        yield s3_store(request.getfixturevalue("s3"))


def committed(store: BlobStore) -> list[str]:
    if isinstance(store, LocalBlobStore):
        return store.keys()
    assert isinstance(store, S3BlobStore)
    return asyncio.run(store.keys())


def partial_uploads(store: BlobStore) -> list[str]:
    return asyncio.run(store.partials(modified_before=time.time() + 3600))


def test_a_blob_is_written_whole_with_its_size_and_sha256(store: BlobStore) -> None:
    data = bytes(range(256)) * 40000  # over the write buffer and the part size: several writes
    info = asyncio.run(store.put("scenes/s1/0-a", chunks_of(data, 65536)))
    assert (info.key, info.size, info.sha256) == (
        "scenes/s1/0-a",
        len(data),
        hashlib.sha256(data).hexdigest(),
    )
    assert asyncio.run(store.read("scenes/s1/0-a")) == data
    assert asyncio.run(store.read("scenes/s1/0-a", 4)) == data[:4]
    assert committed(store) == ["scenes/s1/0-a"] and partial_uploads(store) == []


def test_a_blob_is_invisible_until_committed_and_gone_when_aborted(store: BlobStore) -> None:

    async def go() -> None:
        w = store.writer("k/one")
        for _ in range(9):  # past one S3 part and two local write buffers: bytes are stored, unnamed
            await w.write(b"x" * (1024 * 1024))
        assert not await store.exists("k/one")
        assert len(await store.partials(time.time() + 3600)) == 1
        await w.abort()

    asyncio.run(go())
    assert committed(store) == [] and partial_uploads(store) == []


def test_a_broken_stream_leaves_nothing(store: BlobStore) -> None:

    async def broken() -> AsyncIterator[bytes]:
        yield b"a" * 2_000_000
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        asyncio.run(store.put("k/one", broken()))
    assert committed(store) == [] and partial_uploads(store) == []


def test_writing_past_the_limit_is_too_large_and_leaves_nothing(store: BlobStore) -> None:
    with pytest.raises(TooLarge, match="over the limit of 10 bytes"):
        asyncio.run(store.put("k/one", chunks_of(b"0123456789A", 3), limit=10))
    assert committed(store) == [] and partial_uploads(store) == []
    assert asyncio.run(store.put("k/one", chunks_of(b"0123456789", 3), limit=10)).size == 10


def test_going_past_the_limit_after_a_buffer_was_stored_leaves_nothing(store: BlobStore) -> None:
    mib = 1024 * 1024
    with pytest.raises(TooLarge, match=f"over the limit of {5 * mib} bytes"):
        # The first 4 MiB are written (a local turn, an S3 part) before the limit is crossed.
        asyncio.run(store.put("k/one", chunks_of(b"x" * (6 * mib), mib), limit=5 * mib))
    assert committed(store) == [] and partial_uploads(store) == []


def test_a_chunk_larger_than_the_buffer_is_checksummed_whole(store: BlobStore) -> None:
    data = os.urandom(9 * 1024 * 1024 + 7)  # one chunk, checksummed in slices
    info = asyncio.run(store.put("k/big", chunks_of(data, len(data))))
    assert (info.size, info.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert asyncio.run(store.read("k/big")) == data


def test_a_cancelled_upload_ends_its_write_before_it_removes_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is closed and removed only once the worker thread writing it is done: a file
    descriptor closed under a running write could meanwhile belong to another file."""
    store = LocalBlobStore(tmp_path)
    writing, go_on = threading.Event(), threading.Event()
    done_writes: list[int] = []
    real_write = os.write

    def held_write(fd: int, data: Any) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".part"):
            writing.set()
            go_on.wait(30)
            done_writes.append(real_write(fd, data))
            return done_writes[-1]
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", held_write)

    async def go() -> None:
        upload = asyncio.create_task(store.put("k/one", chunks_of(bytes(6 * 1024 * 1024), 1024 * 1024)))
        await asyncio.to_thread(writing.wait, 30)  # the first buffer is being written
        upload.cancel()
        for _ in range(20):
            await asyncio.sleep(0)
        assert not upload.done()  # the cancelled upload waits for the write
        go_on.set()
        with pytest.raises(asyncio.CancelledError):
            await upload

    asyncio.run(go())
    assert sum(done_writes) == 4 * 1024 * 1024  # the whole first buffer, none of it refused
    assert store.keys() == [] and store.incoming_files() == []


def test_writing_a_key_again_replaces_it_atomically(store: BlobStore) -> None:
    asyncio.run(store.put("k/one", chunks_of(b"first", 2)))
    asyncio.run(store.put("k/one", chunks_of(b"second", 2)))
    assert asyncio.run(store.read("k/one")) == b"second"


def test_a_directory_made_for_a_key_has_its_name_made_durable_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalBlobStore(tmp_path)
    synced: list[Path] = []
    monkeypatch.setattr(LocalBlobStore, "sync_dir", staticmethod(synced.append))
    asyncio.run(store.put("scenes/s1/0-a", chunks_of(b"x", 1)))
    # Both new directories' names (in the root, in scenes/), then the file's name.
    assert sorted(synced) == sorted([tmp_path, tmp_path / "scenes", tmp_path / "scenes" / "s1"])
    synced.clear()
    asyncio.run(store.put("scenes/s1/1-b", chunks_of(b"y", 1)))
    assert synced == [tmp_path / "scenes" / "s1"]  # the directory was there: only the file's name


def test_an_empty_blob_is_a_blob(store: BlobStore) -> None:
    info = asyncio.run(store.put("k/empty", chunks_of(b"", 1)))
    assert info.size == 0 and asyncio.run(store.read("k/empty")) == b""
    assert asyncio.run(store.read("k/empty", 64)) == b""  # its first bytes: none


def test_deleting_is_quiet_about_missing_blobs(store: BlobStore) -> None:
    asyncio.run(store.put("k/one", chunks_of(b"x", 1)))
    asyncio.run(store.delete("k/one"))
    asyncio.run(store.delete("k/one"))
    assert not asyncio.run(store.exists("k/one"))


def test_streaming_reads_a_blob_back_in_chunks(store: BlobStore) -> None:
    data = b"abcdefghij" * 1000
    asyncio.run(store.put("k/s", chunks_of(data, 333)))

    async def collect() -> bytes:
        return b"".join([c async for c in store.stream("k/s", chunk_size=1024)])

    assert asyncio.run(collect()) == data


def test_reading_a_missing_blob_is_file_not_found(store: BlobStore) -> None:
    with pytest.raises(FileNotFoundError):
        asyncio.run(store.read("k/none"))
    with pytest.raises(FileNotFoundError):
        asyncio.run(store.read("k/none", 4))
    assert not asyncio.run(store.exists("k/none"))


def test_blobs_are_listed_in_pages_once_written(store: BlobStore) -> None:
    for i in range(5):
        asyncio.run(store.put(f"scenes/s{i}/0-a", chunks_of(b"x", 1)))

    async def pages(before: float) -> list[list[str]]:
        return [page async for page in store.blobs(modified_before=before, page=2)]

    found = asyncio.run(pages(time.time() + 60))
    assert [len(p) for p in found] == [2, 2, 1]
    assert sorted(k for p in found for k in p) == [f"scenes/s{i}/0-a" for i in range(5)]
    assert asyncio.run(pages(time.time() - 3600)) == []


@pytest.mark.parametrize(
    "key", ["", "/abs", "../up", "a/../b", "a//b", "a/./b", "with space", "a\\b", ".hidden"]
)
def test_unsafe_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="invalid blob key"):
        check_key(key)


def test_the_data_directorys_blob_store_lives_under_blobs(tmp_path: Path) -> None:
    store = open_blob_store(tmp_path)
    assert isinstance(store, LocalBlobStore) and store.root == tmp_path / "blobs"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=5000), size=st.integers(min_value=1, max_value=700))
def test_any_bytes_in_any_chunking_come_back_unchanged(store: BlobStore, data: bytes, size: int) -> None:
    info = asyncio.run(store.put("k/x", chunks_of(data, size)))
    assert asyncio.run(store.read("k/x")) == data
    assert info.sha256 == hashlib.sha256(data).hexdigest()


def test_temporary_files_left_by_a_crash_are_swept_when_old(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    old, fresh = tmp_path / ".incoming" / "old.part", tmp_path / ".incoming" / "fresh.part"
    old.write_bytes(b"half an upload")
    fresh.write_bytes(b"an upload in flight")
    day_ago = old.stat().st_mtime - 2 * 24 * 3600
    os.utime(old, (day_ago, day_ago))
    (name,) = asyncio.run(store.partials(modified_before=time.time() - 24 * 3600))
    asyncio.run(store.remove_partial(name))
    assert store.incoming_files() == [fresh]


def test_opening_a_store_removes_nothing(tmp_path: Path) -> None:
    """Removing is the sweep's: a dry run of it must be able to open the store and see everything."""
    LocalBlobStore(tmp_path)
    old = tmp_path / ".incoming" / "old.part"
    old.write_bytes(b"half an upload")
    os.utime(old, (0, 0))
    assert LocalBlobStore(tmp_path).incoming_files() == [old]


def test_blobs_are_listed_in_pages_by_age_leaving_out_partial_uploads_and_strangers(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    for i in range(5):
        asyncio.run(store.put(f"scenes/s{i}/0-a", chunks_of(b"x", 1)))
        os.utime(store.path(f"scenes/s{i}/0-a"), (1000 + i, 1000 + i))
    asyncio.run(store.put("scenes/new/0-a", chunks_of(b"x", 1)))
    (tmp_path / ".incoming" / "x.part").write_bytes(b"partial")
    (tmp_path / "scenes" / "s0" / ".hidden").write_bytes(b"not a blob key")
    os.utime(tmp_path / "scenes" / "s0" / ".hidden", (0, 0))

    async def pages(before: float) -> list[list[str]]:
        return [page async for page in store.blobs(modified_before=before, page=2)]

    found = asyncio.run(pages(1003))
    assert [len(p) for p in found] == [2, 1]
    assert sorted(k for p in found for k in p) == ["scenes/s0/0-a", "scenes/s1/0-a", "scenes/s2/0-a"]
    assert asyncio.run(pages(0)) == []


@pytest.mark.parametrize("name", ["../x.part", "x.txt", ".part", "a/b.part"])
def test_only_partial_uploads_are_removed_as_such(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="invalid partial upload name"):
        asyncio.run(LocalBlobStore(tmp_path).remove_partial(name))


# ------------------------------------------------------------------------------------------ S3


def test_an_abandoned_multipart_upload_is_a_partial_upload_the_sweep_can_remove(s3: S3Server) -> None:
    store = s3_store(s3)

    async def abandon() -> None:
        w = store.writer("k/big")
        await w.write(b"x" * (9 * 1024 * 1024))  # one part sent; the writer is never closed

    asyncio.run(abandon())
    (name,) = partial_uploads(store)
    assert name.startswith("k/big#")
    assert asyncio.run(store.partials(modified_before=time.time() - 3600)) == []
    asyncio.run(store.remove_partial(name))
    asyncio.run(store.remove_partial(name))  # already gone: quiet
    assert partial_uploads(store) == [] and committed(store) == []


def test_objects_outside_the_prefix_or_not_blob_keys_are_none_of_the_stores(s3: S3Server) -> None:
    store = s3_store(s3)
    prefix = store.location.prefix
    s3.put(SHARED, f"{prefix}-other/k/x", b"a neighbour")
    s3.put(SHARED, f"{prefix}/k/.hidden", b"not a blob key")
    asyncio.run(store.put("k/x", chunks_of(b"mine", 2)))
    assert committed(store) == ["k/x"]


@pytest.mark.parametrize("name", ["k/x", "#upload", "../x#upload", "k/x#"])
def test_only_multipart_uploads_are_removed_as_partial_uploads(s3: S3Server, name: str) -> None:
    with pytest.raises(ValueError, match="invalid partial upload name"):
        asyncio.run(s3_store(s3).remove_partial(name))


def test_a_store_that_is_down_is_unavailable_and_keeps_nothing() -> None:
    from liveserver import free_port

    down = S3BlobStore(S3Location("b", "p", f"http://127.0.0.1:{free_port()}", "us-east-1", "AK", "secret"))
    with pytest.raises(StoreUnavailable, match="unreachable"):
        asyncio.run(down.put("k/x", chunks_of(b"data", 2)))
    with pytest.raises(StoreUnavailable):
        asyncio.run(down.read("k/x"))


def test_a_store_that_refuses_the_keys_is_unavailable_and_keeps_nothing(s3: S3Server) -> None:
    store = s3_store(s3)
    wrong = S3BlobStore(
        S3Location(SHARED, store.location.prefix, s3.endpoint, "us-east-1", "AKWRONG", "nope" * 8)
    )
    with pytest.raises(StoreUnavailable, match="credentials"):
        asyncio.run(wrong.put("k/x", chunks_of(b"data", 2)))
    assert committed(store) == []


def test_an_s3_url_opens_the_bucket_with_the_standard_aws_settings(tmp_path: Path) -> None:
    env = {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_DEFAULT_REGION": "eu-north-1",
        "AWS_ACCESS_KEY_ID": "AK",
        "AWS_SECRET_ACCESS_KEY": "SK",
    }
    store = open_blob_store(tmp_path, "s3://bucket/some/prefix", env)
    assert isinstance(store, S3BlobStore)
    assert store.location == S3Location(
        "bucket", "some/prefix", "http://127.0.0.1:9", "eu-north-1", "AK", "SK"
    )
    assert store.object_key("scenes/s/0-a") == "some/prefix/scenes/s/0-a"


@pytest.mark.parametrize("url", ["s3://", "s3:///prefix", "s3://b/../x", "s3://b/p?x=1"])
def test_a_malformed_s3_url_is_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(ValueError):
        open_blob_store(tmp_path, url, {})


def test_settings_take_the_blob_store_and_how_files_reach_it_from_the_environment() -> None:
    from annobatch.settings import Settings

    env = {"ANNOBATCH_BLOBS": "s3://bucket/prefix/", "ANNOBATCH_S3_UPLOADS": "presigned"}
    chosen = Settings.from_env(env)
    assert (chosen.blobs_url, chosen.s3_uploads, chosen.s3_downloads) == (
        "s3://bucket/prefix",
        "presigned",
        "stream",
    )
    assert Settings.from_env(chosen.location_env()).blobs_url == "s3://bucket/prefix"  # what workers see


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ANNOBATCH_BLOBS": "/srv/blobs"}, "ANNOBATCH_BLOBS must be empty"),
        ({"ANNOBATCH_S3_UPLOADS": "sideways"}, "ANNOBATCH_S3_UPLOADS must be one of stream, presigned"),
        ({"ANNOBATCH_S3_DOWNLOADS": "yes"}, "ANNOBATCH_S3_DOWNLOADS must be one of stream, presigned"),
        (
            {"ANNOBATCH_S3_UPLOADS": "presigned", "ANNOBATCH_SWEEP_ORPHAN_GRACE": "600"},
            "ANNOBATCH_SWEEP_ORPHAN_GRACE must be at least ANNOBATCH_UPLOAD_URL_TTL",
        ),
    ],
)
def test_settings_refuse_an_unknown_blob_store_or_transfer_mode(env: dict[str, str], message: str) -> None:
    from annobatch.settings import Settings

    with pytest.raises(ValueError, match=message):
        Settings.from_env(env)


def test_presigned_urls_write_and_read_a_blob_straight_at_the_store(s3: S3Server) -> None:
    import httpx

    from annobatch.services.direct_uploads import PresignedDownloads
    from annobatch.services.downloads import DownloadSigner

    store = s3_store(s3)
    asyncio.run(store.client())
    put = store.presigned_put("scenes/s/0-direct", 60)
    assert put.startswith(s3.endpoint) and httpx.put(put, content=b"straight in").status_code == 200
    assert asyncio.run(store.read("scenes/s/0-direct")) == b"straight in"
    links = PresignedDownloads.over(DownloadSigner.from_signing_key("k" * 40, 60), store)
    file_url = links.file_url("http://server", "s", 0, blob_key="scenes/s/0-direct").url
    assert httpx.get(file_url).content == b"straight in"
    assert links.file_url("http://server", "s", 0).url.startswith("http://server/")  # no key: the server's
