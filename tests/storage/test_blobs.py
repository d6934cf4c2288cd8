"""The local blob store: a blob appears whole or not at all, under a safe key, with its checksum."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annobatch.domain import TooLarge
from annobatch.storage.blobs import LocalBlobStore, check_key, open_blob_store


async def chunks_of(data: bytes, size: int) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def test_a_blob_is_written_whole_with_its_size_and_sha256(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    data = bytes(range(256)) * 9000  # over the write buffer, so several writes
    info = asyncio.run(store.put("scenes/s1/0-a", chunks_of(data, 65536)))
    assert (info.key, info.size, info.sha256) == (
        "scenes/s1/0-a",
        len(data),
        hashlib.sha256(data).hexdigest(),
    )
    assert asyncio.run(store.read("scenes/s1/0-a")) == data
    assert asyncio.run(store.read("scenes/s1/0-a", 4)) == data[:4]
    assert store.keys() == ["scenes/s1/0-a"] and store.incoming_files() == []


def test_a_blob_is_invisible_until_committed_and_gone_when_aborted(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)

    async def go() -> None:
        w = store.writer("k/one")
        for _ in range(9):  # past two write buffers: bytes are on the disk, under a temporary name
            await w.write(b"x" * (1024 * 1024))
        assert not await store.exists("k/one")
        assert len(store.incoming_files()) == 1
        await w.abort()

    asyncio.run(go())
    assert store.keys() == [] and store.incoming_files() == []


def test_a_broken_stream_leaves_nothing(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)

    async def broken() -> AsyncIterator[bytes]:
        yield b"a" * 2_000_000
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        asyncio.run(store.put("k/one", broken()))
    assert store.keys() == [] and store.incoming_files() == []


def test_writing_past_the_limit_is_too_large_and_leaves_nothing(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    with pytest.raises(TooLarge, match="over the limit of 10 bytes"):
        asyncio.run(store.put("k/one", chunks_of(b"0123456789A", 3), limit=10))
    assert store.keys() == [] and store.incoming_files() == []
    assert asyncio.run(store.put("k/one", chunks_of(b"0123456789", 3), limit=10)).size == 10


def test_writing_a_key_again_replaces_it_atomically(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    asyncio.run(store.put("k/one", chunks_of(b"first", 2)))
    asyncio.run(store.put("k/one", chunks_of(b"second", 2)))
    assert asyncio.run(store.read("k/one")) == b"second"


def test_an_empty_blob_is_a_blob(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    info = asyncio.run(store.put("k/empty", chunks_of(b"", 1)))
    assert info.size == 0 and asyncio.run(store.read("k/empty")) == b""


def test_deleting_is_quiet_about_missing_blobs(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    asyncio.run(store.put("k/one", chunks_of(b"x", 1)))
    asyncio.run(store.delete("k/one"))
    asyncio.run(store.delete("k/one"))
    assert not asyncio.run(store.exists("k/one"))


def test_streaming_reads_a_blob_back_in_chunks(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    data = b"abcdefghij" * 1000
    asyncio.run(store.put("k/s", chunks_of(data, 333)))

    async def collect() -> bytes:
        return b"".join([c async for c in store.stream("k/s", chunk_size=1024)])

    assert asyncio.run(collect()) == data


@pytest.mark.parametrize(
    "key", ["", "/abs", "../up", "a/../b", "a//b", "a/./b", "with space", "a\\b", ".hidden"]
)
def test_unsafe_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="invalid blob key"):
        check_key(key)


def test_the_data_directorys_blob_store_lives_under_blobs(tmp_path: Path) -> None:
    store = open_blob_store(tmp_path)
    assert isinstance(store, LocalBlobStore) and store.root == tmp_path / "blobs"


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=5000), size=st.integers(min_value=1, max_value=700))
def test_any_bytes_in_any_chunking_come_back_unchanged(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, size: int
) -> None:
    store = LocalBlobStore(tmp_path_factory.mktemp("blobs"))
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
