"""What a signed download URL names: found by id alone, as the URL's signature is the permission
(it was signed for the one caller who was allowed to see it)."""

from __future__ import annotations

import sqlalchemy as sa

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import b

_AV = t.annotation_versions

Q_ANNOTATION_BLOB = Query(sa.select(_AV.c.blob_key).where(_AV.c.id == b("id")))


class DownloadQueries:
    """`uow.downloads`: the blob of an annotation version, by its id in any organization."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def annotation_blob(self, annotation_id: str) -> str | None:
        row = await self.tx.fetch_one(Q_ANNOTATION_BLOB, {"id": annotation_id})
        return None if row is None else str(row[0])
