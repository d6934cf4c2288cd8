"""Reading files from an organization's own S3-compatible bucket, with boto3.

boto3 is synchronous: each call runs in a worker thread. Failures are answered as `ObjectStoreError`
with a kind (denied, missing, unreachable, failed) and never with the library's own message, which
the caller would otherwise pass on: what reaches a client is composed from the URI alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class BucketAccess:
    endpoint: str
    bucket: str
    region: str | None
    access_key_id: str = field(repr=False)
    secret_access_key: str = field(repr=False)


class ObjectStoreError(Exception):
    """`kind`: denied (403), missing (no such key or bucket), unreachable (no answer), failed."""

    def __init__(self, kind: str, status: int | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.status = status


def _client(access: BucketAccess) -> Any:
    import boto3
    from botocore.config import Config

    session = boto3.session.Session()
    return session.client(
        "s3",
        endpoint_url=access.endpoint,
        region_name=access.region or "us-east-1",
        aws_access_key_id=access.access_key_id,
        aws_secret_access_key=access.secret_access_key,
        config=Config(
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 2, "mode": "standard"},
            s3={"addressing_style": "path"},
        ),
    )


def _classify(e: Exception) -> ObjectStoreError:
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

    if isinstance(e, ClientError):
        status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = e.response.get("Error", {}).get("Code", "")
        if status == 403 or code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            return ObjectStoreError("denied", 403)
        if status == 404 or code in ("NoSuchKey", "NoSuchBucket", "NotFound"):
            return ObjectStoreError("missing", 404)
        return ObjectStoreError("failed", status)
    if isinstance(e, EndpointConnectionError):
        return ObjectStoreError("unreachable")
    if isinstance(e, BotoCoreError | OSError):
        return ObjectStoreError("unreachable")
    return ObjectStoreError("failed")


class ObjectReader:
    """Reads the objects of one bucket (one client for all of them)."""

    def __init__(self, access: BucketAccess) -> None:
        self.access = access
        self._s3: Any = None

    async def _ensure(self) -> Any:
        if self._s3 is None:
            self._s3 = await asyncio.to_thread(_client, self.access)
        return self._s3

    async def head(self, key: str) -> int:
        """The object's size; `ObjectStoreError` when it cannot be read."""
        s3 = await self._ensure()
        try:
            answer = await asyncio.to_thread(s3.head_object, Bucket=self.access.bucket, Key=key)
        except Exception as e:
            raise _classify(e) from None
        return int(answer.get("ContentLength", 0))

    async def chunks(self, key: str) -> AsyncIterator[bytes]:
        """The object's bytes, a chunk at a time; `ObjectStoreError` when it cannot be read."""
        s3 = await self._ensure()
        try:
            answer = await asyncio.to_thread(s3.get_object, Bucket=self.access.bucket, Key=key)
        except Exception as e:
            raise _classify(e) from None
        body = answer["Body"]
        try:
            while True:
                try:
                    chunk = await asyncio.to_thread(body.read, CHUNK)
                except Exception as e:
                    raise _classify(e) from None
                if not chunk:
                    return
                yield chunk
        finally:
            body.close()
