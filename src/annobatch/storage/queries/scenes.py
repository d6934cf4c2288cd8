"""Scenes and their files (resources): a scene is stored with the descriptions of its files in one
go, and each file points at its blob once uploaded. A caller finds scenes within a `Scope`: its
organization's, or its workspace's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import sqlalchemy as sa

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import Scoped, b, bucket, in_list, insert, params, scope_values, shaped
from annobatch.storage.records import ResourceRecord, SceneRecord, now_micros
from annobatch.storage.scope import Scope

_S, _R = t.scenes, t.scene_resources

Q_SCENE_INSERT = insert(_S)
_IN_WORKSPACE = _S.c.workspace_id == b("ws")
_SCENE = sa.select(*_S.c).where(_S.c.id == b("id"), _S.c.organization_id == b("org"))
Q_SCENE = Scoped(_SCENE, _IN_WORKSPACE)
# Row locks are FOR NO KEY UPDATE (see queries/projects.py).
Q_SCENE_FOR_UPDATE = Scoped(_SCENE.with_for_update(key_share=True), _IN_WORKSPACE)
_SCENE_ANY_ORG = sa.select(*_S.c).where(_S.c.id == b("id"))
Q_SCENE_ANY_ORG = Query(_SCENE_ANY_ORG)
Q_SCENE_ANY_ORG_FOR_UPDATE = Query(_SCENE_ANY_ORG.with_for_update(key_share=True))
Q_SCENE_SET_STATUS = Query(
    sa.update(_S)
    .where(_S.c.id == b("id"))
    .values(status=b("status"), error_message=b("error_message"), updated=b("updated"))
)
Q_SCENE_SET_PLACEMENT = Query(
    sa.update(_S)
    .where(_S.c.id == b("id"))
    .values(
        project_id=b("project_id"), batch_id=b("batch_id"), batch_named=b("batch_named"), updated=b("updated")
    )
)
Q_SCENE_TOUCH = Query(sa.update(_S).where(_S.c.id == b("id")).values(updated=b("updated")))
Q_SCENES_STALE = Query(
    sa.select(_S.c.id)
    .where(_S.c.status == b("status"), _S.c.updated < b("before"))
    .order_by(_S.c.id)
    .limit(b("limit"))
)

Q_RESOURCE_INSERT = insert(_R)
Q_RESOURCE_FACTS = Query(
    sa.update(_R)
    .where(_R.c.scene_id == b("scene_id"), _R.c.position == b("position"))
    .values(facts=b("facts"))
)
Q_RESOURCES = Query(sa.select(*_R.c).where(_R.c.scene_id == b("scene_id")).order_by(_R.c.position))
Q_RESOURCE = Query(sa.select(*_R.c).where(_R.c.scene_id == b("scene_id"), _R.c.position == b("position")))
Q_RESOURCE_UPLOADED = Query(
    sa.update(_R)
    .where(_R.c.scene_id == b("scene_id"), _R.c.position == b("position"))
    .values(
        blob_key=b("blob_key"),
        size=b("size"),
        sha256=b("sha256"),
        content_type=b("content_type"),
        uploaded=b("uploaded"),
    )
)
Q_RESOURCES_FORGET_BLOBS = Query(
    sa.update(_R).where(_R.c.scene_id == b("scene_id")).values(blob_key=sa.null())
)


class SceneQueries:
    """`uow.scenes`: create a scene with its files, find scenes (one, or many by uuid or external
    id), move their status; read a scene's files and record their uploads."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def create(self, scene: SceneRecord, resources: Sequence[ResourceRecord]) -> None:
        await self.tx.execute(Q_SCENE_INSERT, params(scene))
        if resources:
            await self.tx.execute_many(Q_RESOURCE_INSERT, [params(r) for r in resources])

    async def get(self, scope: Scope, scene_id: str, lock: bool = False) -> SceneRecord | None:
        q, values = (Q_SCENE_FOR_UPDATE if lock else Q_SCENE).bind(scope, id=scene_id)
        row = await self.tx.fetch_one(q, values)
        return None if row is None else _scene(row)

    async def get_any_org(self, scene_id: str, lock: bool = False) -> SceneRecord | None:
        """Whoever's it is: a scene's uuid is the permission for uploads and the view page, and a
        duplicate uuid is refused across organizations."""
        row = await self.tx.fetch_one(
            Q_SCENE_ANY_ORG_FOR_UPDATE if lock else Q_SCENE_ANY_ORG, {"id": scene_id}
        )
        return None if row is None else _scene(row)

    async def by_ids(self, scope: Scope, ids: Sequence[str]) -> list[SceneRecord]:
        """The scope's scenes among these uuids, oldest first."""
        return await self._where_in(scope, _S.c.id, "id", ids)

    async def by_external_ids(self, scope: Scope, external_ids: Sequence[str]) -> list[SceneRecord]:
        """Every scene of the scope with one of these external ids (they are not unique)."""
        return await self._where_in(scope, _S.c.external_id, "ext", external_ids)

    async def _where_in(
        self, scope: Scope, column: sa.Column[Any], tag: str, values: Sequence[str]
    ) -> list[SceneRecord]:
        if not values:
            return []
        clause, found = in_list(column, "v", values)
        narrowed = scope.workspace_id is not None

        def build() -> Any:
            stmt = (
                sa.select(*_S.c)
                .where(_S.c.organization_id == b("org"), clause)
                .order_by(_S.c.created, _S.c.id)
            )
            return stmt.where(_IN_WORKSPACE) if narrowed else stmt

        q = shaped(("scenes", tag, bucket(len(values)), narrowed), build)
        return [_scene(r) for r in await self.tx.fetch_all(q, {**scope_values(scope), **found})]

    async def set_status(self, scene_id: str, status: str, error: str | None = None) -> None:
        await self.tx.execute(
            Q_SCENE_SET_STATUS,
            {"id": scene_id, "status": status, "error_message": error, "updated": now_micros()},
        )

    async def set_placement(
        self, scene_id: str, project_id: int | None, batch_id: int | None, named: bool
    ) -> None:
        """Where the scene's input goes once its files are in, and whether the client named the
        batch (else it is chosen again at commit)."""
        await self.tx.execute(
            Q_SCENE_SET_PLACEMENT,
            {
                "id": scene_id,
                "project_id": project_id,
                "batch_id": batch_id,
                "batch_named": named,
                "updated": now_micros(),
            },
        )

    async def touch(self, scene_id: str) -> None:
        """Note activity on the scene (an upload): `updated` is when it last changed."""
        await self.tx.execute(Q_SCENE_TOUCH, {"id": scene_id, "updated": now_micros()})

    async def stale(self, status: str, before: int, limit: int) -> list[str]:
        """Up to `limit` scenes (of any organization) in this status that have not changed since
        `before`, in id order."""
        rows = await self.tx.fetch_all(Q_SCENES_STALE, {"status": status, "before": before, "limit": limit})
        return [r[0] for r in rows]

    async def resources(self, scene_id: str) -> list[ResourceRecord]:
        """The scene's files in order."""
        return [_resource(r) for r in await self.tx.fetch_all(Q_RESOURCES, {"scene_id": scene_id})]

    async def resource(self, scene_id: str, position: int) -> ResourceRecord | None:
        row = await self.tx.fetch_one(Q_RESOURCE, {"scene_id": scene_id, "position": position})
        return None if row is None else _resource(row)

    async def set_uploaded(
        self, scene_id: str, position: int, blob_key: str, size: int, sha256: str, content_type: str | None
    ) -> None:
        await self.tx.execute(
            Q_RESOURCE_UPLOADED,
            {
                "scene_id": scene_id,
                "position": position,
                "blob_key": blob_key,
                "size": size,
                "sha256": sha256,
                "content_type": content_type,
                "uploaded": now_micros(),
            },
        )

    async def set_facts(self, scene_id: str, facts: dict[int, str]) -> None:
        """Record what processing learnt of the scene's files, by position."""
        rows = [{"scene_id": scene_id, "position": p, "facts": f} for p, f in sorted(facts.items())]
        await self.tx.execute_many(Q_RESOURCE_FACTS, rows)

    async def forget_blobs(self, scene_id: str) -> None:
        """Unlink every file of the scene from its blob (the blobs are deleted after commit)."""
        await self.tx.execute(Q_RESOURCES_FORGET_BLOBS, {"scene_id": scene_id})


def _scene(row: Sequence[Any]) -> SceneRecord:
    r = SceneRecord(*row)
    if not isinstance(r.motion_compensate, bool):  # SQLite answers 0/1
        r = msgspec.structs.replace(
            r, motion_compensate=bool(r.motion_compensate), batch_named=bool(r.batch_named)
        )
    return r


def _resource(row: Sequence[Any]) -> ResourceRecord:
    values = list(row)
    values[7] = bool(values[7])  # `upload`; SQLite answers 0/1
    return ResourceRecord(*values)
