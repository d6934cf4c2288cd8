"""The holder's documents: saving a draft (work in progress, not validated yet) and submitting
one OpenLABEL document per annotation type, validated and stored as new annotation versions,
after which the input moves on (`services.workflow_steps`).

A submission's documents are written to the blob store before its transaction; if the transaction
fails they are deleted again (and what a crash leaves in between, no row refers to: the sweep
removes it after its grace period)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from annobatch import domain
from annobatch.domain import Conflict, InvalidInput, TaskKind
from annobatch.services.identity import Caller
from annobatch.services.lookups import parse_uuid, to_json
from annobatch.services.transactions import Write, fingerprint, reading
from annobatch.services.work_transactions import lock_task, run_work, task_event, visible_task
from annobatch.services.workflow_steps import may_complete, proceed, task_workflow
from annobatch.services.workforce import workflow_of
from annobatch.storage.blobs import BlobStore
from annobatch.storage.database import Database
from annobatch.storage.records import AnnotationRecord, TaskRecord, now_micros
from annobatch.storage.unit_of_work import UnitOfWork


async def save_draft(
    db: Database, caller: Caller, task_id: str, documents: Mapping[str, Any], write: Write
) -> TaskRecord:
    """See `WorkService.save_draft`."""

    async def op(uow: UnitOfWork, held: frozenset[int]) -> TaskRecord:
        task, inp = await lock_task(uow, caller, task_id)
        domain.require_holder(task.id, task.status, task.holder, caller.user_id, caller.is_staff)
        types = await uow.batches.types(task.batch_id)
        extra = [t for t in documents if t not in types]
        if extra:
            raise InvalidInput(
                f"annotation type {extra[0]} is not one of the batch's ({', '.join(types)})",
                "annotation-type-not-in-batch",
            )
        now = now_micros()
        draft = to_json(dict(documents))
        await uow.tasks.save_draft(task.id, draft, now)
        await task_event(uow, caller.email, task, inp, "task.draft-saved", types=sorted(documents))
        return msgspec.structs.replace(task, draft=draft, touched=now)

    fp = fingerprint("draft", task_id, msgspec.json.encode(dict(documents)))
    return await run_work(db, op, once_per=(caller, write, fp, TaskRecord))


async def submit(
    db: Database, blobs: BlobStore, caller: Caller, task_id: str, documents: Mapping[str, Any], write: Write
) -> list[AnnotationRecord]:
    """See `WorkService.submit`."""
    tid = parse_uuid("task", task_id)
    async with reading(db) as uow:
        seen = await visible_task(uow, caller, tid)
        project = await uow.projects.by_id(seen.project_id)
        batch = await uow.batches.record(seen.batch_id)
        types = await uow.batches.types(batch.id)
        taxonomy = await uow.workforce.taxonomy(project.id)
    _check_documents(types, documents, taxonomy)
    workflow = workflow_of(project, batch)
    lock_first = [batch.id] if may_complete(workflow, seen) else []
    versions = await _put_documents(blobs, seen, documents)
    fp = fingerprint("submit", tid, msgspec.json.encode(dict(documents)))
    try:
        stored = await run_work(
            db,
            lambda uow, held: _submit(uow, held, caller, tid, versions),
            lock_first,
            once_per=(caller, write, fp, list[AnnotationRecord]),
        )
    except BaseException:
        stored = []
        raise
    finally:
        # What no committed row refers to goes: everything after a failure or a dry run, and
        # this attempt's blobs when an idempotency key answered the first attempt's versions.
        kept = {v.blob_key for v in stored} if not write.dry_run else set()
        for v in versions:
            if v.blob_key not in kept:
                await blobs.delete_quietly(v.blob_key)
    return stored


async def _put_documents(
    blobs: BlobStore, task: TaskRecord, documents: Mapping[str, Any]
) -> list[AnnotationRecord]:
    """Write each document to the blob store (before the transaction): the versions to insert."""
    versions = []
    try:
        for atype, document in documents.items():
            vid = str(uuid.uuid4())
            data = msgspec.json.encode(document)
            info = await blobs.put_bytes(f"annotations/{task.input_id}/{vid}.json", data)
            t = task
            versions.append(
                AnnotationRecord(
                    vid, t.organization_id, t.project_id, t.batch_id, t.input_id, "", atype, t.id,
                    info.key, info.size, now_micros(), None, False, False,
                )
            )  # fmt: skip
    except BaseException:
        for v in versions:
            await blobs.delete_quietly(v.blob_key)
        raise
    return versions


async def _submit(
    uow: UnitOfWork,
    held: frozenset[int],
    caller: Caller,
    task_id: str,
    versions: list[AnnotationRecord],
) -> list[AnnotationRecord]:
    task, inp = await lock_task(uow, caller, task_id)
    domain.require_holder(task.id, task.status, task.holder, caller.user_id, caller.is_staff)
    if task.kind == TaskKind.REVIEW:
        raise Conflict(f"task {task.id} is a review: review it, do not submit annotations", "task-kind")
    types = await uow.batches.types(task.batch_id)
    if sorted(types) != sorted(v.annotation_type for v in versions):
        raise Conflict(
            f"the annotation types of batch {task.batch_id} changed; submit again", "types-changed"
        )
    versions = [msgspec.structs.replace(v, scene_id=inp.scene_id, created=now_micros()) for v in versions]
    await uow.annotation_versions.insert(versions)
    now = now_micros()
    await uow.tasks.finish(task.id, now)
    await task_event(
        uow,
        caller.email,
        task,
        inp,
        "task.submitted",
        annotations={v.annotation_type: v.id for v in versions},
    )
    workflow = await task_workflow(uow, task)
    nxt = domain.after_task(workflow, task.phase, TaskKind(task.kind))
    await proceed(uow, held, caller, inp, nxt, now)
    return versions


def _check_documents(
    types: Sequence[str], documents: Mapping[str, Any], taxonomy: Mapping[str, list[str]]
) -> None:
    domain.require_annotation_types(types, list(documents))
    for atype in types:
        domain.validate_openlabel(atype, documents[atype])
        domain.require_taxonomy(atype, documents[atype], taxonomy.get(atype))
