"""What many operations look up the same way: a project, a batch, a scene or a workspace of the
caller's (404 when it is not theirs), ids checked at the edge, and the audit log's entries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import msgspec

from annobatch import domain
from annobatch.domain import InvalidInput, NotFound
from annobatch.services.identity import Caller
from annobatch.storage.records import BatchRecord, ProjectRecord, SceneRecord, WorkspaceRecord
from annobatch.storage.unit_of_work import UnitOfWork

#: The most ids one request may name.
MAX_IDS = 1000


def to_json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def parse_uuid(kind: str, value: str) -> str:
    """Scene, input and calibration ids are uuids; anything else is refused naming the id."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise InvalidInput(f"invalid {kind} id {value!r}: a uuid", "invalid-id") from None


def optional_uuid(kind: str, value: str | None) -> str | None:
    return None if value is None else parse_uuid(kind, value)


def parse_uuids(kind: str, values: Sequence[str]) -> list[str]:
    if len(values) > MAX_IDS:
        raise InvalidInput(f"at most {MAX_IDS} {kind} ids per request", "too-many-ids")
    return list(dict.fromkeys(parse_uuid(kind, v) for v in values))


async def load_project(
    uow: UnitOfWork, caller: Caller, project: str, lock: bool = False, shared: bool = False
) -> ProjectRecord:
    """The caller's project, optionally locked (`ProjectQueries.get`: alone, or shared)."""
    domain.validate_external_id("project", project)
    p = await uow.projects.get(caller.org, project, lock=lock, shared=shared)
    if p is None:
        raise project_not_found(project)
    return p


def project_not_found(project: str) -> NotFound:
    return NotFound(f"project {project} not found", "project-not-found")


async def load_batch(uow: UnitOfWork, project: ProjectRecord, batch: str, lock: bool = False) -> BatchRecord:
    domain.validate_external_id("batch", batch)
    b = await uow.batches.get(project.id, batch, lock=lock)
    if b is None:
        raise NotFound(f"batch {batch} not found in project {project.external_id}", "batch-not-found")
    return b


async def load_scene(uow: UnitOfWork, caller: Caller, scene_id: str, lock: bool = False) -> SceneRecord:
    found = await uow.scenes.get(caller.scope, parse_uuid("scene", scene_id), lock=lock)
    if found is None:
        raise NotFound(f"scene {scene_id} not found", "scene-not-found")
    return found


async def resolve_workspace(uow: UnitOfWork, caller: Caller, workspace_id: str | None) -> WorkspaceRecord:
    """The workspace a write goes to: the one named (it must be the caller's organization's,
    and the credential's own if it is bound to one), else the caller's only workspace."""
    if workspace_id is None or workspace_id == "":
        if caller.workspace_id is not None:
            workspace_id = caller.workspace_id
        else:
            found = await uow.workspaces.of(caller.org)
            if len(found) == 1:
                return found[0]
            raise InvalidInput(
                "name the workspace with ?workspaceId=: this organization has several",
                "workspace-required",
            )
    ws = await uow.workspaces.get(workspace_id)
    bound = caller.scope.workspace_id
    if ws is None or ws.organization_id != caller.org or (bound is not None and bound != ws.id):
        raise NotFound(f"workspace {workspace_id} not found", "workspace-not-found")
    return ws


async def record_event(
    uow: UnitOfWork,
    caller: Caller,
    project: ProjectRecord,
    batch: BatchRecord | None,
    kind: str,
    **data: Any,
) -> None:
    """One entry of the audit log, in the transaction of the change it records."""
    await uow.events.add(
        caller.org, project.id, batch.id if batch else None, kind, caller.email, to_json(data)
    )
