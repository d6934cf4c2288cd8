"""How an organization's storage keys are kept: sealed (`sealing`: AES-256-GCM under a key of
their own derived from the server's signing key, bound to the organization and the bucket), never
shown. The README says how safe that is where the signing key lives. Rotating the signing key
makes stored keys unreadable: staff add them again.

No answer, error message or log line ever carries the keys: they exist in the clear only while a
file is being read from the bucket.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from annobatch.domain import InvalidInput
from annobatch.services.sealing import Sealer, Unreadable

_CONTEXT = b"annobatch storage credentials v1"


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
    sealer: Sealer = field(repr=False)

    @classmethod
    def from_signing_key(cls, signing_key: str) -> KeySealer:
        return cls(Sealer.derived(signing_key, _CONTEXT))

    def seal(self, org: int, bucket: str, keys: StorageKeys) -> str:
        plain = msgspec.json.encode({"a": keys.access_key_id, "s": keys.secret_access_key})
        return self.sealer.seal(plain, _aad(org, bucket))

    def open(self, org: int, bucket: str, sealed: str) -> StorageKeys:
        try:
            doc = msgspec.json.decode(self.sealer.open(sealed, _aad(org, bucket)))
            return StorageKeys(str(doc["a"]), str(doc["s"]))
        except (Unreadable, KeyError, TypeError, msgspec.DecodeError):
            raise InvalidInput(
                f"the storage keys of bucket {bucket} cannot be opened (the server's signing key changed "
                "since they were added?): staff must add the bucket's storage again",
                "storage-keys-unreadable",
            ) from None
