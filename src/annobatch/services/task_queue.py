"""The task queue: claiming the next task, reading tasks (one with everything a tool needs to work
on it, or a page of them), handing a task back and assigning one. What the holder then does with
it is `services.submissions` and `services.reviews`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from annobatch import domain
from annobatch.domain import Conflict, Forbidden, InputWork, InvalidInput, NotFound, TaskKind, TaskStatus
from annobatch.services.identity import Caller
from annobatch.services.lookups import load_batch, load_project, parse_uuid
from annobatch.services.transactions import Write, fingerprint, reading
from annobatch.services.work_progress import move_batch
from annobatch.services.work_transactions import (
    NeedBatchLocks,
    lock_task,
    needs_escalation,
    run_work,
    task_event,
    visible_task,
)
from annobatch.services.workforce import workflow_of
from annobatch.storage.blobs import BlobStore
from annobatch.storage.database import Database
from annobatch.storage.queries.tasks import ClaimFilter
from annobatch.storage.records import (
    AnnotationRecord,
    InputRecord,
    ResourceRecord,
    ReviewRecord,
    SceneRecord,
    TaskRecord,
    now_micros,
)
from annobatch.storage.scope import Scope
from annobatch.storage.unit_of_work import UnitOfWork

#: The largest page of tasks one request answers.
MAX_TASK_PAGE = 1000
#: How many times a claim tries again when the task it picked was taken meanwhile.
CLAIM_TRIES = 5


@dataclass(frozen=True, slots=True)
class TaskDetail:
    """A task with everything a tool needs to work on it."""

    task: TaskRecord
    input: InputRecord
    scene: SceneRecord
    #: the scene's files (for their download URLs)
    resources: list[ResourceRecord]
    project: str
    batch: str
    annotation_types: list[str]
    workflow: list[str]
    #: the holder's saved work in progress: annotation type → OpenLABEL document
    draft: dict[str, Any] | None
    #: the input's latest version of each type (delivered or not)
    versions: dict[str, AnnotationRecord]
    #: the review a `correct` task answers
    review: ReviewRecord | None
    #: annotation type → the classes its objects may have (types without a taxonomy: absent)
    classes: dict[str, list[str]] = field(default_factory=dict)
    #: the pre-annotation the input's annotation starts from (its document is the annotate task's
    #: draft, for every annotation type, until the holder saves one)
    pre_annotation: str | None = None


# ------------------------------------------------------------------ claiming


async def claim(
    db: Database, blobs: BlobStore, caller: Caller, project: str | None, kind: str | None, write: Write
) -> TaskDetail:
    """See `WorkService.claim`."""
    kinds = tuple(k.value for k in domain.claimable_kinds(caller.role, kind))

    async def op(uow: UnitOfWork, held: frozenset[int]) -> TaskDetail:
        project_id = None
        if project is not None:
            p = await load_project(uow, caller, project)
            if caller.is_workforce and not await uow.workforce.is_member(p.id, caller.user_id):
                raise NotFound(f"project {project} not found", "project-not-found")
            project_id = p.id
        f = ClaimFilter(caller.org, caller.user_id, caller.is_workforce, caller.is_staff, kinds, project_id)
        for _ in range(CLAIM_TRIES):
            picked = await uow.tasks.pick(f)
            if picked is None:
                break
            task_id, input_id, batch_id, batch_status = picked
            if domain.batch_move_on_task_started(batch_status) and needs_escalation(uow, batch_id, held):
                raise NeedBatchLocks(batch_id)
            now = now_micros()
            task = await uow.tasks.start(task_id, caller.user_id, now)
            if task is None:
                continue  # taken meanwhile (its row changed after this statement's snapshot)
            return await _started(uow, blobs, caller, task, input_id, now)
        where = f" in project {project}" if project else ""
        raise Conflict(f"nothing to claim{where}: no {'/'.join(kinds)} task is waiting", "nothing-to-claim")

    fp = fingerprint("claim", caller.user_id, project, kind)
    return await run_work(db, op, once_per=(caller, write, fp, TaskDetail))


async def _started(
    uow: UnitOfWork, blobs: BlobStore, caller: Caller, task: TaskRecord, input_id: str, now: int
) -> TaskDetail:
    inp = await uow.inputs.get_any_org(input_id)
    assert inp is not None
    if inp.work_status == InputWork.NOT_STARTED:
        await uow.inputs.set_work(inp.id, InputWork.IN_PROGRESS.value, task.phase, now, inp.completed)
    await task_event(uow, caller.email, task, inp, "task.claimed")
    await move_batch(
        uow, caller.org, task.batch_id, domain.batch_move_on_task_started, "the first task was started"
    )
    return await task_detail(uow, blobs, task)


# ------------------------------------------------------------------ reading


async def read_task(db: Database, blobs: BlobStore, caller: Caller, task_id: str) -> TaskDetail:
    """See `WorkService.task`."""
    async with reading(db) as uow:
        return await task_detail(uow, blobs, await visible_task(uow, caller, task_id))


async def list_tasks(
    db: Database,
    caller: Caller,
    project: str | None,
    batch: str | None,
    status: str | None,
    kind: str | None,
    after: str | None,
    limit: int,
) -> list[TaskRecord]:
    """See `WorkService.list_tasks`."""
    if status is not None:
        _parse(TaskStatus, "task status", status)
    if kind is not None:
        _parse(TaskKind, "task kind", kind)
    if batch is not None and project is None:
        raise InvalidInput(f"name the project of batch {batch}", "project-required")
    after_id = None if after is None else parse_uuid("task", after)
    limit = max(1, min(limit, MAX_TASK_PAGE))
    async with reading(db) as uow:
        project_id = batch_id = None
        if project is not None:
            p = await load_project(uow, caller, project)
            project_id = p.id
            if batch is not None:
                batch_id = (await load_batch(uow, p, batch)).id
        return await uow.tasks.page(
            caller.org,
            member_of=caller.user_id if caller.is_workforce else None,
            workspace_id=None if caller.is_workforce else caller.scope.workspace_id,
            project_id=project_id,
            batch_id=batch_id,
            status=status,
            kind=kind,
            after=after_id,
            limit=limit,
        )


async def task_detail(uow: UnitOfWork, blobs: BlobStore, task: TaskRecord) -> TaskDetail:
    inp = await uow.inputs.get_any_org(task.input_id)
    assert inp is not None
    scene = await uow.scenes.get(Scope(inp.organization_id), inp.scene_id)
    assert scene is not None
    project = await uow.projects.by_id(task.project_id)
    batch = await uow.batches.record(task.batch_id)
    review = None
    if task.review_id is not None:
        review = await uow.annotation_versions.review(task.organization_id, task.review_id)
    types = await uow.batches.types(batch.id)
    draft = None if task.draft is None else msgspec.json.decode(task.draft)
    pre_id = await uow.pre_annotations.of_input(inp.id)
    if pre_id is not None and draft is None and task.kind == TaskKind.ANNOTATE:
        pre = await uow.pre_annotations.get_any_org(pre_id)
        if pre is not None and pre.blob_key is not None:
            document = msgspec.json.decode(await blobs.read(pre.blob_key))
            draft = {atype: document for atype in types}
    return TaskDetail(
        task=task,
        input=inp,
        scene=scene,
        resources=await uow.scenes.resources(scene.id),
        project=project.external_id,
        batch=batch.external_id,
        annotation_types=types,
        workflow=[p.value for p in workflow_of(project, batch)],
        draft=draft,
        versions=await uow.annotation_versions.latest(inp.id),
        review=review,
        classes=await uow.workforce.taxonomy(project.id),
        pre_annotation=pre_id,
    )


def _parse(enum_type: Any, what: str, value: str) -> Any:
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum_type)
        raise InvalidInput(f"unknown {what} {value!r}: one of {allowed}", "invalid-filter") from None


# ------------------------------------------------------------------ handing back, assigning


async def give_up(db: Database, caller: Caller, task_id: str, write: Write) -> TaskRecord:
    """See `WorkService.give_up`."""

    async def op(uow: UnitOfWork, held: frozenset[int]) -> TaskRecord:
        task, inp = await lock_task(uow, caller, task_id)
        domain.require_holder(task.id, task.status, task.holder, caller.user_id, caller.is_staff)
        domain.require_task_move(task.id, task.status, TaskStatus.TODO)
        await uow.tasks.release(task.id)
        await task_event(uow, caller.email, task, inp, "task.given-up")
        return msgspec.structs.replace(task, status=TaskStatus.TODO.value, holder=None, touched=None)

    return await run_work(db, op, once_per=(caller, write, fingerprint("give-up", task_id), TaskRecord))


async def assign(db: Database, caller: Caller, task_id: str, user_id: int | None, write: Write) -> TaskRecord:
    """See `WorkService.assign`."""
    if caller.is_workforce:
        raise Forbidden("the workforce does not assign tasks", "workforce-forbidden")

    async def op(uow: UnitOfWork, held: frozenset[int]) -> TaskRecord:
        task, inp = await lock_task(uow, caller, task_id)
        if task.assignee == user_id:
            return task
        member = user_id is None or await uow.workforce.is_member(task.project_id, user_id)
        domain.require_assignable(task.id, task.status, member, user_id if user_id is not None else 0)
        await uow.tasks.set_assignee(task.id, user_id)
        kind = "task.assigned" if user_id is not None else "task.unassigned"
        await task_event(uow, caller.email, task, inp, kind, userId=user_id, previous=task.assignee)
        return msgspec.structs.replace(task, assignee=user_id)

    fp = fingerprint("assign", task_id, user_id)
    return await run_work(db, op, once_per=(caller, write, fp, TaskRecord))
