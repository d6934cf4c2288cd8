"""Typed queries over one transaction, returning plain records. Storage never decides: the rules
are in `annobatch.domain`, the order of things in `annobatch.server.operations`."""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from msgspec.structs import replace

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.records import (
    BatchRecord,
    CredentialRecord,
    EventRecord,
    IdempotentAnswer,
    OrganizationRecord,
    ProjectRecord,
    Record,
    WorkspaceRecord,
    now_micros,
)


def _b(name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(name)


def _insert(table: sa.Table, returning: str | None = None) -> Query:
    cols = [c.name for c in table.c if not (c.primary_key and c.autoincrement is True)]
    if returning is None:
        cols = [c.name for c in table.c]
    stmt = table.insert().values({c: _b(c) for c in cols})
    if returning is not None:
        stmt = stmt.returning(table.c[returning])
    return Query(stmt)


# ------------------------------------------------------------------------------------ queries

_O, _W, _C, _P, _B = t.organizations, t.workspaces, t.credentials, t.projects, t.batches
_PAT, _BAT, _E, _I = t.project_annotation_types, t.batch_annotation_types, t.events, t.inputs

Q_ORG_INSERT = _insert(_O, returning="id")
Q_ORG_BY_ID = Query(sa.select(*_O.c).where(_O.c.id == _b("id")))
Q_ORG_BY_NAME = Query(sa.select(*_O.c).where(_O.c.name == _b("name")))
Q_ORGS = Query(sa.select(*_O.c).order_by(_O.c.id))

Q_WS_INSERT = _insert(_W)
Q_WS_BY_ORG = Query(sa.select(*_W.c).where(_W.c.organization_id == _b("org")).order_by(_W.c.created, _W.c.id))
Q_WS_BY_ID = Query(sa.select(*_W.c).where(_W.c.id == _b("id")))

Q_CRED_INSERT = _insert(_C)
Q_CRED_BY_ID = Query(sa.select(*_C.c).where(_C.c.client_id == _b("client_id")))
Q_CRED_REVOKE = Query(sa.update(_C).where(_C.c.client_id == _b("client_id")).values(revoked=True))

_PROJECT_BY_EXT = sa.select(*_P.c).where(_P.c.organization_id == _b("org"), _P.c.external_id == _b("project"))
Q_PROJECT_INSERT = _insert(_P, returning="id")
Q_PROJECT = Query(_PROJECT_BY_EXT)
Q_PROJECT_FOR_UPDATE = Query(_PROJECT_BY_EXT.with_for_update())
Q_PROJECTS = Query(sa.select(*_P.c).where(_P.c.organization_id == _b("org")).order_by(_P.c.created, _P.c.id))
Q_PROJECTS_ALL = Query(sa.select(*_P.c).order_by(_P.c.organization_id, _P.c.created, _P.c.id))
Q_PROJECT_SET_STATUS = Query(
    sa.update(_P).where(_P.c.id == _b("id")).values(status=_b("status"), updated=_b("updated"))
)

Q_PAT = Query(
    sa.select(_PAT.c.annotation_type).where(_PAT.c.project_id == _b("project_id")).order_by(_PAT.c.position)
)
Q_PAT_INSERT = _insert(_PAT)
Q_PAT_DELETE = Query(sa.delete(_PAT).where(_PAT.c.project_id == _b("project_id")))
# The project's catalogue: configured defaults first, then every type its batches use.
Q_CATALOGUE = Query(
    sa.text(
        "SELECT annotation_type FROM ("
        " SELECT annotation_type, 0 AS src, position AS pos, 0 AS bid FROM project_annotation_types"
        " WHERE project_id = :project_id"
        " UNION ALL"
        " SELECT bat.annotation_type, 1, bat.position, b.id FROM batch_annotation_types bat"
        " JOIN batches b ON b.id = bat.batch_id WHERE b.project_id = :project_id"
        ") AS u ORDER BY src, bid, pos"
    )
)

_BATCH_BY_EXT = sa.select(*_B.c).where(_B.c.project_id == _b("project_id"), _B.c.external_id == _b("batch"))
Q_BATCH_INSERT = _insert(_B, returning="id")
Q_BATCH = Query(_BATCH_BY_EXT)
Q_BATCH_FOR_UPDATE = Query(_BATCH_BY_EXT.with_for_update())
Q_BATCHES = Query(sa.select(*_B.c).where(_B.c.project_id == _b("project_id")).order_by(_B.c.created, _B.c.id))
Q_BATCH_LATEST = Query(
    sa.select(*_B.c)
    .where(_B.c.project_id == _b("project_id"))
    .order_by(_B.c.created.desc(), _B.c.id.desc())
    .limit(1)
)
Q_BATCH_SET_STATUS = Query(
    sa.update(_B).where(_B.c.id == _b("id")).values(status=_b("status"), updated=_b("updated"))
)
Q_BATCH_TOUCH = Query(sa.update(_B).where(_B.c.id == _b("id")).values(updated=_b("updated")))
_BUMP = {"batches_revision": _P.c.batches_revision + 1}
Q_PROJECT_BUMP = Query(sa.update(_P).where(_P.c.id == _b("project_id")).values(_BUMP))
Q_PROJECT_BUMP_BY_BATCH = Query(
    sa.update(_P)
    .where(_P.c.id == sa.select(_B.c.project_id).where(_B.c.id == _b("batch_id")).scalar_subquery())
    .values(_BUMP)
)

Q_BAT = Query(
    sa.select(_BAT.c.annotation_type).where(_BAT.c.batch_id == _b("batch_id")).order_by(_BAT.c.position)
)
Q_BAT_INSERT = _insert(_BAT)
Q_BAT_DELETE = Query(sa.delete(_BAT).where(_BAT.c.batch_id == _b("batch_id")))

Q_INPUT_COUNTS = Query(
    sa.select(_I.c.status, sa.func.count()).where(_I.c.batch_id == _b("batch_id")).group_by(_I.c.status)
)

Q_EVENT_INSERT = _insert(_E, returning="id")
_EVENT_COLS = (*_E.c, _P.c.external_id, _B.c.external_id)
_EVENTS = (
    sa.select(*_EVENT_COLS)
    .select_from(_E.join(_P, _P.c.id == _E.c.project_id).outerjoin(_B, _B.c.id == _E.c.batch_id))
    .where(_E.c.id > _b("after"))
    .order_by(_E.c.id)
    .limit(_b("limit"))
)
Q_EVENTS_OF_PROJECT = Query(_EVENTS.where(_E.c.project_id == _b("project_id")))
Q_EVENTS_OF_BATCH = Query(_EVENTS.where(_E.c.batch_id == _b("batch_id")))

_K = t.idempotency_keys
_K_WHERE = (_K.c.organization_id == _b("org"), _K.c.key == _b("key"))
Q_IDEM_LOCK = Query("SELECT 1", postgresql="SELECT pg_advisory_xact_lock(hashtext(:key))")
Q_IDEM_GET = Query(sa.select(_K.c.fingerprint, _K.c.status_code, _K.c.body, _K.c.created).where(*_K_WHERE))
Q_IDEM_DELETE = Query(sa.delete(_K).where(*_K_WHERE))
Q_IDEM_PUT = _insert(_K)
Q_IDEM_PURGE = Query(sa.delete(_K).where(_K.c.created < _b("before")))

Q_KEY_GET = Query(sa.select(t.server_keys.c.value).where(t.server_keys.c.name == _b("name")))
Q_KEY_PUT = _insert(t.server_keys)


class Store:
    """The typed queries of one transaction: `Store(tx).get_project(org, "p1")`."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    # organizations and workspaces

    async def create_organization(self, name: str) -> OrganizationRecord:
        created = now_micros()
        oid = await self.tx.fetch_val(Q_ORG_INSERT, {"name": name, "created": created})
        return OrganizationRecord(oid, name, created)

    async def get_organization(self, id_or_name: int | str) -> OrganizationRecord | None:
        if isinstance(id_or_name, int) or (isinstance(id_or_name, str) and id_or_name.isdigit()):
            row = await self.tx.fetch_one(Q_ORG_BY_ID, {"id": int(id_or_name)})
            if row is not None:
                return OrganizationRecord(*row)
        row = await self.tx.fetch_one(Q_ORG_BY_NAME, {"name": str(id_or_name)})
        return None if row is None else OrganizationRecord(*row)

    async def list_organizations(self) -> list[OrganizationRecord]:
        return [OrganizationRecord(*r) for r in await self.tx.fetch_all(Q_ORGS)]

    async def create_workspace(self, ws: WorkspaceRecord) -> WorkspaceRecord:
        await self.tx.execute(Q_WS_INSERT, _as_params(ws))
        return ws

    async def list_workspaces(self, org: int) -> list[WorkspaceRecord]:
        return [WorkspaceRecord(*r) for r in await self.tx.fetch_all(Q_WS_BY_ORG, {"org": org})]

    async def get_workspace(self, workspace_id: str) -> WorkspaceRecord | None:
        row = await self.tx.fetch_one(Q_WS_BY_ID, {"id": workspace_id})
        return None if row is None else WorkspaceRecord(*row)

    # credentials

    async def create_credential(self, cred: CredentialRecord) -> CredentialRecord:
        await self.tx.execute(Q_CRED_INSERT, _as_params(cred))
        return cred

    async def get_credential(self, client_id: str) -> CredentialRecord | None:
        row = await self.tx.fetch_one(Q_CRED_BY_ID, {"client_id": client_id})
        if row is None:
            return None
        r = CredentialRecord(*row)
        return replace(r, revoked=bool(r.revoked))  # SQLite answers 0/1

    async def revoke_credential(self, client_id: str) -> None:
        await self.tx.execute(Q_CRED_REVOKE, {"client_id": client_id})

    # projects

    async def create_project(
        self, org: int, project: str, title: str, description: str, status: str
    ) -> ProjectRecord:
        now = now_micros()
        params = {
            "organization_id": org,
            "external_id": project,
            "title": title,
            "description": description,
            "status": status,
            "created": now,
            "updated": now,
            "batches_revision": 0,
        }
        pid = await self.tx.fetch_val(Q_PROJECT_INSERT, params)
        return ProjectRecord(pid, org, project, title, description, status, now, now, 0)

    async def get_project(self, org: int, project: str, lock: bool = False) -> ProjectRecord | None:
        row = await self.tx.fetch_one(
            Q_PROJECT_FOR_UPDATE if lock else Q_PROJECT, {"org": org, "project": project}
        )
        return None if row is None else ProjectRecord(*row)

    async def list_projects(self, org: int | None) -> list[ProjectRecord]:
        rows = await (
            self.tx.fetch_all(Q_PROJECTS_ALL) if org is None else self.tx.fetch_all(Q_PROJECTS, {"org": org})
        )
        return [ProjectRecord(*r) for r in rows]

    async def set_project_status(self, project_id: int, status: str) -> None:
        await self.tx.execute(
            Q_PROJECT_SET_STATUS, {"id": project_id, "status": status, "updated": now_micros()}
        )

    async def project_default_types(self, project_id: int) -> list[str]:
        return [r[0] for r in await self.tx.fetch_all(Q_PAT, {"project_id": project_id})]

    async def set_project_default_types(self, project_id: int, types: list[str]) -> None:
        await self.tx.execute(Q_PAT_DELETE, {"project_id": project_id})
        rows = [{"project_id": project_id, "annotation_type": a, "position": i} for i, a in enumerate(types)]
        if rows:
            await self.tx.execute_many(Q_PAT_INSERT, rows)

    async def project_catalogue(self, project_id: int) -> list[str]:
        seen: dict[str, None] = {}
        for (a,) in await self.tx.fetch_all(Q_CATALOGUE, {"project_id": project_id}):
            seen.setdefault(a, None)
        return list(seen)

    # batches

    async def create_batch(self, project_id: int, batch: str, title: str, status: str) -> BatchRecord:
        now = now_micros()
        params = {
            "project_id": project_id,
            "external_id": batch,
            "title": title,
            "status": status,
            "created": now,
            "updated": now,
        }
        bid = await self.tx.fetch_val(Q_BATCH_INSERT, params)
        await self.tx.execute(Q_PROJECT_BUMP, {"project_id": project_id})
        return BatchRecord(bid, project_id, batch, title, status, now, now)

    async def get_batch(self, project_id: int, batch: str, lock: bool = False) -> BatchRecord | None:
        q = Q_BATCH_FOR_UPDATE if lock else Q_BATCH
        row = await self.tx.fetch_one(q, {"project_id": project_id, "batch": batch})
        return None if row is None else BatchRecord(*row)

    async def list_batches(self, project_id: int) -> list[BatchRecord]:
        return [BatchRecord(*r) for r in await self.tx.fetch_all(Q_BATCHES, {"project_id": project_id})]

    async def latest_batch(self, project_id: int) -> BatchRecord | None:
        row = await self.tx.fetch_one(Q_BATCH_LATEST, {"project_id": project_id})
        return None if row is None else BatchRecord(*row)

    async def set_batch_status(self, batch_id: int, status: str) -> int:
        now = now_micros()
        await self.tx.execute(Q_BATCH_SET_STATUS, {"id": batch_id, "status": status, "updated": now})
        await self.tx.execute(Q_PROJECT_BUMP_BY_BATCH, {"batch_id": batch_id})
        return now

    async def batch_types(self, batch_id: int) -> list[str]:
        return [r[0] for r in await self.tx.fetch_all(Q_BAT, {"batch_id": batch_id})]

    async def set_batch_types(self, batch_id: int, types: list[str]) -> int:
        await self.tx.execute(Q_BAT_DELETE, {"batch_id": batch_id})
        rows = [{"batch_id": batch_id, "annotation_type": a, "position": i} for i, a in enumerate(types)]
        if rows:
            await self.tx.execute_many(Q_BAT_INSERT, rows)
        now = now_micros()
        await self.tx.execute(Q_BATCH_TOUCH, {"id": batch_id, "updated": now})
        await self.tx.execute(Q_PROJECT_BUMP_BY_BATCH, {"batch_id": batch_id})
        return now

    async def input_counts(self, batch_id: int) -> dict[str, int]:
        return {s: n for s, n in await self.tx.fetch_all(Q_INPUT_COUNTS, {"batch_id": batch_id})}

    # events

    async def add_event(
        self, org: int, project_id: int, batch_id: int | None, kind: str, actor: str, data: str
    ) -> int:
        params = {
            "organization_id": org,
            "project_id": project_id,
            "batch_id": batch_id,
            "kind": kind,
            "actor": actor,
            "data": data,
            "created": now_micros(),
        }
        return int(await self.tx.fetch_val(Q_EVENT_INSERT, params))

    async def list_events(
        self, *, project_id: int, batch_id: int | None, after: int, limit: int
    ) -> list[EventRecord]:
        if batch_id is None:
            rows = await self.tx.fetch_all(
                Q_EVENTS_OF_PROJECT, {"project_id": project_id, "after": after, "limit": limit}
            )
        else:
            rows = await self.tx.fetch_all(
                Q_EVENTS_OF_BATCH, {"batch_id": batch_id, "after": after, "limit": limit}
            )
        return [EventRecord(*r) for r in rows]

    # idempotency keys

    async def lock_idempotency_key(self, key: str) -> None:
        """Serialise requests carrying the same key (SQLite writers are serial already)."""
        await self.tx.fetch_all(Q_IDEM_LOCK, {"key": key})

    async def get_idempotent(self, org: int, key: str) -> IdempotentAnswer | None:
        row = await self.tx.fetch_one(Q_IDEM_GET, {"org": org, "key": key})
        return None if row is None else IdempotentAnswer(row[0], row[1], bytes(row[2]), row[3])

    async def put_idempotent(self, org: int, key: str, answer: IdempotentAnswer) -> None:
        await self.tx.execute(Q_IDEM_DELETE, {"org": org, "key": key})
        await self.tx.execute(
            Q_IDEM_PUT,
            {
                "organization_id": org,
                "key": key,
                "fingerprint": answer.fingerprint,
                "status_code": answer.status_code,
                "body": answer.body,
                "created": answer.created,
            },
        )

    async def purge_idempotent(self, before: int) -> None:
        await self.tx.execute(Q_IDEM_PURGE, {"before": before})

    # server keys

    async def get_server_key(self, name: str) -> str | None:
        v = await self.tx.fetch_val(Q_KEY_GET, {"name": name})
        return None if v is None else str(v)

    async def put_server_key(self, name: str, value: str) -> None:
        await self.tx.execute(Q_KEY_PUT, {"name": name, "value": value})


def _as_params(record: Record) -> dict[str, Any]:
    return msgspec.structs.asdict(record)
