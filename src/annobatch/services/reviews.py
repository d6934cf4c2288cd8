"""Reviews of an input's annotation: the holder of a review task accepts or rejects it, the client
reviews a delivered version, and an automatic check posts its review. Feedback items are checked
against the error types and against the documents they are about; what follows a review is
`services.workflow_steps`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from annobatch import domain
from annobatch.domain import Conflict, InputWork, NotFound, TaskKind
from annobatch.services.identity import Caller
from annobatch.services.lookups import parse_uuid, to_json
from annobatch.services.transactions import Write, fingerprint, reading
from annobatch.services.work_progress import SYSTEM, check_completion
from annobatch.services.work_transactions import (
    NeedBatchLocks,
    input_event,
    lock_task,
    move_batch_locked,
    needs_escalation,
    run_work,
    task_event,
    visible_task,
)
from annobatch.services.workflow_steps import may_complete, proceed, task_workflow
from annobatch.services.workforce import workflow_of
from annobatch.storage.blobs import BlobStore
from annobatch.storage.database import Database
from annobatch.storage.records import AnnotationRecord, ReviewRecord, now_micros
from annobatch.storage.unit_of_work import UnitOfWork

#: What a feedback item may name of the annotation it is about.
_NAMED_PARTS = ("objectId", "frameId", "sensorId")


async def review(
    db: Database,
    blobs: BlobStore,
    caller: Caller,
    task_id: str,
    accepted: bool,
    feedback: Sequence[Any],
    write: Write,
) -> ReviewRecord:
    """See `WorkService.review`."""
    tid = parse_uuid("task", task_id)
    domain.require_feedback_on_rejection(accepted, feedback)
    async with reading(db) as uow:
        seen = await visible_task(uow, caller, tid)
        project = await uow.projects.by_id(seen.project_id)
        batch = await uow.batches.record(seen.batch_id)
        rules = await _error_rules(uow)
        versions = await uow.annotation_versions.latest(seen.input_id)
    items = domain.parse_feedback(list(feedback), rules)
    await _require_feedback_fits(blobs, items, f"of input {seen.input_id}", versions.values())
    workflow = workflow_of(project, batch)
    lock_first = [batch.id] if accepted and may_complete(workflow, seen) else []

    async def op(uow: UnitOfWork, held: frozenset[int]) -> ReviewRecord:
        task, inp = await lock_task(uow, caller, tid)
        domain.require_holder(task.id, task.status, task.holder, caller.user_id, caller.is_staff)
        if task.kind != TaskKind.REVIEW:
            raise Conflict(f"task {task.id} is an {task.kind} task: submit its annotations", "task-kind")
        now = now_micros()
        rec = ReviewRecord(
            str(uuid.uuid4()), task.organization_id, task.project_id, inp.id, task.id, None, task.phase,
            accepted, None, to_json(items), caller.email, now,
        )  # fmt: skip
        await uow.annotation_versions.add_review(rec)
        await uow.tasks.finish(task.id, now)
        await task_event(
            uow,
            caller.email,
            task,
            inp,
            "task.reviewed",
            accepted=accepted,
            review=rec.id,
            items=len(items),
        )
        nxt = domain.after_task(await task_workflow(uow, task), task.phase, TaskKind.REVIEW, accepted)
        await proceed(uow, held, caller, inp, nxt, now, review=rec)
        return rec

    fp = fingerprint("review", tid, accepted, items)
    return await run_work(db, op, lock_first, once_per=(caller, write, fp, ReviewRecord))


async def client_review(
    db: Database,
    blobs: BlobStore,
    caller: Caller,
    annotation_id: str,
    accepted: bool,
    feedback: Sequence[Any],
    workflow: str | None,
    write: Write,
) -> ReviewRecord:
    """See `WorkService.client_review`."""
    if caller.is_workforce:
        raise NotFound(f"annotation {annotation_id} not found", "annotation-not-found")
    aid = parse_uuid("annotation", annotation_id)
    correction = domain.parse_client_correction(accepted, workflow)
    async with reading(db) as uow:
        seen = await _visible_version(uow, caller, aid)
        rules = await _error_rules(uow)
    items = domain.parse_feedback(list(feedback), rules)
    if any(k in item for item in items for k in _NAMED_PARTS):
        document = msgspec.json.decode(await blobs.read(seen.blob_key))
        domain.require_feedback_fits(items, aid, domain.annotation_parts(document))

    async def op(uow: UnitOfWork, held: frozenset[int]) -> ReviewRecord:
        inp = await uow.inputs.get_any_org(seen.input_id, lock=True)
        version = await uow.annotation_versions.get(caller.org, aid)
        if inp is None or version is None:
            raise NotFound(f"annotation {annotation_id} not found", "annotation-not-found")
        current = (await uow.annotation_versions.current(inp.id)).get(version.annotation_type)
        if current is not None and current.id != version.id:
            raise Conflict(
                f"annotation {aid} is not the current version of input {inp.id}'s "
                f"{version.annotation_type} annotation: review {current.id}",
                "annotation-not-current",
            )
        if await uow.tasks.open_of_input(inp.id):
            raise Conflict(
                f"input {inp.id} is being worked on: review its next delivery", "input-in-progress"
            )
        now = now_micros()
        rec = ReviewRecord(
            str(uuid.uuid4()), inp.organization_id, inp.project_id, inp.id, None, version.id, inp.phase,
            accepted, correction.value if correction else None, to_json(items), caller.email, now,
        )  # fmt: skip
        await uow.annotation_versions.add_review(rec)
        await input_event(
            uow,
            caller.email,
            inp,
            "annotation.reviewed",
            annotation=version.id,
            review=rec.id,
            accepted=accepted,
        )
        project = await uow.projects.by_id(inp.project_id)
        flow = workflow_of(project, await uow.batches.record(inp.batch_id))
        nxt = domain.after_client_review(flow, accepted, correction)
        if accepted:
            if inp.work_status != InputWork.COMPLETED:
                await uow.annotation_versions.confirm(inp.id)
                if needs_escalation(uow, inp.batch_id, held):
                    raise NeedBatchLocks(inp.batch_id)
                await uow.inputs.set_work(inp.id, InputWork.COMPLETED.value, inp.phase, now, now)
                await input_event(uow, SYSTEM, inp, "input.completed")
                await check_completion(uow, caller.org, inp.batch_id)
            return rec
        reopening = inp.work_status == InputWork.COMPLETED
        if reopening:
            await input_event(uow, SYSTEM, inp, "input.reopened", review=rec.id)
            await move_batch_locked(
                uow,
                held,
                caller.org,
                inp.batch_id,
                domain.batch_move_on_input_reopened,
                "a client reopened an input",
            )
        await proceed(uow, held, caller, inp, nxt, now, review=rec)
        return rec

    fp = fingerprint("client-review", aid, accepted, items, workflow)
    return await run_work(db, op, once_per=(caller, write, fp, ReviewRecord))


async def auto_review(
    db: Database,
    blobs: BlobStore,
    caller: Caller,
    input_id: str,
    accepted: bool,
    feedback: Sequence[Any],
    write: Write,
) -> ReviewRecord:
    """See `WorkService.auto_review`."""
    if not (caller.is_staff or caller.is_workforce):
        raise NotFound(f"input {input_id} not found", "input-not-found")
    iid = parse_uuid("input", input_id)
    domain.require_feedback_on_rejection(accepted, feedback)
    async with reading(db) as uow:
        inp = await uow.inputs.get(caller.scope, iid)
        if inp is None or (
            caller.is_workforce and not await uow.workforce.is_member(inp.project_id, caller.user_id)
        ):
            raise NotFound(f"input {input_id} not found", "input-not-found")
        rules = await _error_rules(uow)
        versions = await uow.annotation_versions.current(iid) or await uow.annotation_versions.latest(iid)
    items = domain.parse_feedback(list(feedback), rules)
    await _require_feedback_fits(blobs, items, f"of input {iid}", versions.values())

    async def op(uow: UnitOfWork, held: frozenset[int]) -> ReviewRecord:
        locked = await uow.inputs.get_any_org(iid, lock=True)
        if locked is None:
            raise NotFound(f"input {input_id} not found", "input-not-found")
        current = await uow.annotation_versions.current(iid)
        named = next(iter(current.values())).id if len(current) == 1 else None
        rec = ReviewRecord(
            str(uuid.uuid4()), locked.organization_id, locked.project_id, iid, None, named, locked.phase,
            accepted, None, to_json(items), caller.email, now_micros(), True,
        )  # fmt: skip
        await uow.annotation_versions.add_review(rec)
        await input_event(
            uow,
            caller.email,
            locked,
            "input.auto-reviewed",
            review=rec.id,
            accepted=accepted,
            items=len(items),
        )
        return rec

    fp = fingerprint("auto-review", iid, accepted, items)
    return await run_work(db, op, once_per=(caller, write, fp, ReviewRecord))


async def _require_feedback_fits(
    blobs: BlobStore, items: Sequence[Mapping[str, Any]], what: str, versions: Iterable[AnnotationRecord]
) -> None:
    """Feedback items that name an object, frame or sensor name what the reviewed documents
    (one per annotation type) have; refused naming the item otherwise."""
    if not any(k in item for item in items for k in _NAMED_PARTS):
        return
    parts = [domain.annotation_parts(msgspec.json.decode(await blobs.read(v.blob_key))) for v in versions]
    merged = domain.AnnotationParts(
        tuple(k for p in parts for k in p.frame_keys),
        tuple(e for p in parts for e in p.frame_external_ids),
        frozenset(o for p in parts for o in p.objects),
        tuple(st for p in parts for st in p.streams),
    )
    domain.require_feedback_fits(items, what, merged)


async def _error_rules(uow: UnitOfWork) -> list[domain.ErrorTypeRule]:
    return [
        domain.ErrorTypeRule(e.id, e.name, e.pin_allowed, e.object_allowed)
        for e in await uow.workforce.error_types()
    ]


async def _visible_version(uow: UnitOfWork, caller: Caller, annotation_id: str) -> AnnotationRecord:
    """A delivered version of the caller's organization, of an input in the caller's scope."""
    version = await uow.annotation_versions.get(caller.org, annotation_id)
    if (
        version is None
        or version.delivered is None
        or await uow.inputs.get(caller.scope, version.input_id) is None
    ):
        raise NotFound(f"annotation {annotation_id} not found", "annotation-not-found")
    return version
