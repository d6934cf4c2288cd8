"""Blobs in an S3-compatible bucket (`ANNOBATCH_BLOBS=s3://bucket/prefix`), for several replicas.

The same promises as the local store: a blob appears whole or not at all. A writer streams its
body in parts of `PART_SIZE` (one part filling while the one before is sent, never the whole body
in memory) to a multipart upload, which S3 shows under the key only once completed; a small body
is one PUT. Each part goes with its MD5 (the store refuses a damaged part) and the completed
object's size is checked before the blob counts as written; the SHA-256 is computed on the way.

boto3 is synchronous: each call runs in a worker thread. A store that cannot be reached, refuses
the credentials or fails is `StoreUnavailable` (503, try again), never the library's message; a
missing object is `FileNotFoundError`, as from a local file.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from annobatch.domain import TooLarge
from annobatch.storage.blobs import _KEY, BlobInfo, BlobStore, BlobWriter, check_key
from annobatch.storage.errors import StoreUnavailable

T = TypeVar("T")

#: Parts of a multipart upload (S3's least is 5 MiB but for the last). Bodies up to this size are
#: one PUT.
PART_SIZE = 8 * 1024 * 1024
#: Connections to the store, and threads that use them, per process.
POOL = 32
_MISSING = {"NoSuchKey", "NotFound", "404", "NoSuchUpload"}


@dataclass(frozen=True, slots=True)
class S3Location:
    """Where the blobs are: a bucket, a key prefix, and how to reach and sign for the store (the
    standard AWS settings; unset ones fall to boto3's own defaults)."""

    bucket: str
    prefix: str = ""
    endpoint: str | None = None
    region: str | None = None
    access_key_id: str | None = field(default=None, repr=False)
    secret_access_key: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str, env: Mapping[str, str]) -> S3Location:
        """`s3://bucket/prefix` and the AWS_* variables of `env`."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"ANNOBATCH_BLOBS must be s3://bucket/prefix (got {url!r})")
        prefix = parts.path.strip("/")
        if prefix:
            check_key(prefix)
        return cls(
            bucket=parts.netloc,
            prefix=prefix,
            endpoint=env.get("AWS_ENDPOINT_URL") or None,
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
            access_key_id=env.get("AWS_ACCESS_KEY_ID") or None,
            secret_access_key=env.get("AWS_SECRET_ACCESS_KEY") or None,
        )

    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


def make_client(location: S3Location, pool: int = POOL) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=location.endpoint,
        region_name=location.region or "us-east-1",
        aws_access_key_id=location.access_key_id,
        aws_secret_access_key=location.secret_access_key,
        config=Config(
            connect_timeout=3,
            read_timeout=60,
            retries={"max_attempts": 3, "mode": "standard"},
            max_pool_connections=pool,
            # Checksums the way every S3-compatible store understands (Content-MD5, set here).
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            s3={"addressing_style": "path"},
            # Presigned URLs signed with SigV4 sign only the host: the client may send any Content-Type.
            signature_version="s3v4",
        ),
    )


class _NothingInRange(Exception):
    """The first bytes of an empty object were asked for (S3 answers 416)."""


def _unavailable(e: Exception) -> Exception:
    """A missing object is `FileNotFoundError`; any other failure of the store `StoreUnavailable`."""
    from botocore.exceptions import ClientError

    if isinstance(e, ClientError):
        code = str(e.response.get("Error", {}).get("Code", ""))
        if code == "InvalidRange":
            return _NothingInRange()
        status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _MISSING or (status == 404 and code != "NoSuchBucket"):
            return FileNotFoundError(code or "missing")
        if status == 403 or code in {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}:
            return StoreUnavailable("refusing the server's credentials")
        if code == "NoSuchBucket":
            return StoreUnavailable("missing its bucket")
        return StoreUnavailable("failing")
    return StoreUnavailable("unreachable")


def _md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


class _S3Writer(BlobWriter):
    def __init__(self, store: S3BlobStore, key: str, limit: int | None) -> None:
        self.store, self.key, self.limit = store, key, limit
        self.object_key = store.object_key(key)
        self.size = 0
        self.digest = hashlib.sha256()
        self.pending: list[bytes] = []
        self.pending_size = 0
        self.upload_id: str | None = None
        self.parts: list[dict[str, Any]] = []
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
        if self.pending_size >= PART_SIZE:
            try:
                await self._send_part()
            except BaseException:
                await self.abort()
                raise

    def _take(self) -> bytes:
        data = b"".join(self.pending)
        self.pending, self.pending_size = [], 0
        return data

    async def _send_part(self) -> None:
        """Send the gathered bytes as the next part, once the part before has arrived."""
        await self._settle()
        data = self._take()
        if self.upload_id is None:
            started = await self.store.call("create_multipart_upload", Key=self.object_key)
            self.upload_id = started["UploadId"]
        number = len(self.parts) + 1
        self.parts.append({"PartNumber": number})
        loop = asyncio.get_running_loop()
        self.inflight = asyncio.gather(
            loop.run_in_executor(None, self.digest.update, data),
            self.store.call(
                "upload_part", Key=self.object_key, UploadId=self.upload_id, PartNumber=number,
                Body=data, ContentMD5=_md5(data), ContentLength=len(data),
            ),
        )  # fmt: skip

    async def _settle(self) -> None:
        if self.inflight is not None:
            inflight, self.inflight = self.inflight, None
            _, answer = await inflight
            self.parts[-1]["ETag"] = answer["ETag"]

    async def commit(self) -> BlobInfo:
        if self.done:
            raise RuntimeError("the blob writer is closed")
        try:
            if self.upload_id is None:
                data = self._take()
                self.digest.update(data)
                await self.store.call(
                    "put_object",
                    Key=self.object_key,
                    Body=data,
                    ContentMD5=_md5(data),
                    ContentLength=len(data),
                )
            else:
                if self.pending:
                    await self._send_part()
                await self._settle()
                await self.store.call(
                    "complete_multipart_upload", Key=self.object_key, UploadId=self.upload_id,
                    MultipartUpload={"Parts": self.parts},
                )  # fmt: skip
            stored = await self.store.size(self.key)
        except BaseException:
            await self.abort()
            raise
        self.done = True
        if stored != self.size:
            await self.store.delete(self.key)
            raise StoreUnavailable(f"keeping {stored} of {self.size} bytes written (nothing kept)")
        return BlobInfo(self.key, self.size, self.digest.hexdigest())

    async def abort(self) -> None:
        if self.done:
            return
        self.done = True
        self.pending.clear()
        with contextlib.suppress(BaseException):
            await self._settle()  # a part still being sent must end before the upload goes
        if self.upload_id is not None:
            # Left behind if the store is away: the sweep removes old partial uploads.
            with contextlib.suppress(Exception):
                await self.store.call("abort_multipart_upload", Key=self.object_key, UploadId=self.upload_id)


class S3BlobStore(BlobStore):
    """Blobs as objects `<prefix>/<key>` of one bucket; partial uploads are its unfinished
    multipart uploads, named `<key>#<upload id>`."""

    def __init__(self, location: S3Location, client: Any = None) -> None:
        self.location = location
        self.bucket = location.bucket
        self._s3 = client
        self._threads: ThreadPoolExecutor | None = None

    def object_key(self, key: str) -> str:
        check_key(key)
        return f"{self.location.prefix}/{key}" if self.location.prefix else key

    def blob_key(self, object_key: str) -> str | None:
        """The blob key of an object of the bucket, None when it is none of this store's."""
        if self.location.prefix:
            head = self.location.prefix + "/"
            if not object_key.startswith(head):
                return None
            object_key = object_key[len(head) :]
        return object_key if _KEY.fullmatch(object_key) else None

    async def client(self) -> Any:
        if self._s3 is None:  # two made at once is harmless: one is kept
            self._s3 = await asyncio.to_thread(make_client, self.location)
        return self._s3

    async def call(self, method: str, **kw: Any) -> Any:
        """One call of the bucket, in a worker thread, its failures translated."""
        s3 = await self.client()
        return await self._run(functools.partial(getattr(s3, method), Bucket=self.bucket, **kw))

    async def _run(self, fn: Callable[[], T]) -> T:
        """`fn` in a thread of the store's own (as many as the client's connections: a part being
        sent holds its thread throughout, and must not hold up the process's other work)."""
        if self._threads is None:
            self._threads = ThreadPoolExecutor(POOL, thread_name_prefix="annobatch-s3")
        try:
            return await asyncio.get_running_loop().run_in_executor(self._threads, fn)
        except Exception as e:
            raise _unavailable(e) from None

    def writer(self, key: str, limit: int | None = None) -> BlobWriter:
        return _S3Writer(self, check_key(key), limit)

    async def read(self, key: str, length: int | None = None) -> bytes:
        if length == 0:
            await self.size(key)
            return b""
        extra = {} if length is None else {"Range": f"bytes=0-{length - 1}"}
        try:
            answer = await self.call("get_object", Key=self.object_key(key), **extra)
        except _NothingInRange:
            return b""
        body = answer["Body"]
        try:
            data: bytes = await self._run(body.read)
        finally:
            body.close()
        return data

    async def stream(self, key: str, chunk_size: int = 1024 * 1024) -> AsyncIterator[bytes]:
        answer = await self.call("get_object", Key=self.object_key(key))
        body = answer["Body"]
        try:
            while chunk := await self._run(functools.partial(body.read, chunk_size)):
                yield chunk
        finally:
            body.close()

    async def size(self, key: str) -> int:
        """The blob's size; `FileNotFoundError` if there is none."""
        answer = await self.call("head_object", Key=self.object_key(key))
        return int(answer.get("ContentLength", 0))

    async def head(self, key: str) -> tuple[int, str | None]:
        """The blob's size and the content type it was written with."""
        answer = await self.call("head_object", Key=self.object_key(key))
        return int(answer.get("ContentLength", 0)), answer.get("ContentType")

    async def copy(self, source: str, key: str) -> None:
        """Copy a blob within the bucket (the store copies; no byte passes through here)."""
        origin = {"Bucket": self.bucket, "Key": self.object_key(source)}
        await self.call("copy_object", Key=self.object_key(key), CopySource=origin)

    async def exists(self, key: str) -> bool:
        try:
            await self.size(key)
        except FileNotFoundError:
            return False
        return True

    async def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            await self.call("delete_object", Key=self.object_key(key))

    async def blobs(self, modified_before: float, page: int = 500) -> AsyncIterator[list[str]]:
        s3 = await self.client()
        prefix = self.location.prefix + "/" if self.location.prefix else ""
        pages = iter(s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix))
        found: list[str] = []
        while (listed := await self._run(lambda: next(pages, None))) is not None:
            for obj in listed.get("Contents", []):
                key = self.blob_key(obj["Key"])
                if key is not None and obj["LastModified"].timestamp() < modified_before:
                    found.append(key)
            while len(found) >= page:
                yield found[:page]
                found = found[page:]
        if found:
            yield found

    async def partials(self, modified_before: float) -> list[str]:
        prefix = self.location.prefix + "/" if self.location.prefix else ""
        answer = await self.call("list_multipart_uploads", Prefix=prefix)
        found = []
        for upload in answer.get("Uploads", []):
            key = self.blob_key(upload["Key"])
            if key is not None and upload["Initiated"].timestamp() < modified_before:
                found.append(f"{key}#{upload['UploadId']}")
        return sorted(found)

    async def remove_partial(self, name: str) -> None:
        key, _, upload_id = name.rpartition("#")
        if not key or not upload_id or _KEY.fullmatch(key) is None:
            raise ValueError(f"invalid partial upload name {name!r}")
        with contextlib.suppress(FileNotFoundError):
            await self.call("abort_multipart_upload", Key=self.object_key(key), UploadId=upload_id)

    async def keys(self) -> list[str]:
        """Every committed blob (for tests and housekeeping)."""
        return sorted([k async for page in self.blobs(float("inf")) for k in page])

    def presigned_get(self, key: str, ttl_seconds: int) -> str:
        """A URL that reads the blob straight from the store, good for `ttl_seconds` (signed
        locally, like `presigned_put`)."""
        assert self._s3 is not None, "the S3 client is made when the server starts"
        params = {"Bucket": self.bucket, "Key": self.object_key(key)}
        url: str = self._s3.generate_presigned_url("get_object", Params=params, ExpiresIn=ttl_seconds)
        return url

    def presigned_put(self, key: str, ttl_seconds: int) -> str:
        """A URL that writes the blob straight to the store, good for `ttl_seconds` (signing is
        local: no call of the store; the client must have been made, `client`)."""
        assert self._s3 is not None, "the S3 client is made when the server starts"
        params = {"Bucket": self.bucket, "Key": self.object_key(key)}
        url: str = self._s3.generate_presigned_url("put_object", Params=params, ExpiresIn=ttl_seconds)
        return url
