"""Signed upload URLs: each good for one file of one scene, until it expires.

The official client PUTs each file to the URL it was given, with no credentials, so the URL itself
is the permission: `/v1/uploads/<scene>/<position>?expires=<unix s>&signature=<hex>`, where the
signature is an HMAC-SHA256 over scene, position and expiry under a key derived from the server's
signing key (so that a token signature can never serve as an upload signature, or the reverse).
Any replica holding the signing key verifies any URL without a database read.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from annobatch.domain import Forbidden, parse_integer

UPLOAD_PATH = "/v1/uploads"
_CONTEXT = b"annobatch upload URLs v1"


def derive_key(signing_key: str) -> bytes:
    return hmac.new(signing_key.encode(), _CONTEXT, hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class UploadSigner:
    key: bytes
    ttl_seconds: int

    @classmethod
    def from_signing_key(cls, signing_key: str, ttl_seconds: int) -> UploadSigner:
        return cls(derive_key(signing_key), ttl_seconds)

    def signature(self, scene_id: str, position: int, expires: int) -> str:
        msg = f"{scene_id}\n{position}\n{expires}".encode()
        return hmac.new(self.key, msg, hashlib.sha256).hexdigest()

    def url(self, base: str, scene_id: str, position: int, now: float | None = None) -> str:
        expires = int(now if now is not None else time.time()) + self.ttl_seconds
        sig = self.signature(scene_id, position, expires)
        return f"{base}{UPLOAD_PATH}/{scene_id}/{position}?expires={expires}&signature={sig}"

    def verify(
        self,
        scene_id: str,
        position: int,
        expires: str | None,
        signature: str | None,
        now: float | None = None,
    ) -> None:
        """Refuse (403) a URL that was not signed here for this scene and file, or has expired; an
        `expires` that is not an integer is invalid input (400)."""
        if not expires or not signature:
            raise Forbidden(
                "this upload URL is not signed; use the URL the scene's create answered", "bad-signature"
            )
        expiry = parse_integer(expires, "expires", minimum=0)
        want = self.signature(scene_id, position, expiry)
        # As bytes: `compare_digest` refuses str with non-ASCII characters (a forged signature may
        # have any).
        if not hmac.compare_digest(want.encode(), signature.encode("utf-8", "replace")):
            raise Forbidden("this upload URL's signature is not valid", "bad-signature")
        if expiry < (now if now is not None else time.time()):
            raise Forbidden(
                "this upload URL has expired; create the scene again to get new URLs", "upload-url-expired"
            )
