"""Signed download URLs: each good for one annotation version or one file of one scene, for a
short while.

The official client downloads an annotation's OpenLABEL content from the `signedUrl` / `uri` it
was given, with no credentials, and an annotation tool fetches a task's scene files the same way:
the URL itself is the permission. `/v1/downloads/annotations/<id>` and
`/v1/downloads/scenes/<scene>/<position>`, each with `?expires=<unix s>&signature=<hex>`: an
HMAC-SHA256 over what the path names and the expiry, under a key derived from the server's signing
key with a context of its own (so that neither a token's nor an upload URL's signature can ever
serve as a download signature, or the reverse). Any replica verifies any URL without a database
read; what the URL names is looked up only once the signature holds.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from annobatch.domain import Forbidden, NotFound, parse_integer
from annobatch.services.lookups import parse_uuid
from annobatch.services.transactions import reading
from annobatch.storage.blobs import BlobStore
from annobatch.storage.database import Database
from annobatch.storage.records import ResourceRecord

DOWNLOAD_PATH = "/v1/downloads"
_CONTEXT = b"annobatch download URLs v1"
#: How long a download URL stays good unless the settings say otherwise: long enough to fetch a
#: page of annotations one by one, short enough that a leaked URL soon stops working.
DEFAULT_TTL_SECONDS = 900


def annotation_target(annotation_id: str) -> str:
    return f"annotations/{annotation_id}"


def file_target(scene_id: str, position: int) -> str:
    return f"scenes/{scene_id}/{position}"


@dataclass(frozen=True, slots=True)
class SignedUrl:
    url: str
    #: unix seconds
    expires: int


@dataclass(frozen=True, slots=True)
class DownloadSigner:
    key: bytes
    ttl_seconds: int

    @classmethod
    def from_signing_key(cls, signing_key: str, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> DownloadSigner:
        return cls(hmac.new(signing_key.encode(), _CONTEXT, hashlib.sha256).digest(), ttl_seconds)

    def signature(self, target: str, expires: int) -> str:
        return hmac.new(self.key, f"{target}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def sign(self, base: str, target: str, now: float | None = None) -> SignedUrl:
        expires = int(now if now is not None else time.time()) + self.ttl_seconds
        sig = self.signature(target, expires)
        return SignedUrl(f"{base}{DOWNLOAD_PATH}/{target}?expires={expires}&signature={sig}", expires)

    def annotation_url(
        self, base: str, annotation_id: str, now: float | None = None, blob_key: str | None = None
    ) -> SignedUrl:
        """`blob_key`: where the content is, for a signer that points straight at the store."""
        return self.sign(base, annotation_target(annotation_id), now)

    def file_url(
        self, base: str, scene_id: str, position: int, now: float | None = None, blob_key: str | None = None
    ) -> SignedUrl:
        return self.sign(base, file_target(scene_id, position), now)

    def verify(
        self, target: str, expires: str | None, signature: str | None, now: float | None = None
    ) -> None:
        """Refuse (403) a URL that was not signed here for this target, or has expired; an
        `expires` that is not an integer is invalid input (400)."""
        if not expires or not signature:
            raise Forbidden("this download URL is not signed; ask for a new one", "bad-signature")
        expiry = parse_integer(expires, "expires", minimum=0)
        want = self.signature(target, expiry)
        # As bytes: `compare_digest` refuses str with non-ASCII characters (a forged one may have any).
        if not hmac.compare_digest(want.encode(), signature.encode("utf-8", "replace")):
            raise Forbidden("this download URL's signature is not valid", "bad-signature")
        if expiry < (now if now is not None else time.time()):
            raise Forbidden(
                "this download URL has expired; ask for the annotation or task again for a new one",
                "download-url-expired",
            )


class DownloadService:
    """What a verified download URL names. No caller: the signed URL is the permission."""

    def __init__(self, db: Database, blobs: BlobStore) -> None:
        self.db, self.blobs = db, blobs

    async def scene_file(self, scene_id: str, position: int) -> ResourceRecord:
        """The uploaded file at `position` of a scene (404 if there is none, or no longer)."""
        scene_id = parse_uuid("scene", scene_id)
        async with reading(self.db) as uow:
            resource = await uow.scenes.resource(scene_id, position)
        if resource is None or resource.blob_key is None or not await self.blobs.exists(resource.blob_key):
            raise NotFound(f"scene {scene_id} has no file {position}", "file-not-found")
        return resource

    async def annotation_blob(self, annotation_id: str) -> str:
        """The blob of an annotation version (404 if there is none, or no longer)."""
        annotation_id = parse_uuid("annotation", annotation_id)
        async with reading(self.db) as uow:
            key = await uow.downloads.annotation_blob(annotation_id)
        if key is None or not await self.blobs.exists(key):
            raise NotFound(f"annotation {annotation_id} not found", "annotation-not-found")
        return key
