"""Annotation versions and reviews: every submitted OpenLABEL document is a version (its bytes in
the blob store); delivery marks an input's latest version of each type delivered and current.
Reviews keep the feedback of internal reviews and of the client's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import b, insert, params
from annobatch.storage.records import AnnotationRecord, ReviewRecord

_A, _R = t.annotation_versions, t.reviews

Q_VERSION_INSERT = insert(_A)
Q_VERSION = Query(sa.select(*_A.c).where(_A.c.id == b("id"), _A.c.organization_id == b("org")))
Q_VERSION_ANY_ORG = Query(sa.select(*_A.c).where(_A.c.id == b("id")))
Q_VERSIONS_OF_INPUT = Query(
    sa.select(*_A.c).where(_A.c.input_id == b("input_id")).order_by(_A.c.created, _A.c.id)
)
Q_UNCURRENT = Query(
    sa.update(_A)
    .where(_A.c.input_id == b("input_id"), _A.c.annotation_type == b("annotation_type"), _A.c.current)
    .values(current=False)
)
Q_DELIVER = Query(
    sa.update(_A)
    .where(_A.c.id == b("id"))
    .values(delivered=b("now"), preliminary=b("preliminary"), current=True)
)
Q_CONFIRM = Query(
    sa.update(_A)
    .where(_A.c.input_id == b("input_id"), _A.c.current, _A.c.preliminary)
    .values(preliminary=False)
)
Q_VERSIONS_DELETE = Query(sa.delete(_A).where(_A.c.input_id == b("input_id")))

Q_REVIEW_INSERT = insert(_R)
Q_REVIEW = Query(sa.select(*_R.c).where(_R.c.id == b("id"), _R.c.organization_id == b("org")))
Q_REVIEWS_OF_INPUT = Query(
    sa.select(*_R.c).where(_R.c.input_id == b("input_id")).order_by(_R.c.created, _R.c.id)
)
Q_REVIEWS_DELETE = Query(sa.delete(_R).where(_R.c.input_id == b("input_id")))


def _version(r: Sequence[Any]) -> AnnotationRecord:
    v = list(r)
    v[12], v[13] = bool(v[12]), bool(v[13])  # SQLite answers 0/1
    return AnnotationRecord(*v)


def _review(r: Sequence[Any]) -> ReviewRecord:
    v = list(r)
    v[7] = bool(v[7])
    return ReviewRecord(*v)


class AnnotationVersionQueries:
    """`uow.annotation_versions`: insert and deliver versions, the latest ones of an input; insert
    and find reviews."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def insert(self, recs: Sequence[AnnotationRecord]) -> None:
        if recs:
            await self.tx.execute_many(Q_VERSION_INSERT, [params(r) for r in recs])

    async def get(self, org: int, annotation_id: str) -> AnnotationRecord | None:
        row = await self.tx.fetch_one(Q_VERSION, {"id": annotation_id, "org": org})
        return None if row is None else _version(row)

    async def get_any_org(self, annotation_id: str) -> AnnotationRecord | None:
        row = await self.tx.fetch_one(Q_VERSION_ANY_ORG, {"id": annotation_id})
        return None if row is None else _version(row)

    async def of_input(self, input_id: str) -> list[AnnotationRecord]:
        """Every version of the input, oldest first."""
        return [_version(r) for r in await self.tx.fetch_all(Q_VERSIONS_OF_INPUT, {"input_id": input_id})]

    async def latest(self, input_id: str) -> dict[str, AnnotationRecord]:
        """The input's latest version of each type (delivered or not)."""
        found: dict[str, AnnotationRecord] = {}
        for v in await self.of_input(input_id):
            found[v.annotation_type] = v
        return found

    async def current(self, input_id: str) -> dict[str, AnnotationRecord]:
        """The input's current (latest delivered) version of each type."""
        return {v.annotation_type: v for v in await self.of_input(input_id) if v.current}

    async def deliver(self, versions: Sequence[AnnotationRecord], now: int, preliminary: bool) -> None:
        """Deliver these versions: each becomes its input and type's current one."""
        for v in versions:
            await self.tx.execute(Q_UNCURRENT, {"input_id": v.input_id, "annotation_type": v.annotation_type})
            await self.tx.execute(Q_DELIVER, {"id": v.id, "now": now, "preliminary": preliminary})

    async def confirm(self, input_id: str) -> None:
        """The client accepted the input's preliminary delivery: it is final."""
        await self.tx.execute(Q_CONFIRM, {"input_id": input_id})

    async def delete_of_input(self, input_id: str) -> list[str]:
        """Delete the input's versions and reviews; answers the blobs left without a row."""
        keys = [v.blob_key for v in await self.of_input(input_id)]
        await self.tx.execute(Q_REVIEWS_DELETE, {"input_id": input_id})
        await self.tx.execute(Q_VERSIONS_DELETE, {"input_id": input_id})
        return keys

    # ------------------------------------------------------------------ reviews

    async def add_review(self, rec: ReviewRecord) -> ReviewRecord:
        await self.tx.execute(Q_REVIEW_INSERT, params(rec))
        return rec

    async def review(self, org: int, review_id: str) -> ReviewRecord | None:
        row = await self.tx.fetch_one(Q_REVIEW, {"id": review_id, "org": org})
        return None if row is None else _review(row)

    async def reviews_of_input(self, input_id: str) -> list[ReviewRecord]:
        return [_review(r) for r in await self.tx.fetch_all(Q_REVIEWS_OF_INPUT, {"input_id": input_id})]
