"""An organization's own S3-compatible buckets: staff configure them (endpoint, bucket, region and
keys, kept sealed: `storage_keys`), and scene operations copy cloud resources (`s3://bucket/key`)
from them into the blob store.

A URI is read only from a bucket configured for the caller's organization; anything else is
refused before a byte is read. Every refusal names the URI and never the keys. Files are copied
outside any transaction (the caller records the blobs in its own and deletes them if it fails).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from annobatch import domain
from annobatch.domain import CloudUri, InvalidInput, NotFound
from annobatch.services.identity import Caller, load_signing_key
from annobatch.services.lookups import to_json
from annobatch.services.pre_annotations import MAX_DOCUMENT_BYTES
from annobatch.services.storage_keys import KeySealer, StorageKeys
from annobatch.services.transactions import reading, transact
from annobatch.storage.blobs import BlobInfo, BlobStore
from annobatch.storage.database import Database
from annobatch.storage.object_store import BucketAccess, ObjectReader, ObjectStoreError
from annobatch.storage.records import PreAnnotationRecord, StorageCredentialRecord, now_micros
from annobatch.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class StorageView:
    """What is shown of a configured bucket: everything but its keys."""

    organization_id: int
    endpoint: str
    bucket: str
    region: str | None
    created: int


def _view(r: StorageCredentialRecord) -> StorageView:
    return StorageView(r.organization_id, r.endpoint, r.bucket, r.region, r.created)


@dataclass(frozen=True, slots=True)
class CloudFile:
    uri: CloudUri
    reader: ObjectReader


class CloudStorage:
    def __init__(
        self, db: Database, blobs: BlobStore, secret_key: str = "", max_file_bytes: int | None = None
    ) -> None:
        self.db = db
        self.blobs = blobs
        self.secret_key = secret_key
        self.max_file_bytes = max_file_bytes
        self._sealer: KeySealer | None = None

    async def sealer(self) -> KeySealer:
        if self._sealer is None:
            self._sealer = KeySealer.from_signing_key(await load_signing_key(self.db, self.secret_key))
        return self._sealer

    # ---------------------------------------------------------------------------- staff

    async def add(
        self, caller: Caller, endpoint: str, bucket: str, region: str | None, keys: StorageKeys
    ) -> StorageView:
        """Configure a bucket for the caller's organization (one configuration per bucket name)."""
        endpoint = domain.validate_endpoint(endpoint)
        domain.validate_bucket_name(bucket)
        if region is not None and not 1 <= len(region) <= 64:
            raise InvalidInput("a region is 1-64 characters", "invalid-region")
        if not keys.access_key_id or not keys.secret_access_key:
            raise InvalidInput("both an access key id and a secret access key are needed", "missing-keys")
        sealed = (await self.sealer()).seal(caller.org, bucket, keys)

        async def produce(uow: UnitOfWork) -> StorageView:
            if await uow.storage_credentials.by_bucket(caller.org, bucket) is not None:
                raise domain.Conflict(
                    f"bucket {bucket} is configured for this organization already; remove it first to "
                    "change it",
                    "storage-exists",
                )
            now = now_micros()
            sid = await uow.storage_credentials.insert(caller.org, endpoint, bucket, region, sealed, now)
            data = to_json({"storage": sid, "endpoint": endpoint, "bucket": bucket, "region": region})
            await uow.events.add(caller.org, None, None, "storage.added", caller.email, data)
            return StorageView(caller.org, endpoint, bucket, region, now)

        return await transact(self.db, produce)

    async def list(self, caller: Caller) -> list[StorageView]:
        async with reading(self.db) as uow:
            return [_view(r) for r in await uow.storage_credentials.of_org(caller.org)]

    async def remove(self, caller: Caller, bucket: str) -> None:
        async def produce(uow: UnitOfWork) -> None:
            if await uow.storage_credentials.by_bucket(caller.org, bucket) is None:
                raise NotFound(f"no storage is configured for bucket {bucket}", "storage-not-found")
            await uow.storage_credentials.delete(caller.org, bucket)
            data = to_json({"bucket": bucket})
            await uow.events.add(caller.org, None, None, "storage.removed", caller.email, data)

        await transact(self.db, produce)

    # ---------------------------------------------------------------------------- reading files

    async def locate(self, org: int, uris: Sequence[str]) -> dict[str, CloudFile]:
        """Each URI's bucket must be configured for the organization: a URI outside is refused
        (400 naming it) before anything is read."""
        parsed = {u: domain.parse_cloud_uri(u) for u in dict.fromkeys(uris)}
        if not parsed:
            return {}
        async with reading(self.db) as uow:
            configured = {r.bucket: r for r in await uow.storage_credentials.of_org(org)}
        sealer = await self.sealer() if configured else None
        readers: dict[str, ObjectReader] = {}
        found: dict[str, CloudFile] = {}
        for uri, where in parsed.items():
            row = configured.get(where.bucket)
            if row is None or sealer is None:
                raise InvalidInput(
                    f"cloud resource {uri} is outside the organization's configured storage: no storage "
                    f"is configured for bucket {where.bucket}",
                    "outside-storage",
                )
            if where.bucket not in readers:
                keys = sealer.open(org, row.bucket, row.sealed_keys)
                access = BucketAccess(
                    row.endpoint, row.bucket, row.region, keys.access_key_id, keys.secret_access_key
                )
                readers[where.bucket] = ObjectReader(access)
            found[uri] = CloudFile(where, readers[where.bucket])
        return found

    @staticmethod
    def problem(uri: str, bucket: str, e: ObjectStoreError) -> InvalidInput:
        """What a failed read is told as: the URI, what went wrong, never a key."""
        if e.kind == "denied":
            return InvalidInput(
                f"cloud resource {uri} cannot be read: bucket {bucket} answered 403 (access denied) to "
                "the organization's storage credentials",
                "cloud-access-denied",
            )
        if e.kind == "missing":
            return InvalidInput(
                f"cloud resource {uri} does not exist in its bucket", "cloud-resource-missing"
            )
        if e.kind == "unreachable":
            return InvalidInput(
                f"cloud resource {uri} cannot be read: the storage endpoint of bucket {bucket} does not "
                "answer",
                "cloud-unreachable",
            )
        status = f" (it answered {e.status})" if e.status else ""
        return InvalidInput(
            f"cloud resource {uri} cannot be read from bucket {bucket}{status}", "cloud-read-failed"
        )

    async def check(self, f: CloudFile) -> None:
        """The file exists and the keys may read it (nothing is copied): 400 naming the URI else."""
        try:
            await f.reader.head(f.uri.key)
        except ObjectStoreError as e:
            raise self.problem(f.uri.uri, f.uri.bucket, e) from None

    async def copy(self, f: CloudFile, prefix: str) -> BlobInfo:
        """Copy the file into the blob store (under `prefix`, a fresh key); 400 naming the URI when
        it cannot be read (nothing is kept then)."""
        key = f"{prefix}-{uuid.uuid4().hex}"
        try:
            return await self.blobs.put(key, f.reader.chunks(f.uri.key), self.max_file_bytes)
        except ObjectStoreError as e:
            raise self.problem(f.uri.uri, f.uri.bucket, e) from None

    async def read_document(self, org: int, uri: str, limit: int) -> bytes:
        """A whole (small) file of the organization's storage, such as a pre-annotation's OpenLABEL
        document: 400 naming the URI when it is outside the storage, cannot be read, or is larger
        than `limit` bytes."""
        f = (await self.locate(org, [uri]))[uri]
        parts: list[bytes] = []
        total = 0
        try:
            async for chunk in f.reader.chunks(f.uri.key):
                total += len(chunk)
                if total > limit:
                    raise InvalidInput(
                        f"cloud resource {uri} is larger than {limit} bytes", "cloud-resource-too-large"
                    )
                parts.append(chunk)
        except ObjectStoreError as e:
            raise self.problem(uri, f.uri.bucket, e) from None
        return b"".join(parts)

    async def read_pre_annotation(self, caller: Caller, pre: PreAnnotationRecord) -> bytes:
        """The document of an indexed pre-annotation (the reader the pre-annotation service imports
        with; a refusal there fails the pre-annotation, saying why)."""
        return await self.read_document(caller.org, pre.external_resource_id or "", MAX_DOCUMENT_BYTES)
