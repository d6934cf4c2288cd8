"""An organization's own buckets (`uow.storage_credentials`): staff add and remove them, scene
operations look one up by bucket name. The keys are stored sealed; this module never opens them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import b, insert
from annobatch.storage.records import StorageCredentialRecord

_C = t.storage_credentials

Q_INSERT = insert(_C, returning="id")
Q_OF_ORG = Query(sa.select(*_C.c).where(_C.c.organization_id == b("org")).order_by(_C.c.bucket))
Q_BY_BUCKET = Query(sa.select(*_C.c).where(_C.c.organization_id == b("org"), _C.c.bucket == b("bucket")))
Q_DELETE = Query(sa.delete(_C).where(_C.c.organization_id == b("org"), _C.c.bucket == b("bucket")))


class StorageCredentialQueries:
    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def insert(
        self, org: int, endpoint: str, bucket: str, region: str | None, sealed_keys: str, created: int
    ) -> int:
        values: dict[str, Any] = {
            "organization_id": org,
            "endpoint": endpoint,
            "bucket": bucket,
            "region": region,
            "sealed_keys": sealed_keys,
            "created": created,
        }
        return int(await self.tx.fetch_val(Q_INSERT, values))

    async def of_org(self, org: int) -> list[StorageCredentialRecord]:
        return [StorageCredentialRecord(*r) for r in await self.tx.fetch_all(Q_OF_ORG, {"org": org})]

    async def by_bucket(self, org: int, bucket: str) -> StorageCredentialRecord | None:
        row = await self.tx.fetch_one(Q_BY_BUCKET, {"org": org, "bucket": bucket})
        return None if row is None else StorageCredentialRecord(*row)

    async def delete(self, org: int, bucket: str) -> None:
        await self.tx.execute(Q_DELETE, {"org": org, "bucket": bucket})
