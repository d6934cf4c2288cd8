"""Uploading a scene's files to the signed URLs its creation answered.

Files stream from disk in chunks (never read whole), several at once (one pool of `workers`
threads shared by every scene of the client), each retried with backoff after a dropped
connection or a 408/429/5xx answer. The server answers each upload with the size and SHA-256 it
stored; the SDK compares them with what it sent (a mismatch is sent again) and records them in the
resume journal, so that running the same creation again skips files the server holds.
"""

from __future__ import annotations

import hashlib
import mimetypes
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import msgspec

from annobatch.client._errors import APIError, from_response, from_transport
from annobatch.client._journal import Journal
from annobatch.client._progress import Progress
from annobatch.client._requester import Requester, RetryPolicy
from annobatch.model.scene.resources.resource import MissingFileError
from annobatch.schemas import Envelope, Uploaded

CHUNK = 1024 * 1024
#: Upload answers worth another try: the request timed out, the server asked to slow down, or
#: failed (the upload URL can be used again).
RETRY_STATUSES = frozenset({408, 429})


def _retryable(status: int) -> bool:
    return status in RETRY_STATUSES or status >= 500


@dataclass
class UploadFile:
    """One file to PUT to `url`: streamed from `path`, or the bytes `read()` gives."""

    resource_id: str
    url: str
    content_type: str
    path: Path | None = None
    read: Callable[[], bytes] | None = None
    _data: bytes | None = None

    def _bytes(self) -> bytes:
        if self._data is None:
            assert self.read is not None
            self._data = self.read()
        return self._data

    def chunks(self) -> Iterator[bytes]:
        if self.path is None:
            yield self._bytes()
            return
        try:
            with self.path.open("rb") as f:
                while chunk := f.read(CHUNK):
                    yield chunk
        except FileNotFoundError:
            raise MissingFileError(str(self.path)) from None

    def size(self) -> int:
        if self.path is None:
            return len(self._bytes())
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            raise MissingFileError(str(self.path)) from None

    def checksum(self) -> str:
        h = hashlib.sha256()
        for chunk in self.chunks():
            h.update(chunk)
        return h.hexdigest()


def content_type_of(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _stored(response: httpx.Response, sha256: str, size: int) -> Uploaded:
    """What the server says it stored; an upload URL that answers 2xx without saying (not an
    annobatch server's) is taken at its word, as the official client takes it."""
    try:
        return msgspec.json.decode(response.content, type=Envelope[Uploaded]).data
    except (msgspec.DecodeError, msgspec.ValidationError):
        return Uploaded(size, sha256)


class DamagedUpload(APIError):
    """The server stored something other than what was sent."""


class Uploader:
    """Uploads files for one client: `workers` at a time across all its scenes."""

    def __init__(self, requester: Requester, workers: int = 8, retries: int = 8) -> None:
        self.requester = requester
        self.workers = max(1, workers)
        self.retry = RetryPolicy(retries=retries, backoff=0.5, max_wait=30.0)
        self._pool: ThreadPoolExecutor | None = None

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="annobatch-upload")
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def upload_all(self, files: list[UploadFile], journal: Journal, progress: Progress) -> None:
        """Upload every file the server does not hold yet; the first failure is raised once the
        uploads under way have ended (those not started are cancelled)."""
        sizes = {f.resource_id: f.size() for f in files}
        progress.expect(len(files), sum(sizes.values()))
        todo: list[UploadFile] = []
        for f in files:
            held = journal.confirmed(f.resource_id)
            if held is not None and held.size == sizes[f.resource_id] and held.sha256 == f.checksum():
                progress.advance(held.size)
                progress.file_done()
            else:
                todo.append(f)
        stop = threading.Event()  # set by the first failure: uploads not yet begun do not begin

        def upload(f: UploadFile) -> None:
            if stop.is_set():
                return
            try:
                self._upload(f, journal, progress)
            except BaseException:
                stop.set()
                raise

        futures: list[Future[None]] = [self._executor().submit(upload, f) for f in todo]
        _, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in pending:
            future.cancel()
        wait(pending)
        for future in futures:
            error = None if future.cancelled() else future.exception()
            if error is not None:
                raise error

    def upload_v2(self, scene_uuid: str, urls: list[tuple[str, str]], files: Mapping[str, Any]) -> None:
        """The local files of a v2 scene (`LocalFile`s by filename), to their URLs."""
        uploads = []
        for filename, url in urls:
            local = files[filename]
            data = getattr(local, "data", None)
            callback = getattr(local, "callback", None)
            read = None
            if data is not None:
                read = lambda d=data: bytes(d)  # noqa: E731
            elif callback is not None:
                read = lambda c=callback, n=filename: bytes(c(n))  # noqa: E731
            path = Path(filename).expanduser() if read is None else None
            uploads.append(UploadFile(filename, url, content_type_of(filename), path, read))
        journal = Journal(None, scene_uuid)  # kept in memory only: a v2 create is not resumed
        journal.start(scene_uuid)
        with Progress(False) as progress:
            self.upload_all(uploads, journal, progress)

    def _upload(self, f: UploadFile, journal: Journal, progress: Progress) -> None:
        attempt = 0
        while True:
            h, sent = hashlib.sha256(), 0

            def body(h: Any = h) -> Iterator[bytes]:
                nonlocal sent
                for chunk in f.chunks():
                    h.update(chunk)
                    sent += len(chunk)
                    progress.advance(len(chunk))
                    yield chunk

            error: APIError
            try:
                response = self.requester.http.put(
                    f.url,
                    content=body(),
                    headers={"Content-Type": f.content_type, "Content-Length": str(f.size())},
                    timeout=httpx.Timeout(self.requester.timeout, write=None),
                )
            except httpx.TransportError as e:
                error = from_transport(e, f.url.split("?")[0], self.requester.timeout)
            else:
                if response.is_success:
                    stored = _stored(response, h.hexdigest(), sent)
                    if stored.sha256 == h.hexdigest() and stored.size == sent:
                        journal.confirm(f.resource_id, stored.sha256, stored.size)
                        progress.file_done()
                        return
                    error = DamagedUpload(f"file {f.resource_id} arrived damaged", code="damaged-upload")
                elif _retryable(response.status_code):
                    error = from_response(response)
                else:
                    raise from_response(response)
            progress.rewind(sent)
            if attempt >= self.retry.retries:
                raise error
            self.retry.sleep(self.retry.delay(attempt))
            attempt += 1
