"""The workforce: workforce credentials (role `annotator` or `reviewer`), their memberships of
projects, the projects' taxonomies (the classes per annotation type), and the installation's
catalogue of review error types."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import b, one_of
from annobatch.storage.records import CredentialRecord, ErrorTypeRecord, MemberRecord

_C, _PM, _TX, _E = t.credentials, t.project_members, t.taxonomies, t.error_types
WORKFORCE = ("annotator", "reviewer")

Q_WORKFORCE_OF_ORG = Query(
    sa.select(*_C.c)
    .where(_C.c.organization_id == b("org"), one_of(_C.c.role, WORKFORCE))
    .order_by(_C.c.created, _C.c.client_id)
)
Q_BY_USER = Query(
    sa.select(*_C.c)
    .where(_C.c.organization_id == b("org"), _C.c.user_id == b("user_id"))
    .order_by(_C.c.created, _C.c.client_id)
)
Q_USER_ID_TAKEN = Query(sa.select(sa.func.count()).select_from(_C).where(_C.c.user_id == b("user_id")))

_MEMBER = {"project_id": b("project_id"), "user_id": b("user_id"), "added": b("added")}
Q_MEMBER_ADD = Query(
    sa.insert(_PM).values(_MEMBER),
    sqlite=sqlite.insert(_PM).values(_MEMBER).on_conflict_do_nothing(),
    postgresql=postgresql.insert(_PM).values(_MEMBER).on_conflict_do_nothing(),
)
Q_MEMBER_REMOVE = Query(
    sa.delete(_PM)
    .where(_PM.c.project_id == b("project_id"), _PM.c.user_id == b("user_id"))
    .returning(_PM.c.user_id)
)
Q_MEMBER = Query(sa.select(*_PM.c).where(_PM.c.project_id == b("project_id"), _PM.c.user_id == b("user_id")))
Q_MEMBERS = Query(
    sa.select(*_C.c)
    .select_from(_C.join(_PM, _PM.c.user_id == _C.c.user_id))
    .where(
        _PM.c.project_id == b("project_id"), _C.c.organization_id == b("org"), one_of(_C.c.role, WORKFORCE)
    )
    .order_by(_PM.c.added, _C.c.client_id)
)
Q_PROJECTS_OF_MEMBER = Query(
    sa.select(_PM.c.project_id).where(_PM.c.user_id == b("user_id")).order_by(_PM.c.project_id)
)

Q_MEMBER_OF_SCENE = Query(
    sa.select(sa.func.count())
    .select_from(t.inputs.join(_PM, _PM.c.project_id == t.inputs.c.project_id))
    .where(
        t.inputs.c.scene_id == b("scene_id"),
        t.inputs.c.organization_id == b("org"),
        _PM.c.user_id == b("user_id"),
    )
)

Q_TAXONOMY = Query(
    sa.select(_TX.c.annotation_type, _TX.c.classes)
    .where(_TX.c.project_id == b("project_id"))
    .order_by(_TX.c.annotation_type)
)
Q_TAXONOMY_DELETE = Query(
    sa.delete(_TX).where(_TX.c.project_id == b("project_id"), _TX.c.annotation_type == b("annotation_type"))
)
Q_TAXONOMY_INSERT = Query(
    sa.insert(_TX).values(
        project_id=b("project_id"), annotation_type=b("annotation_type"), classes=b("classes")
    )
)

Q_ERROR_TYPES = Query(sa.select(*_E.c).order_by(_E.c.position, _E.c.id))
Q_ERROR_TYPE = Query(sa.select(*_E.c).where(_E.c.id == b("id")))
Q_ERROR_TYPE_INSERT = Query(
    sa.insert(_E).values(
        id=b("id"),
        name=b("name"),
        pin_allowed=b("pin_allowed"),
        object_allowed=b("object_allowed"),
        position=b("position"),
    )
)
Q_ERROR_TYPE_UPDATE = Query(
    sa.update(_E)
    .where(_E.c.id == b("id"))
    .values(name=b("name"), pin_allowed=b("pin_allowed"), object_allowed=b("object_allowed"))
)
Q_ERROR_TYPE_NEXT = Query(sa.select(sa.func.coalesce(sa.func.max(_E.c.position), -1) + 1))


def _credential(r: Sequence[Any]) -> CredentialRecord:
    rec = CredentialRecord(*r)
    return msgspec.structs.replace(rec, revoked=bool(rec.revoked))


def _error_type(r: Sequence[Any]) -> ErrorTypeRecord:
    return ErrorTypeRecord(r[0], r[1], bool(r[2]), bool(r[3]), int(r[4]))


class WorkforceQueries:
    """`uow.workforce`: workforce credentials, project memberships, taxonomies, error types."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    # ------------------------------------------------------------------ members

    async def of_org(self, org: int) -> list[CredentialRecord]:
        """The organization's workforce credentials, oldest first."""
        return [_credential(r) for r in await self.tx.fetch_all(Q_WORKFORCE_OF_ORG, {"org": org})]

    async def by_user(self, org: int, user_id: int) -> list[CredentialRecord]:
        """The organization's credentials with this user id (any role)."""
        return [_credential(r) for r in await self.tx.fetch_all(Q_BY_USER, {"org": org, "user_id": user_id})]

    async def user_id_taken(self, user_id: int) -> bool:
        return bool(await self.tx.fetch_val(Q_USER_ID_TAKEN, {"user_id": user_id}))

    async def add(self, project_id: int, user_id: int, now: int) -> None:
        """Make the user a member of the project (already one: nothing changes)."""
        await self.tx.execute(Q_MEMBER_ADD, {"project_id": project_id, "user_id": user_id, "added": now})

    async def remove(self, project_id: int, user_id: int) -> bool:
        """Answers whether the user was a member."""
        values = {"project_id": project_id, "user_id": user_id}
        return await self.tx.fetch_one(Q_MEMBER_REMOVE, values) is not None

    async def membership(self, project_id: int, user_id: int) -> MemberRecord | None:
        row = await self.tx.fetch_one(Q_MEMBER, {"project_id": project_id, "user_id": user_id})
        return None if row is None else MemberRecord(*row)

    async def is_member(self, project_id: int, user_id: int) -> bool:
        return await self.membership(project_id, user_id) is not None

    async def members(self, org: int, project_id: int) -> list[CredentialRecord]:
        """The project's workforce: the credentials of its members."""
        values = {"org": org, "project_id": project_id}
        return [_credential(r) for r in await self.tx.fetch_all(Q_MEMBERS, values)]

    async def projects_of(self, user_id: int) -> list[int]:
        return [int(r[0]) for r in await self.tx.fetch_all(Q_PROJECTS_OF_MEMBER, {"user_id": user_id})]

    async def member_of_scene(self, org: int, user_id: int, scene_id: str) -> bool:
        """Whether the scene has an input in a project the user is a member of."""
        values = {"org": org, "user_id": user_id, "scene_id": scene_id}
        return bool(await self.tx.fetch_val(Q_MEMBER_OF_SCENE, values))

    # ------------------------------------------------------------------ taxonomies

    async def taxonomy(self, project_id: int) -> dict[str, list[str]]:
        """Annotation type → the classes an object of it may have (types without one: absent)."""
        rows = await self.tx.fetch_all(Q_TAXONOMY, {"project_id": project_id})
        return {a: msgspec.json.decode(classes, type=list[str]) for a, classes in rows}

    async def set_classes(self, project_id: int, annotation_type: str, classes: list[str]) -> None:
        """Replace a type's classes; an empty list removes its taxonomy (any class is accepted)."""
        values = {"project_id": project_id, "annotation_type": annotation_type}
        await self.tx.execute(Q_TAXONOMY_DELETE, values)
        if classes:
            encoded = msgspec.json.encode(classes).decode()
            await self.tx.execute(Q_TAXONOMY_INSERT, {**values, "classes": encoded})

    # ------------------------------------------------------------------ error types

    async def error_types(self) -> list[ErrorTypeRecord]:
        return [_error_type(r) for r in await self.tx.fetch_all(Q_ERROR_TYPES)]

    async def error_type(self, error_type_id: str) -> ErrorTypeRecord | None:
        row = await self.tx.fetch_one(Q_ERROR_TYPE, {"id": error_type_id})
        return None if row is None else _error_type(row)

    async def put_error_type(
        self, error_type_id: str, name: str, pin_allowed: bool, object_allowed: bool
    ) -> None:
        """Add an error type at the end of the catalogue, or change one."""
        values = {
            "id": error_type_id,
            "name": name,
            "pin_allowed": pin_allowed,
            "object_allowed": object_allowed,
        }
        if await self.error_type(error_type_id) is None:
            position = int(await self.tx.fetch_val(Q_ERROR_TYPE_NEXT))
            await self.tx.execute(Q_ERROR_TYPE_INSERT, {**values, "position": position})
        else:
            await self.tx.execute(Q_ERROR_TYPE_UPDATE, values)
