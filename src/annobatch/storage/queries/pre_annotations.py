"""Pre-annotations: OpenLABEL documents a client made for its scenes (their bytes in the blob
store), the listing's filtered pages, and which pre-annotation an input's annotation starts from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import b, bucket, in_list, insert, params, shaped
from annobatch.storage.records import PreAnnotationRecord, PreAnnotationRow
from annobatch.storage.scope import Scope

_P, _L, _S = t.pre_annotations, t.input_pre_annotations, t.scenes

Q_INSERT = insert(_P)
_ONE = sa.select(*_P.c).where(_P.c.id == b("id"))
Q_ONE = Query(_ONE)
Q_ONE_FOR_UPDATE = Query(_ONE.with_for_update(key_share=True))
Q_BY_EXTERNAL = Query(
    sa.select(*_P.c).where(_P.c.scene_id == b("scene_id"), _P.c.external_id == b("external_id"))
)
Q_SET_STATE = Query(
    sa.update(_P)
    .where(_P.c.id == b("id"))
    .values(
        status=b("status"),
        blob_key=b("blob_key"),
        size=b("size"),
        error_message=b("error_message"),
        updated=b("updated"),
    )
)
Q_LATEST_AVAILABLE = Query(
    sa.select(_P.c.id)
    .where(_P.c.scene_id == b("scene_id"), _P.c.status == "available")
    .order_by(_P.c.created.desc(), _P.c.id.desc())
    .limit(1)
)
Q_DELETE = Query(sa.delete(_P).where(_P.c.id == b("id")))
Q_LINK_INSERT = insert(_L)
Q_LINK_UPDATE = Query(
    sa.update(_L).where(_L.c.input_id == b("input_id")).values(pre_annotation_id=b("pre_annotation_id"))
)
Q_LINK_OF_INPUT = Query(sa.select(_L.c.pre_annotation_id).where(_L.c.input_id == b("input_id")))
Q_LINK_DELETE = Query(sa.delete(_L).where(_L.c.input_id == b("input_id")))
Q_INPUTS_USING = Query(
    sa.select(_L.c.input_id).where(_L.c.pre_annotation_id == b("id")).order_by(_L.c.input_id).limit(10)
)


@dataclass(frozen=True, slots=True)
class PreAnnotationFilter:
    """The listing's filters; an empty one is not applied."""

    ids: tuple[str, ...] = ()
    external_ids: tuple[str, ...] = ()
    scene_ids: tuple[str, ...] = ()
    scene_external_ids: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()


def _record(r: Sequence[Any]) -> PreAnnotationRecord:
    return PreAnnotationRecord(*r)


class PreAnnotationQueries:
    """`uow.pre_annotations`: insert, find, list, change and delete pre-annotations; the link of an
    input to the pre-annotation it starts from."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def insert(self, rec: PreAnnotationRecord) -> None:
        await self.tx.execute(Q_INSERT, params(rec))

    async def get(self, scope: Scope, pre_id: str, lock: bool = False) -> PreAnnotationRecord | None:
        """The scope's pre-annotation (its organization's; its workspace's when narrowed)."""
        row = await self.tx.fetch_one(Q_ONE_FOR_UPDATE if lock else Q_ONE, {"id": pre_id})
        if row is None:
            return None
        rec = _record(row)
        if rec.organization_id != scope.org or (
            scope.workspace_id is not None and rec.workspace_id != scope.workspace_id
        ):
            return None
        return rec

    async def latest_available(self, scene_id: str) -> str | None:
        """The scene's newest available pre-annotation, if any."""
        row = await self.tx.fetch_one(Q_LATEST_AVAILABLE, {"scene_id": scene_id})
        return None if row is None else str(row[0])

    async def get_any_org(self, pre_id: str) -> PreAnnotationRecord | None:
        row = await self.tx.fetch_one(Q_ONE, {"id": pre_id})
        return None if row is None else _record(row)

    async def by_external_id(self, scene_id: str, external_id: str) -> PreAnnotationRecord | None:
        row = await self.tx.fetch_one(Q_BY_EXTERNAL, {"scene_id": scene_id, "external_id": external_id})
        return None if row is None else _record(row)

    async def page(
        self, scope: Scope, f: PreAnnotationFilter, offset: int, limit: int
    ) -> list[PreAnnotationRow]:
        """The scope's pre-annotations matching `f`, oldest first, `limit` from `offset`."""
        values: dict[str, Any] = {"org": scope.org, "offset": offset, "limit": limit}
        conds: list[Any] = [_P.c.organization_id == b("org")]
        key: list[Any] = ["pre_annotations", "page", scope.workspace_id is not None]
        if scope.workspace_id is not None:
            conds.append(_P.c.workspace_id == b("ws"))
            values["ws"] = scope.workspace_id
        for name, column, wanted in (
            ("i", _P.c.id, f.ids),
            ("e", _P.c.external_id, f.external_ids),
            ("s", _P.c.scene_id, f.scene_ids),
            ("x", _S.c.external_id, f.scene_external_ids),
            ("t", _P.c.status, f.statuses),
        ):
            if wanted:
                clause, found = in_list(column, name, list(wanted))
                conds.append(clause)
                values.update(found)
                key.append((name, bucket(len(wanted))))
            else:
                key.append((name, 0))

        def build() -> Any:
            # The clauses are rebuilt here so that the kept statement never holds another request's.
            cs: list[Any] = [_P.c.organization_id == b("org")]
            if scope.workspace_id is not None:
                cs.append(_P.c.workspace_id == b("ws"))
            for name, column, wanted in (
                ("i", _P.c.id, f.ids),
                ("e", _P.c.external_id, f.external_ids),
                ("s", _P.c.scene_id, f.scene_ids),
                ("x", _S.c.external_id, f.scene_external_ids),
                ("t", _P.c.status, f.statuses),
            ):
                if wanted:
                    cs.append(in_list(column, name, list(wanted))[0])
            return (
                sa.select(*_P.c, _S.c.external_id)
                .select_from(_P.join(_S, _S.c.id == _P.c.scene_id))
                .where(*cs)
                .order_by(_P.c.created, _P.c.id)
                .limit(b("limit"))
                .offset(b("offset"))
            )

        rows = await self.tx.fetch_all(shaped(tuple(key), build), values)
        return [PreAnnotationRow(_record(r[:-1]), r[-1]) for r in rows]

    async def set_state(
        self,
        pre_id: str,
        status: str,
        blob_key: str | None,
        size: int | None,
        error: str | None,
        now: int,
    ) -> None:
        await self.tx.execute(
            Q_SET_STATE,
            {
                "id": pre_id,
                "status": status,
                "blob_key": blob_key,
                "size": size,
                "error_message": error,
                "updated": now,
            },
        )

    async def delete(self, pre_id: str) -> None:
        await self.tx.execute(Q_DELETE, {"id": pre_id})

    # ------------------------------------------------------------------ inputs

    async def of_input(self, input_id: str) -> str | None:
        """The pre-annotation the input's annotation starts from, if any."""
        row = await self.tx.fetch_one(Q_LINK_OF_INPUT, {"input_id": input_id})
        return None if row is None else str(row[0])

    async def set_for_input(self, input_id: str, pre_id: str) -> None:
        if await self.of_input(input_id) is None:
            await self.tx.execute(Q_LINK_INSERT, {"input_id": input_id, "pre_annotation_id": pre_id})
        else:
            await self.tx.execute(Q_LINK_UPDATE, {"input_id": input_id, "pre_annotation_id": pre_id})

    async def forget_input(self, input_id: str) -> None:
        await self.tx.execute(Q_LINK_DELETE, {"input_id": input_id})

    async def inputs_using(self, pre_id: str) -> list[str]:
        """Up to ten inputs whose annotation starts from the pre-annotation."""
        return [str(r[0]) for r in await self.tx.fetch_all(Q_INPUTS_USING, {"id": pre_id})]
