"""Secrets the server must read back (an organization's storage keys, a webhook's signing secret)
are kept sealed: AES-256-GCM under a key derived from the server's signing key (HMAC-SHA256 of it
with a context of each use's own, so that one key serves one use only), a fresh 96-bit nonce per
seal, and bound to their row by the associated data: a sealed value copied onto another row does
not open.

The database alone (a backup, a dump) does not reveal them when the signing key is configured
outside it (`ANNOBATCH_SECRET_KEY`); when the server keeps its signing key in the database (the
default), they are only as safe as the database itself. Rotating the signing key makes them
unreadable."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "v1:"


class Unreadable(Exception):
    """A sealed value that does not open: another key, another row, or not sealed at all."""


@dataclass(frozen=True, slots=True)
class Sealer:
    key: bytes = field(repr=False)

    @classmethod
    def derived(cls, signing_key: str, context: bytes) -> Sealer:
        return cls(hmac.new(signing_key.encode(), context, hashlib.sha256).digest())

    def seal(self, plain: bytes, bound_to: bytes) -> str:
        nonce = os.urandom(12)
        return (
            PREFIX
            + base64.urlsafe_b64encode(nonce + AESGCM(self.key).encrypt(nonce, plain, bound_to)).decode()
        )

    def open(self, sealed: str, bound_to: bytes) -> bytes:
        if not sealed.startswith(PREFIX):
            raise Unreadable("not a sealed value")
        try:
            raw = base64.urlsafe_b64decode(sealed.removeprefix(PREFIX))
            return AESGCM(self.key).decrypt(raw[:12], raw[12:], bound_to)
        except (InvalidTag, ValueError) as e:
            raise Unreadable(str(e) or "the sealed value does not open") from None


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)
