"""Blob deletions: the blobs a committed change left without a row referring to them, recorded in
that change's transaction and forgotten once their files are gone; and which blobs rows still refer
to, so that no sweep deletes one of those."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import b, bucket, in_list, shaped

_D, _R, _A = t.blob_deletions, t.scene_resources, t.annotation_versions
_VALUES = {"blob_key": b("blob_key"), "created": b("created")}
# Recording a blob twice records it once.
Q_DELETION_ADD = Query(
    sa.insert(_D).values(_VALUES),
    sqlite=sqlite.insert(_D).values(_VALUES).on_conflict_do_nothing(),
    postgresql=postgresql.insert(_D).values(_VALUES).on_conflict_do_nothing(),
)
Q_DELETIONS_PENDING = Query(
    sa.select(_D.c.blob_key).where(_D.c.blob_key > b("after")).order_by(_D.c.blob_key).limit(b("limit"))
)


class BlobDeletionQueries:
    """`uow.blob_deletions`: record blobs to delete after commit, list and forget them; tell which
    blobs rows still refer to."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def record(self, keys: Sequence[str], now: int) -> None:
        await self.tx.execute_many(Q_DELETION_ADD, [{"blob_key": k, "created": now} for k in keys])

    async def pending(self, after: str = "", limit: int = 500) -> list[str]:
        """Recorded deletions in key order, from after `after`: a page of them."""
        return [r[0] for r in await self.tx.fetch_all(Q_DELETIONS_PENDING, {"after": after, "limit": limit})]

    async def forget(self, keys: Sequence[str]) -> None:
        """The blobs' files are gone: their records go too."""
        for chunk in _chunks(keys):
            await self.tx.execute(*_keyed("forget", _D.c.blob_key, chunk))

    async def referenced(self, keys: Sequence[str]) -> set[str]:
        """Those of `keys` that a scene's file or an annotation version still refers to."""
        seen: set[str] = set()
        for chunk in _chunks(keys):
            seen.update(r[0] for r in await self.tx.fetch_all(*_keyed("referenced", _R.c.blob_key, chunk)))
            seen.update(r[0] for r in await self.tx.fetch_all(*_keyed("annotations", _A.c.blob_key, chunk)))
        return seen


def _chunks(keys: Sequence[str], size: int = 512) -> list[Sequence[str]]:
    return [keys[i : i + size] for i in range(0, len(keys), size)]


def _keyed(kind: str, column: sa.Column[str], keys: Sequence[str]) -> tuple[Query, dict[str, Any]]:
    """The delete of these recorded deletions, or the select of those of these blobs rows of
    `column`'s table refer to."""
    clause, found = in_list(column, "k", keys)

    def build() -> Any:
        return sa.delete(_D).where(clause) if kind == "forget" else sa.select(column).where(clause)

    return shaped(("blob_deletions", kind, bucket(len(keys))), build), found
