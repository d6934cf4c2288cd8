"""How an organization's storage keys are kept: sealed, never shown.

The access key id and secret of an organization's bucket are encrypted with AES-256-GCM under a key
derived from the server's signing key (HMAC-SHA256 of it with a context of its own, so that it
serves nothing else: not tokens, not upload URLs), with a fresh 96-bit nonce per seal, and bound to
their row by the associated data (organization id and bucket): a sealed value copied onto another
organization's row does not open. The database alone (a backup, a dump) does not reveal the keys
when the signing key is configured outside it (`ANNOBATCH_SECRET_KEY`); when the server keeps its
signing key in the database (the default), the keys are only as safe as the database itself —
the README says so. Rotating the signing key makes stored keys unreadable: staff add them again.

No answer, error message or log line ever carries the keys: they exist in the clear only while a
file is being read from the bucket.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass, field

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from annobatch.domain import InvalidInput

_CONTEXT = b"annobatch storage credentials v1"
_PREFIX = "v1:"


def derive_key(signing_key: str) -> bytes:
    return hmac.new(signing_key.encode(), _CONTEXT, hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class StorageKeys:
    access_key_id: str
    secret_access_key: str = field(repr=False)

    def __repr__(self) -> str:  # never print a key, not even by accident
        return "StorageKeys(***)"


def _aad(org: int, bucket: str) -> bytes:
    return f"{org}\n{bucket}".encode()


@dataclass(frozen=True, slots=True)
class KeySealer:
    key: bytes = field(repr=False)

    @classmethod
    def from_signing_key(cls, signing_key: str) -> KeySealer:
        return cls(derive_key(signing_key))

    def seal(self, org: int, bucket: str, keys: StorageKeys) -> str:
        nonce = os.urandom(12)
        plain = msgspec.json.encode({"a": keys.access_key_id, "s": keys.secret_access_key})
        sealed = AESGCM(self.key).encrypt(nonce, plain, _aad(org, bucket))
        return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, org: int, bucket: str, sealed: str) -> StorageKeys:
        try:
            raw = base64.urlsafe_b64decode(sealed.removeprefix(_PREFIX))
            plain = AESGCM(self.key).decrypt(raw[:12], raw[12:], _aad(org, bucket))
            doc = msgspec.json.decode(plain)
            return StorageKeys(str(doc["a"]), str(doc["s"]))
        except (InvalidTag, ValueError, KeyError, TypeError, msgspec.DecodeError):
            raise InvalidInput(
                f"the storage keys of bucket {bucket} cannot be opened (the server's signing key changed "
                "since they were added?): staff must add the bucket's storage again",
                "storage-keys-unreadable",
            ) from None
