"""Files straight to and from the S3 blob store, with presigned URLs: uploads
(`ANNOBATCH_S3_UPLOADS=presigned`) and downloads (`ANNOBATCH_S3_DOWNLOADS=presigned`).

The scene's create answers, for each file, a presigned PUT URL of the bucket instead of the
server's own upload URL: the bytes never pass through a replica. The official client announces no
size nor checksum, so the URL pins neither; instead the commit verifies each object: it is there,
within the upload limit, and its copy (made by the store, under a key no URL names, so that a
late PUT cannot change what was checked) is read once for its size and SHA-256, which the file
then records as if it had been uploaded through the server.

Downloads: where the server would hand out its own signed download URL (annotation content, a
task's scene files), it hands out a presigned GET URL of the object, good as long; the bytes then
never pass through a replica.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from dataclasses import dataclass
from typing import Protocol

from annobatch.domain import InvalidInput, TooLarge
from annobatch.services.downloads import DownloadSigner, SignedUrl
from annobatch.storage.blobs import BlobInfo
from annobatch.storage.blobs_s3 import S3BlobStore


class UploadLinks(Protocol):
    """What makes the URL a scene's file is uploaded to."""

    def url(self, base: str, scene_id: str, position: int) -> str: ...


def direct_key(scene_id: str, position: int) -> str:
    """The object a presigned URL writes: one per file, written again on a retried upload."""
    return f"incoming/{scene_id}/{position}"


class DirectUploads:
    """Presigned PUT URLs into the bucket, and the check of what arrived there."""

    def __init__(self, store: S3BlobStore, ttl_seconds: int, max_bytes: int) -> None:
        self.store, self.ttl_seconds, self.max_bytes = store, ttl_seconds, max_bytes

    def url(self, base: str, scene_id: str, position: int) -> str:
        return self.store.presigned_put(direct_key(scene_id, position), self.ttl_seconds)

    async def adopt(self, scene_id: str, position: int) -> tuple[BlobInfo, str | None] | None:
        """The uploaded file as a blob of its own, with the content type it was sent with; None
        when nothing was uploaded to its URL. Over the limit: `TooLarge`, and it is removed."""
        incoming = direct_key(scene_id, position)
        try:
            size, content_type = await self.store.head(incoming)
        except FileNotFoundError:
            return None
        if size > self.max_bytes:
            await self.store.delete(incoming)
            raise TooLarge(
                f"file {position} is over the upload limit of {self.max_bytes} bytes", "upload-too-large"
            )
        key = f"scenes/{scene_id}/{position}-{uuid.uuid4().hex}"
        await self.store.copy(incoming, key)
        digest, seen = hashlib.sha256(), 0
        async for chunk in self.store.stream(key, chunk_size=4 * 1024 * 1024):
            seen += len(chunk)
            await asyncio.to_thread(digest.update, chunk)
        if seen != size:  # uploaded again while being checked: the copy is of one of the two
            await self.store.delete(key)
            raise InvalidInput(
                f"file {position} changed while the scene was committed; commit again", "upload-changed"
            )
        await self.store.delete(incoming)
        return BlobInfo(key, size, digest.hexdigest()), content_type


@dataclass(frozen=True, slots=True)
class PresignedDownloads(DownloadSigner):
    """The download signer, whose URLs point straight at the object when its key is known (and at
    the server's signed download path otherwise). The base class is named where `super()` would
    be: a slotted dataclass is a new class, which zero-argument `super()` does not know."""

    store: S3BlobStore | None = None

    @classmethod
    def over(cls, signer: DownloadSigner, store: S3BlobStore) -> PresignedDownloads:
        return cls(signer.key, signer.ttl_seconds, store)

    def _presigned(self, blob_key: str, now: float | None) -> SignedUrl:
        assert self.store is not None
        expires = int(now if now is not None else time.time()) + self.ttl_seconds
        return SignedUrl(self.store.presigned_get(blob_key, self.ttl_seconds), expires)

    def annotation_url(
        self, base: str, annotation_id: str, now: float | None = None, blob_key: str | None = None
    ) -> SignedUrl:
        if blob_key is None:
            return DownloadSigner.annotation_url(self, base, annotation_id, now)
        return self._presigned(blob_key, now)

    def file_url(
        self, base: str, scene_id: str, position: int, now: float | None = None, blob_key: str | None = None
    ) -> SignedUrl:
        if blob_key is None:
            return DownloadSigner.file_url(self, base, scene_id, position, now)
        return self._presigned(blob_key, now)
