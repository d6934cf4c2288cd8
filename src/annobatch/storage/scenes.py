"""Typed queries for scenes, their files, inputs, calibrations and IMU data, over one transaction.

Same style as `store.py`: statements compiled once per dialect, plain frozen records, no rules.
Queries whose shape depends on the request (optional filters, lists of ids) are built once per
shape and kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import sqlalchemy as sa

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.records import (
    CalibrationRecord,
    ImuRecord,
    InputRecord,
    InputRow,
    ResourceRecord,
    SceneRecord,
    now_micros,
)

_S, _R, _I, _C, _U = t.scenes, t.scene_resources, t.inputs, t.calibrations, t.imu_data
_P, _B = t.projects, t.batches


def _b(name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(name)


def _insert(table: sa.Table) -> Query:
    return Query(table.insert().values({c.name: _b(c.name) for c in table.c}))


# ------------------------------------------------------------------------------------ filters


@dataclass(frozen=True, slots=True)
class InputFilter:
    """What `v2/inputs/query` and `v1/inputs/fetch` may narrow a listing to."""

    project_id: int | None = None
    batch_id: int | None = None
    scene_ids: tuple[str, ...] = ()
    external_ids: tuple[str, ...] = ()
    include_invalidated: bool = False


@dataclass(frozen=True, slots=True)
class Cursor:
    created: int
    id: str


# ------------------------------------------------------------------------------------ queries

Q_SCENE_INSERT = _insert(_S)
_SCENE = sa.select(*_S.c).where(_S.c.id == _b("id"), _S.c.organization_id == _b("org"))
Q_SCENE = Query(_SCENE)
Q_SCENE_FOR_UPDATE = Query(_SCENE.with_for_update())
Q_SCENE_ANY_ORG = Query(sa.select(*_S.c).where(_S.c.id == _b("id")))
Q_SCENE_SET_STATUS = Query(
    sa.update(_S)
    .where(_S.c.id == _b("id"))
    .values(status=_b("status"), error_message=_b("error_message"), updated=_b("updated"))
)

Q_RESOURCE_INSERT = _insert(_R)
Q_RESOURCES = Query(sa.select(*_R.c).where(_R.c.scene_id == _b("scene_id")).order_by(_R.c.position))
Q_RESOURCE = Query(sa.select(*_R.c).where(_R.c.scene_id == _b("scene_id"), _R.c.position == _b("position")))
Q_RESOURCE_UPLOADED = Query(
    sa.update(_R)
    .where(_R.c.scene_id == _b("scene_id"), _R.c.position == _b("position"))
    .values(
        blob_key=_b("blob_key"),
        size=_b("size"),
        sha256=_b("sha256"),
        content_type=_b("content_type"),
        uploaded=_b("uploaded"),
    )
)
Q_RESOURCES_FORGET_BLOBS = Query(
    sa.update(_R).where(_R.c.scene_id == _b("scene_id")).values(blob_key=sa.null())
)

Q_INPUT_INSERT = _insert(_I)
Q_INPUT = Query(sa.select(*_I.c).where(_I.c.id == _b("id"), _I.c.organization_id == _b("org")))
Q_INPUT_DELETE = Query(sa.delete(_I).where(_I.c.id == _b("id")))
Q_INPUTS_OF_SCENE = Query(
    sa.select(*_I.c).where(_I.c.scene_id == _b("scene_id")).order_by(_I.c.created, _I.c.id)
)
Q_INPUT_OF_SCENE_IN_BATCH = Query(
    sa.select(*_I.c).where(_I.c.scene_id == _b("scene_id"), _I.c.batch_id == _b("batch_id"))
)
Q_INPUTS_SET_STATUS = Query(sa.update(_I).where(_I.c.scene_id == _b("scene_id")).values(status=_b("status")))

# Listings join an input to its scene only; batch and project names are looked up once per
# distinct batch of a page (a join per row lets a planner pick a poor order for small tables).
_ROW_COLS = (
    _I.c.id, _I.c.scene_id, _I.c.status, _I.c.created, _I.c.batch_id,
    _S.c.external_id, _S.c.scene_type, _S.c.calibration_id, _S.c.error_message,
)  # fmt: skip
_ROW_FROM = _I.join(_S, _S.c.id == _I.c.scene_id)
Q_BATCH_NAMES = Query(
    sa.select(_B.c.external_id, _P.c.external_id)
    .select_from(_B.join(_P, _P.c.id == _B.c.project_id))
    .where(_B.c.id == _b("id"))
)

Q_BATCHES_FOR_UPDATE = Query(
    sa.select(*_B.c)
    .where(_B.c.project_id == _b("project_id"))
    .order_by(_B.c.created, _B.c.id)
    .with_for_update()
)
Q_BATCH_BY_ID = Query(sa.select(*_B.c).where(_B.c.id == _b("id")))
Q_PROJECT_BY_ID = Query(sa.select(*_P.c).where(_P.c.id == _b("id")))

Q_CAL_INSERT = _insert(_C)
Q_CAL = Query(sa.select(*_C.c).where(_C.c.id == _b("id"), _C.c.organization_id == _b("org")))
Q_CALS = Query(sa.select(*_C.c).where(_C.c.organization_id == _b("org")).order_by(_C.c.created, _C.c.id))
Q_CALS_BY_EXT = Query(
    sa.select(*_C.c)
    .where(_C.c.organization_id == _b("org"), _C.c.external_id == _b("external_id"))
    .order_by(_C.c.created, _C.c.id)
)

Q_IMU_INSERT = _insert(_U)
Q_IMU = Query(sa.select(*_U.c).where(_U.c.id == _b("id"), _U.c.organization_id == _b("org")))

# Queries with a shape of their own per request: built once per shape.
_SHAPED: dict[tuple[Any, ...], Query] = {}


def _bucket(n: int) -> int:
    """Lists of ids are padded to a power of two so that few shapes of a query exist."""
    size = 1
    while size < n:
        size *= 2
    return size


def _in_list(column: sa.ColumnElement[Any], prefix: str, values: Sequence[Any]) -> tuple[Any, dict[str, Any]]:
    n = _bucket(len(values))
    names = [f"{prefix}{i}" for i in range(n)]
    padded = list(values) + [values[-1]] * (n - len(values))
    return column.in_([_b(name) for name in names]), dict(zip(names, padded, strict=True))


def _shaped(key: tuple[Any, ...], build: Any) -> Query:
    q = _SHAPED.get(key)
    if q is None:
        q = _SHAPED[key] = Query(build())
    return q


class SceneStore:
    """The typed queries of one transaction for scenes, inputs, calibrations and IMU data."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    # scenes

    async def create_scene(self, scene: SceneRecord, resources: Sequence[ResourceRecord]) -> None:
        await self.tx.execute(Q_SCENE_INSERT, _params(scene))
        if resources:
            await self.tx.execute_many(Q_RESOURCE_INSERT, [_params(r) for r in resources])

    async def get_scene(self, org: int, scene_id: str, lock: bool = False) -> SceneRecord | None:
        row = await self.tx.fetch_one(Q_SCENE_FOR_UPDATE if lock else Q_SCENE, {"id": scene_id, "org": org})
        return None if row is None else _scene(row)

    async def get_scene_any_org(self, scene_id: str) -> SceneRecord | None:
        row = await self.tx.fetch_one(Q_SCENE_ANY_ORG, {"id": scene_id})
        return None if row is None else _scene(row)

    async def scenes_by(
        self, org: int, *, ids: Sequence[str] = (), external_ids: Sequence[str] = ()
    ) -> list[SceneRecord]:
        """Scenes by uuid or by external id (external ids are not unique: every match)."""
        column, values, tag = (_S.c.id, ids, "id") if ids else (_S.c.external_id, external_ids, "ext")
        if not values:
            return []
        clause, params = _in_list(column, "v", values)

        def build() -> Any:
            return (
                sa.select(*_S.c)
                .where(_S.c.organization_id == _b("org"), clause)
                .order_by(_S.c.created, _S.c.id)
            )

        q = _shaped(("scenes", tag, _bucket(len(values))), build)
        return [_scene(r) for r in await self.tx.fetch_all(q, {"org": org, **params})]

    async def set_scene_status(self, scene_id: str, status: str, error: str | None = None) -> None:
        await self.tx.execute(
            Q_SCENE_SET_STATUS,
            {"id": scene_id, "status": status, "error_message": error, "updated": now_micros()},
        )

    async def resources(self, scene_id: str) -> list[ResourceRecord]:
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

    async def forget_blobs(self, scene_id: str) -> None:
        await self.tx.execute(Q_RESOURCES_FORGET_BLOBS, {"scene_id": scene_id})

    # projects and batches, as input placement needs them

    async def lock_batches(self, project_id: int) -> list[tuple[int, str, str]]:
        """The project's batches (id, external id, status), locked against concurrent moves
        (PostgreSQL; SQLite write transactions are serial already)."""
        rows = await self.tx.fetch_all(Q_BATCHES_FOR_UPDATE, {"project_id": project_id})
        return [(r[0], r[2], r[4]) for r in rows]

    async def batch_by_id(self, batch_id: int) -> tuple[str, str, int]:
        """(external id, status, project id)."""
        row = await self.tx.fetch_one(Q_BATCH_BY_ID, {"id": batch_id})
        assert row is not None
        return row[2], row[4], row[1]

    async def project_external_id(self, project_id: int) -> str:
        row = await self.tx.fetch_one(Q_PROJECT_BY_ID, {"id": project_id})
        assert row is not None
        return str(row[2])

    # inputs

    async def create_input(self, rec: InputRecord) -> None:
        await self.tx.execute(Q_INPUT_INSERT, _params(rec))

    async def get_input(self, org: int, input_id: str) -> InputRecord | None:
        row = await self.tx.fetch_one(Q_INPUT, {"id": input_id, "org": org})
        return None if row is None else InputRecord(*row)

    async def delete_input(self, input_id: str) -> None:
        await self.tx.execute(Q_INPUT_DELETE, {"id": input_id})

    async def inputs_of_scene(self, scene_id: str) -> list[InputRecord]:
        return [InputRecord(*r) for r in await self.tx.fetch_all(Q_INPUTS_OF_SCENE, {"scene_id": scene_id})]

    async def input_in_batch(self, scene_id: str, batch_id: int) -> InputRecord | None:
        row = await self.tx.fetch_one(Q_INPUT_OF_SCENE_IN_BATCH, {"scene_id": scene_id, "batch_id": batch_id})
        return None if row is None else InputRecord(*row)

    async def set_inputs_status(self, scene_id: str, status: str) -> None:
        await self.tx.execute(Q_INPUTS_SET_STATUS, {"scene_id": scene_id, "status": status})

    async def input_rows(self, org: int, input_ids: Sequence[str]) -> list[InputRow]:
        if not input_ids:
            return []
        clause, params = _in_list(_I.c.id, "v", input_ids)

        def build() -> Any:
            return (
                sa.select(*_ROW_COLS).select_from(_ROW_FROM).where(_I.c.organization_id == _b("org"), clause)
            )

        q = _shaped(("input-rows", _bucket(len(input_ids))), build)
        return await self._named(await self.tx.fetch_all(q, {"org": org, **params}))

    async def page_inputs(self, org: int, f: InputFilter, after: Cursor | None, limit: int) -> list[InputRow]:
        """A page of inputs in (created, id) order, after the cursor: a range scan on an index
        that starts with the narrowest filter (batch, project or organization), so that a page
        costs the same however many inputs there are."""
        # Exactly one of batch, project, organization leads (each has its own index on
        # (…, created, id)); the batch and project were found within the caller's organization.
        params: dict[str, Any] = {"limit": limit}
        conds: list[Any] = []
        if f.batch_id is not None:
            conds.append(_I.c.batch_id == _b("batch_id"))
            params["batch_id"] = f.batch_id
        elif f.project_id is not None:
            conds.append(_I.c.project_id == _b("project_id"))
            params["project_id"] = f.project_id
        else:
            conds.append(_I.c.organization_id == _b("org"))
            params["org"] = org
        if not f.include_invalidated:
            conds.append(_I.c.status.not_like("invalidated%"))
        if after is not None:
            after_key = sa.tuple_(
                sa.bindparam("after_created", type_=sa.BigInteger), sa.bindparam("after_id", type_=sa.String)
            )
            conds.append(sa.tuple_(_I.c.created, _I.c.id) > after_key)
            params.update(after_created=after.created, after_id=after.id)
        key: list[Any] = [
            "page",
            f.batch_id is not None,
            f.project_id is not None,
            f.include_invalidated,
            after is not None,
        ]
        if f.scene_ids:
            clause, p = _in_list(_I.c.scene_id, "s", f.scene_ids)
            conds.append(clause)
            params.update(p)
            key.append(("s", _bucket(len(f.scene_ids))))
        if f.external_ids:
            clause, p = _in_list(_S.c.external_id, "e", f.external_ids)
            conds.append(
                _I.c.scene_id.in_(sa.select(_S.c.id).where(_S.c.organization_id == _b("org"), clause))
            )
            params.update(p, org=org)
            key.append(("e", _bucket(len(f.external_ids))))

        def build() -> Any:
            # The page is taken from the index first (a LIMITed range scan), then its rows are joined
            # to their scenes: a planner cannot spread that over parallel workers, whose start-up
            # would cost more than the whole page.
            page = (
                sa.select(*_I.c)
                .where(*conds)
                .order_by(_I.c.created, _I.c.id)
                .limit(_b("limit"))
                .subquery("page")
            )
            return (
                sa.select(
                    page.c.id,
                    page.c.scene_id,
                    page.c.status,
                    page.c.created,
                    page.c.batch_id,
                    _S.c.external_id,
                    _S.c.scene_type,
                    _S.c.calibration_id,
                    _S.c.error_message,
                )
                .select_from(page.join(_S, _S.c.id == page.c.scene_id))
                .order_by(page.c.created, page.c.id)
            )

        q = _shaped(tuple(key), build)
        return await self._named(await self.tx.fetch_all(q, params))

    async def _named(self, rows: Sequence[Sequence[Any]]) -> list[InputRow]:
        names: dict[int, tuple[str, str]] = {}
        for r in rows:
            if r[4] not in names:
                row = await self.tx.fetch_one(Q_BATCH_NAMES, {"id": r[4]})
                assert row is not None
                names[r[4]] = (row[1], row[0])
        return [InputRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], *names[r[4]]) for r in rows]

    async def batch_types(self, batch_ids: Sequence[int]) -> dict[int, list[str]]:
        """The annotation types of several batches at once."""
        if not batch_ids:
            return {}
        bat = t.batch_annotation_types
        ids = list(dict.fromkeys(batch_ids))
        clause, params = _in_list(bat.c.batch_id, "b", ids)

        def build() -> Any:
            return (
                sa.select(bat.c.batch_id, bat.c.annotation_type)
                .where(clause)
                .order_by(bat.c.batch_id, bat.c.position)
            )

        q = _shaped(("batch-types", _bucket(len(ids))), build)
        found: dict[int, list[str]] = {i: [] for i in batch_ids}
        for bid, a in await self.tx.fetch_all(q, params):
            found.setdefault(int(bid), []).append(a)
        return found

    # calibrations

    async def create_calibration(self, rec: CalibrationRecord) -> None:
        await self.tx.execute(Q_CAL_INSERT, _params(rec))

    async def get_calibration(self, org: int, calibration_id: str) -> CalibrationRecord | None:
        row = await self.tx.fetch_one(Q_CAL, {"id": calibration_id, "org": org})
        return None if row is None else CalibrationRecord(*row)

    async def list_calibrations(self, org: int, external_id: str | None) -> list[CalibrationRecord]:
        if external_id is None:
            rows = await self.tx.fetch_all(Q_CALS, {"org": org})
        else:
            rows = await self.tx.fetch_all(Q_CALS_BY_EXT, {"org": org, "external_id": external_id})
        return [CalibrationRecord(*r) for r in rows]

    # IMU data

    async def create_imu(self, rec: ImuRecord) -> None:
        await self.tx.execute(Q_IMU_INSERT, _params(rec))

    async def get_imu(self, org: int, imu_id: str) -> ImuRecord | None:
        row = await self.tx.fetch_one(Q_IMU, {"id": imu_id, "org": org})
        return None if row is None else ImuRecord(*row)


def _params(record: Any) -> dict[str, Any]:
    return msgspec.structs.asdict(record)


def _scene(row: Sequence[Any]) -> SceneRecord:
    r = SceneRecord(*row)
    if not isinstance(r.motion_compensate, bool):
        r = msgspec.structs.replace(r, motion_compensate=bool(r.motion_compensate))
    return r


def _resource(row: Sequence[Any]) -> ResourceRecord:
    values = list(row)
    values[7] = bool(values[7])
    return ResourceRecord(*values)
