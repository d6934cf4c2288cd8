"""Where a new input goes: the batch is chosen (`domain.choose_input_batch`, or
`domain.choose_batch_at_commit` for a scene being committed) with the project row and then its
batch rows locked, and the input is inserted in the same transaction, so that it can never land in
a batch published meanwhile. The locks are the first steps of the lock order
(`annobatch.services.transactions`)."""

from __future__ import annotations

import uuid
from typing import NamedTuple

from annobatch import domain
from annobatch.domain import BatchChoice, BatchStatus, NotFound
from annobatch.services.identity import Caller
from annobatch.services.lookups import to_json
from annobatch.services.work_progress import start_work
from annobatch.storage.records import InputRecord, ProjectRecord, SceneRecord, now_micros
from annobatch.storage.unit_of_work import UnitOfWork


class Placement(NamedTuple):
    """Where a new input goes: its project, and the id and external id of its batch."""

    project: ProjectRecord
    batch_id: int
    batch: str


async def place_input(uow: UnitOfWork, caller: Caller, project: str, batch: str | None) -> Placement:
    """Choose the batch for a new input (`domain.choose_input_batch`), with the project row and
    then its batch rows locked: a concurrent publish waits for this transaction, or this one
    sees its result."""
    domain.validate_external_id("project", project)
    if batch is not None:
        domain.validate_external_id("batch", batch)
    p = await uow.projects.get(caller.org, project, lock=True)
    if p is None:
        raise NotFound(f"project {project} not found", "project-not-found")
    domain.require_project_accepts_work(project, p.status)
    batches = await uow.batches.lock_all(p.id)
    chosen = domain.choose_input_batch(project, batch, _choices(batches))
    return Placement(p, next(i for i, b, _ in batches if b == chosen), chosen)


async def lock_placement(
    uow: UnitOfWork, project_id: int
) -> tuple[ProjectRecord, list[tuple[int, str, str]]]:
    """Lock a project a scene is headed for, then its batches; answers both."""
    p = await uow.projects.by_id(project_id, lock=True)
    return p, await uow.batches.lock_all(p.id)


def place_at_commit(scene: SceneRecord, project: ProjectRecord, batches: list[tuple[int, str, str]]) -> int:
    """The batch a scene's input goes to at its commit (`domain.choose_batch_at_commit`), among
    the project's batches locked by `lock_placement`."""
    domain.require_project_accepts_work(project.external_id, project.status)
    named = next((b for i, b, _ in batches if i == scene.batch_id), None) if scene.batch_named else None
    chosen = domain.choose_batch_at_commit(scene.id, project.external_id, named, _choices(batches))
    return next(i for i, b, _ in batches if b == chosen)


def _choices(batches: list[tuple[int, str, str]]) -> list[BatchChoice]:
    return [BatchChoice(b, BatchStatus(s)) for _, b, s in batches]


#: The namespace of the ids of inputs made by their scene's own create (`input_id_for_scene`).
_SCENE_INPUTS = uuid.UUID("7c0f5f1e-3d4a-5b8e-9a61-2f1c8e0d4b37")


def input_id_for_scene(scene_id: str) -> str:
    """The id of the input a scene's own create makes (in the batch it names or is given): known
    from the scene's id alone, so that the create's answer can name it before the input exists
    (`requestInputUuid`). A scene has one such input; others placed later get random ids."""
    return str(uuid.uuid5(_SCENE_INPUTS, scene_id))


async def insert_input(
    uow: UnitOfWork,
    caller: Caller,
    project: ProjectRecord,
    batch_id: int,
    scene: SceneRecord,
    status: str,
    input_id: str | None = None,
) -> InputRecord:
    """Insert an input (with its `annotate` task when its scene is created) and its audit-log entry."""
    rec = InputRecord(
        input_id or str(uuid.uuid4()), caller.org, project.id, batch_id, scene.id, status, now_micros()
    )
    await uow.inputs.create(rec)
    await start_work(uow, rec, new=True)
    data = {"input": rec.id, "scene": scene.id, "externalId": scene.external_id, "status": status}
    await uow.events.add(
        caller.org, project.id, batch_id, "input.created", caller.email, to_json(data), scene.workspace_id
    )
    return rec
