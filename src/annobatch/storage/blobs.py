"""Where uploaded files live: a small interface, and a local directory under the data directory.

A blob becomes visible only when it is complete: a writer streams to a temporary name, makes the
bytes durable, then renames. A dropped connection leaves nothing under the blob's key, and the
same key can be written again. The S3-compatible store (`blobs_s3`) keeps the same promises with a
multipart upload to the key, completed on `commit`, aborted on `abort`.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import errno
import hashlib
import itertools
import os
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from annobatch.domain import TooLarge
from annobatch.storage.errors import OutOfSpace

_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}(/[A-Za-z0-9][A-Za-z0-9._-]{0,127}){0,7}")


def check_key(key: str) -> str:
    """Keys are `/`-separated segments of letters, digits, `.`, `_`, `-` (never `..` alone, never
    absolute): they are safe as paths and as object names."""
    if _KEY.fullmatch(key) is None or any(part in {".", ".."} for part in key.split("/")):
        raise ValueError(f"invalid blob key {key!r}")
    return key


@dataclass(frozen=True, slots=True)
class BlobInfo:
    key: str
    size: int
    sha256: str


class BlobWriter(abc.ABC):
    """One blob being written. Either `commit` (the blob appears, whole) or `abort` (nothing
    appears); `write` raises `TooLarge` past the limit and has then already aborted."""

    @abc.abstractmethod
    async def write(self, chunk: bytes) -> None: ...

    @abc.abstractmethod
    async def commit(self) -> BlobInfo: ...

    @abc.abstractmethod
    async def abort(self) -> None: ...


class BlobStore(abc.ABC):
    @abc.abstractmethod
    def writer(self, key: str, limit: int | None = None) -> BlobWriter: ...

    @abc.abstractmethod
    async def read(self, key: str, length: int | None = None) -> bytes:
        """The blob's bytes, or its first `length` bytes. `FileNotFoundError` if there is none."""

    @abc.abstractmethod
    def stream(self, key: str, chunk_size: int = 1024 * 1024) -> AsyncIterator[bytes]: ...

    @abc.abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the blob; a missing blob is not an error."""

    # Housekeeping: what the sweep looks at. The store lists; the sweep decides what goes.

    @abc.abstractmethod
    def blobs(self, modified_before: float, page: int = 500) -> AsyncIterator[list[str]]:
        """Every blob last written before `modified_before` (seconds since the epoch), in pages."""

    @abc.abstractmethod
    async def partials(self, modified_before: float) -> list[str]:
        """The partial uploads (blobs being written, never committed) last written before then."""

    @abc.abstractmethod
    async def remove_partial(self, name: str) -> None:
        """Remove a partial upload; a missing one is not an error."""

    async def put(self, key: str, chunks: AsyncIterable[bytes], limit: int | None = None) -> BlobInfo:
        """Write a whole blob from a stream of chunks; nothing appears unless every chunk arrived."""
        w = self.writer(key, limit)
        try:
            async for chunk in chunks:
                await w.write(chunk)
        except BaseException:
            await w.abort()
            raise
        return await w.commit()

    async def put_bytes(self, key: str, data: bytes) -> BlobInfo:
        """Write a whole blob held in memory (an annotation, a pre-annotation)."""
        return await self.put(key, _single(data))

    async def delete_quietly(self, key: str) -> None:
        """Delete a blob no committed row refers to; if it cannot go now, the sweep removes it
        later, and the caller's change does not fail for it."""
        try:
            await self.delete(key)
        except Exception:
            return


async def _single(data: bytes) -> AsyncIterator[bytes]:
    yield data


# ------------------------------------------------------------------------------- local directory

_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}


@contextlib.contextmanager
def _space_errors() -> Iterator[None]:
    """A full disk or an exhausted quota is `OutOfSpace`; the writer then aborts, keeping nothing."""
    try:
        yield
    except OSError as e:
        if e.errno in _NO_SPACE:
            raise OutOfSpace("the disk holding uploaded files is full") from e
        raise


#: Chunks are gathered to this size before they are handed over to be stored (the local store:
#: written by a worker thread; the S3 store: sent as a part), so that small network chunks cost
#: one thread hop per buffer. One buffer is stored while the next one fills.
_BUFFER = 4 * 1024 * 1024

#: The most hashed on the event loop at a time: between two such slices other tasks run.
_HASH_SLICE = 256 * 1024


class GatheringWriter(BlobWriter):
    """A writer that gathers the chunks it is given (network chunks are small) into buffers of
    `buffer_size` bytes and hands each full one to `_hand_over`, which checksums and stores it;
    `write` refuses what goes past the limit (`TooLarge`, the writer aborted)."""

    buffer_size: int

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.size = 0
        self.digest = hashlib.sha256()
        self.pending: list[bytes] = []
        self.pending_size = 0
        self.inflight: asyncio.Future[Any] | None = None
        self.done = False

    async def write(self, chunk: bytes) -> None:
        if self.done:
            raise RuntimeError("the blob writer is closed")
        if not chunk:
            return
        self.size += len(chunk)
        if self.limit is not None and self.size > self.limit:
            await self.abort()
            raise TooLarge(f"the upload is over the limit of {self.limit} bytes", "upload-too-large")
        self.pending.append(chunk)
        self.pending_size += len(chunk)
        if self.pending_size >= self.buffer_size:
            await self._hand_over()

    def _take(self) -> bytes:
        """The gathered bytes, as one buffer; nothing is gathered afterwards."""
        chunks = self._take_chunks()
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _take_chunks(self) -> list[bytes]:
        """The gathered chunks as they came (not copied into one buffer); nothing is gathered
        afterwards."""
        chunks, self.pending, self.pending_size = self.pending, [], 0
        return chunks

    @abc.abstractmethod
    async def _hand_over(self) -> None:
        """Store what is gathered (a full buffer)."""


class _LocalWriter(GatheringWriter):
    """While the body streams, each full buffer is written and checksummed by two worker threads
    at once (both release the interpreter lock), as the next one fills. The commit is one turn of
    one thread: the last chunks written, fsync, rename, the directory's fsync; the event loop
    checksums those chunks meanwhile (it waits for the thread anyway), a slice at a time."""

    buffer_size = _BUFFER

    def __init__(self, store: LocalBlobStore, key: str, limit: int | None) -> None:
        super().__init__(limit)
        self.store, self.key = store, key
        self.final = store.path(key)
        self.temp = store.incoming / f"{uuid.uuid4().hex}.part"
        self.file: int | None = None

    async def _hand_over(self) -> None:
        await self._settle()
        chunks = self._take_chunks()
        loop = asyncio.get_running_loop()
        self.inflight = asyncio.gather(
            loop.run_in_executor(None, self._checksum, chunks),
            loop.run_in_executor(None, self._write_sync, chunks),
            return_exceptions=True,  # both threads end before either's failure is raised
        )

    def _checksum(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            self.digest.update(chunk)

    async def _checksum_between(self, chunks: list[bytes]) -> None:
        """Checksum on the event loop, letting other tasks run after each slice."""
        hashed = 0
        for chunk in chunks:
            view = memoryview(chunk)
            for start in range(0, len(view), _HASH_SLICE):
                if hashed >= _HASH_SLICE:
                    await asyncio.sleep(0)
                    hashed = 0
                piece = view[start : start + _HASH_SLICE]
                self.digest.update(piece)
                hashed += len(piece)

    async def _settle(self) -> None:
        """Wait for the threads' turn to end, and raise what it raised. A cancelled wait leaves
        the turn `inflight` (`abort` waits for it: the file must not be closed under a thread
        still writing it)."""
        if self.inflight is not None:
            outcomes = await asyncio.shield(self.inflight)
            self.inflight = None
            for outcome in outcomes or ():
                if isinstance(outcome, BaseException):
                    raise outcome

    def _write_sync(self, chunks: list[bytes]) -> None:
        with _space_errors():
            if self.file is None:
                self.file = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
            for chunk in chunks:
                view = memoryview(chunk)
                while view:
                    n = os.write(self.file, view)
                    view = view[n:]

    async def commit(self) -> BlobInfo:
        if self.done:
            raise RuntimeError("the blob writer is closed")
        try:
            await self._settle()
            chunks = self._take_chunks()
            self.inflight = asyncio.get_running_loop().run_in_executor(None, self._publish, chunks)
            await self._checksum_between(chunks)
            await self._settle()
        except BaseException:
            await self.abort()
            raise
        self.done = True
        return BlobInfo(self.key, self.size, self.digest.hexdigest())

    def _publish(self, chunks: list[bytes]) -> None:
        """The last chunks; the file durable, then named, then its name durable."""
        self._write_sync(chunks)  # opens the file of an empty blob
        assert self.file is not None
        with _space_errors():
            os.fsync(self.file)  # a network file system may report a full disk only now
            os.close(self.file)
            self.file = None
            self.store.rename(self.temp, self.final)

    async def abort(self) -> None:
        if self.done:
            return
        self.done = True
        self.pending.clear()
        with contextlib.suppress(BaseException):
            await self._settle()  # a write still running must end before the file goes
        if self.file is not None:
            os.close(self.file)
            self.file = None
        self.temp.unlink(missing_ok=True)


class LocalBlobStore(BlobStore):
    """Blobs as files under `root` (the data directory's `blobs/`); temporary files in
    `root/.incoming/` on the same file system, so that the final rename is atomic."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.incoming = self.root / ".incoming"
        self.incoming.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def writer(self, key: str, limit: int | None = None) -> BlobWriter:
        return _LocalWriter(self, check_key(key), limit)

    async def read(self, key: str, length: int | None = None) -> bytes:
        path = self.path(key)

        def go() -> bytes:
            with path.open("rb") as f:
                return f.read() if length is None else f.read(length)

        return await asyncio.to_thread(go)

    async def stream(self, key: str, chunk_size: int = 1024 * 1024) -> AsyncIterator[bytes]:
        f = await asyncio.to_thread(self.path(key).open, "rb")
        try:
            while chunk := await asyncio.to_thread(f.read, chunk_size):
                yield chunk
        finally:
            f.close()

    async def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    async def delete(self, key: str) -> None:
        path = self.path(key)
        await asyncio.to_thread(path.unlink, True)

    async def blobs(self, modified_before: float, page: int = 500) -> AsyncIterator[list[str]]:
        walk = self._walk(modified_before)
        while found := await asyncio.to_thread(lambda: list(itertools.islice(walk, page))):
            yield found

    def _walk(self, modified_before: float) -> Iterator[str]:
        """Blob keys under the root, each directory read once (files in `.incoming` and anything
        that is not a blob key are none of the store's)."""
        stack = [self.root]
        while stack:
            folder = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except FileNotFoundError:
                continue
            for entry in entries:
                with contextlib.suppress(FileNotFoundError):
                    if entry.is_dir(follow_symlinks=False):
                        if Path(entry.path) != self.incoming:
                            stack.append(Path(entry.path))
                    elif entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < modified_before:
                        key = Path(entry.path).relative_to(self.root).as_posix()
                        if _KEY.fullmatch(key):
                            yield key

    async def partials(self, modified_before: float) -> list[str]:
        def old() -> list[str]:
            found = []
            for p in self.incoming.glob("*.part"):
                with contextlib.suppress(FileNotFoundError):
                    if p.stat().st_mtime < modified_before:
                        found.append(p.name)
            return sorted(found)

        return await asyncio.to_thread(old)

    async def remove_partial(self, name: str) -> None:
        if not name.endswith(".part") or "/" in name or name.startswith("."):
            raise ValueError(f"invalid partial upload name {name!r}")
        await asyncio.to_thread((self.incoming / name).unlink, True)

    def keys(self, prefix: str = "") -> list[str]:
        """Every committed blob (for tests and housekeeping)."""
        base = self.root / prefix if prefix else self.root
        if not base.exists():
            return []
        found = []
        for p in base.rglob("*"):
            if p.is_file() and self.incoming not in p.parents:
                found.append(p.relative_to(self.root).as_posix())
        return sorted(found)

    def incoming_files(self) -> list[Path]:
        return sorted(self.incoming.iterdir())

    def rename(self, temp: Path, final: Path) -> None:
        """Give a durable file its final name, durably: the rename, then an fsync of the directory
        holding the name. The key's directory is made when the rename finds none (a new scene's
        first file): tried first, it costs nothing when the directory is there. A directory made
        here has its own name made durable too (an fsync of its parent), or a crash could lose
        the directory, and the file with it, on a file system that does not order its metadata."""
        try:
            os.replace(temp, final)
        except FileNotFoundError:
            made = list(itertools.takewhile(lambda d: not d.exists(), (final.parent, *final.parent.parents)))
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, final)
            for d in made:
                self.sync_dir(d.parent)
        self.sync_dir(final.parent)

    @staticmethod
    def sync_dir(path: Path) -> None:
        """Make a rename durable (POSIX: fsync the directory)."""
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)


class NoBlobStore(BlobStore):
    """Where no blob store was configured (an operator command that needs no files): any use
    says so instead of writing somewhere unexpected."""

    def _refuse(self) -> NoReturn:
        raise RuntimeError("no blob store is configured for this process")

    def writer(self, key: str, limit: int | None = None) -> BlobWriter:
        self._refuse()

    async def read(self, key: str, length: int | None = None) -> bytes:
        self._refuse()

    def stream(self, key: str, chunk_size: int = 1024 * 1024) -> AsyncIterator[bytes]:
        self._refuse()

    async def exists(self, key: str) -> bool:
        self._refuse()

    async def delete(self, key: str) -> None:
        self._refuse()

    def blobs(self, modified_before: float, page: int = 500) -> AsyncIterator[list[str]]:
        self._refuse()

    async def partials(self, modified_before: float) -> list[str]:
        self._refuse()

    async def remove_partial(self, name: str) -> None:
        self._refuse()


def open_blob_store(data_dir: str | Path, url: str = "", env: Mapping[str, str] | None = None) -> BlobStore:
    """The blob store of a data directory; with `url` (`s3://bucket/prefix`), the bucket, reached
    with the AWS_* settings of `env` (the process environment if none)."""
    if not url:
        return LocalBlobStore(Path(data_dir) / "blobs")
    from annobatch.storage.blobs_s3 import S3BlobStore, S3Location

    return S3BlobStore(S3Location.parse(url, os.environ if env is None else env))
