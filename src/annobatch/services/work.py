"""Annotation work: claiming tasks, saving drafts, submitting annotations, reviewing, assigning,
the client's review of a delivered annotation, leases, and importing annotations made elsewhere.
One method per operation, each one transaction with its audit-log entries.

## Locks

A work operation locks the input, then its task (`input → task` in the lock order of
`services.transactions`). One that moves the batch (a first claim in a `ready` batch, the last
input completed, a client's rejection reopening a completed batch) also needs the project's and
the batch's locks, which come first in the order: on PostgreSQL it finds out under its locks that
it needs them, rolls back, and runs again taking the project and batch first
(`_run`, `NeedBatchLocks`). Where it can tell beforehand (a submission that completes the input),
it takes them from the start. SQLite serialises writers: nothing to escalate there.

A claim takes its task and the task's input with `FOR NO KEY UPDATE … SKIP LOCKED` (PostgreSQL):
it never waits for a row, so it cannot deadlock with anything, and concurrent claimers pass over
each other's picks; the move itself is a conditional UPDATE (`… WHERE status = 'todo'`) that
answers whether it won.

## Blobs

A submission's documents are written to the blob store before its transaction; if the transaction
fails they are deleted again (and what a crash leaves in between, no row refers to: the sweep
removes it after its grace period).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import msgspec

from annobatch import domain
from annobatch.domain import (
    BatchStatus,
    Conflict,
    Forbidden,
    InputWork,
    InvalidInput,
    Next,
    NotFound,
    TaskKind,
    TaskStatus,
)
from annobatch.services.annotation_import import ImportOutcome, import_annotations
from annobatch.services.identity import Caller
from annobatch.services.lookups import load_batch, load_project, parse_uuid, to_json
from annobatch.services.transactions import Write, fingerprint, reading, run_write, transact
from annobatch.services.work_progress import SYSTEM, check_completion, move_batch, new_task
from annobatch.services.workforce import workflow_of
from annobatch.storage.blobs import BlobStore
from annobatch.storage.database import Database, TransactionAborted
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

R = TypeVar("R")

#: What a feedback item may name of the annotation it is about.
_NAMED_PARTS = ("objectId", "frameId", "sensorId")
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


class NeedBatchLocks(Exception):
    """The operation found it must move a batch it did not lock: run it again with the batch's
    project and the batch locked first (the lock order). Never leaves `_run`."""

    def __init__(self, batch_id: int) -> None:
        super().__init__(f"batch {batch_id} must be locked first")
        self.batch_id = batch_id


def _needs_escalation(uow: UnitOfWork, batch_id: int, held: frozenset[int]) -> bool:
    return uow.tx.dialect != "sqlite" and batch_id not in held


async def _move_batch_locked(
    uow: UnitOfWork,
    held: frozenset[int],
    org: int,
    batch_id: int,
    decide: Callable[[str], BatchStatus | None],
    reason: str,
) -> None:
    """Move the batch where `decide` says; if it must move and its lock is not held, escalate."""
    if _needs_escalation(uow, batch_id, held):
        status = (await uow.batches.record(batch_id)).status
        if decide(status) is not None:
            raise NeedBatchLocks(batch_id)
        return
    await move_batch(uow, org, batch_id, decide, reason)


async def _check_completion_locked(uow: UnitOfWork, held: frozenset[int], org: int, batch_id: int) -> None:
    if _needs_escalation(uow, batch_id, held):
        raise NeedBatchLocks(batch_id)
    await check_completion(uow, org, batch_id)


class WorkService:
    """The work on inputs: tasks, annotations, reviews."""

    def __init__(
        self, db: Database, blobs: BlobStore, lease_seconds: int = domain.DEFAULT_LEASE_SECONDS
    ) -> None:
        self.db = db
        self.blobs = blobs
        self.lease_seconds = lease_seconds

    # -------------------------------------------------------------------------- running

    async def _run(
        self,
        op: Callable[[UnitOfWork, frozenset[int]], Awaitable[R]],
        lock_first: Sequence[int] = (),
        *,
        once_per: tuple[Caller, Write, str, Any] | None = None,
    ) -> R:
        """Run `op` in one write transaction (`transact`), with the projects and batches of
        `lock_first` locked first; when `op` finds it needs another batch's lock, run it again with
        that one too. `once_per`: (caller, write, fingerprint, result type) for a dry run or an
        idempotency key (`run_write`: the key's lock comes first, then the batches')."""
        held: set[int] = set(lock_first)
        for _ in range(10):
            batches = frozenset(held)

            async def once(uow: UnitOfWork, batches: frozenset[int] = batches) -> R:
                if batches and uow.tx.dialect != "sqlite":
                    projects = [(await uow.batches.record(b)).project_id for b in sorted(batches)]
                    await uow.projects.lock_ids(projects)
                    await uow.batches.lock_ids(sorted(batches))
                return await op(uow, batches)

            try:
                if once_per is not None and (once_per[1].dry_run or once_per[1].idempotency_key):
                    caller, write, fp, result_type = once_per
                    result: R = await run_write(self.db, caller, write, fp, result_type, once)
                    return result
                return await transact(self.db, once)
            except NeedBatchLocks as e:
                held.add(e.batch_id)
        raise TransactionAborted("the batches to lock kept changing; retry shortly")

    async def _lock_task(
        self, uow: UnitOfWork, caller: Caller, task_id: str
    ) -> tuple[TaskRecord, InputRecord]:
        """The caller's task and its input, locked in the lock order (input, then task)."""
        seen = await self._visible_task(uow, caller, task_id)
        inp = await uow.inputs.get_any_org(seen.input_id, lock=True)
        task = await uow.tasks.get(caller.org, seen.id, lock=True)
        if inp is None or task is None:
            raise NotFound(f"task {task_id} not found", "task-not-found")
        return task, inp

    @staticmethod
    async def _visible_task(uow: UnitOfWork, caller: Caller, task_id: str) -> TaskRecord:
        """A task of the caller's organization; for the workforce, only of their projects."""
        tid = parse_uuid("task", task_id)
        task = await uow.tasks.get(caller.org, tid)
        if task is None or not await _sees(uow, caller, task):
            raise NotFound(f"task {task_id} not found", "task-not-found")
        return task

    # -------------------------------------------------------------------------- claiming

    async def claim(
        self, caller: Caller, project: str | None = None, kind: str | None = None, write: Write = Write()
    ) -> TaskDetail:
        """Take the next task the caller may do — their own assignments first, then the oldest
        input — of a project they are a member of (staff: of any of the organization's projects),
        optionally of one project and one kind. 409 `nothing-to-claim` when there is none."""
        kinds = tuple(k.value for k in domain.claimable_kinds(caller.role, kind))

        async def op(uow: UnitOfWork, held: frozenset[int]) -> TaskDetail:
            project_id = None
            if project is not None:
                p = await load_project(uow, caller, project)
                if caller.is_workforce and not await uow.workforce.is_member(p.id, caller.user_id):
                    raise NotFound(f"project {project} not found", "project-not-found")
                project_id = p.id
            f = ClaimFilter(
                caller.org, caller.user_id, caller.is_workforce, caller.is_staff, kinds, project_id
            )
            for _ in range(CLAIM_TRIES):
                picked = await uow.tasks.pick(f)
                if picked is None:
                    break
                task_id, input_id, batch_id, batch_status = picked
                if domain.batch_move_on_task_started(batch_status) and _needs_escalation(uow, batch_id, held):
                    raise NeedBatchLocks(batch_id)
                now = now_micros()
                task = await uow.tasks.start(task_id, caller.user_id, now)
                if task is None:
                    continue  # taken meanwhile (its row changed after this statement's snapshot)
                return await self._started(uow, caller, task, input_id, now)
            where = f" in project {project}" if project else ""
            raise Conflict(
                f"nothing to claim{where}: no {'/'.join(kinds)} task is waiting", "nothing-to-claim"
            )

        fp = fingerprint("claim", caller.user_id, project, kind)
        return await self._run(op, once_per=(caller, write, fp, TaskDetail))

    async def _started(
        self, uow: UnitOfWork, caller: Caller, task: TaskRecord, input_id: str, now: int
    ) -> TaskDetail:
        inp = await uow.inputs.get_any_org(input_id)
        assert inp is not None
        if inp.work_status == InputWork.NOT_STARTED:
            await uow.inputs.set_work(inp.id, InputWork.IN_PROGRESS.value, task.phase, now, inp.completed)
        await self._event(uow, caller.email, task, inp, "task.claimed")
        await move_batch(
            uow, caller.org, task.batch_id, domain.batch_move_on_task_started, "the first task was started"
        )
        return await self._detail(uow, task)

    # -------------------------------------------------------------------------- reading

    async def task(self, caller: Caller, task_id: str) -> TaskDetail:
        """A task of the caller's organization (the workforce: of their projects) with what a tool
        needs to work on it."""
        async with reading(self.db) as uow:
            return await self._detail(uow, await self._visible_task(uow, caller, task_id))

    async def list_tasks(
        self,
        caller: Caller,
        project: str | None = None,
        batch: str | None = None,
        status: str | None = None,
        kind: str | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[TaskRecord]:
        """A page of the caller's organization's tasks (the workforce: of their projects), oldest
        first, after the task `after` (the last one of the previous page)."""
        if status is not None:
            _parse(TaskStatus, "task status", status)
        if kind is not None:
            _parse(TaskKind, "task kind", kind)
        if batch is not None and project is None:
            raise InvalidInput(f"name the project of batch {batch}", "project-required")
        after_id = None if after is None else parse_uuid("task", after)
        limit = max(1, min(limit, MAX_TASK_PAGE))
        async with reading(self.db) as uow:
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

    async def _detail(self, uow: UnitOfWork, task: TaskRecord) -> TaskDetail:
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
                document = msgspec.json.decode(await self.blobs.read(pre.blob_key))
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

    async def annotation_content(self, annotation_id: str) -> bytes:
        """The OpenLABEL document of an annotation version. No caller: whoever asks was given the
        version by an operation that checked them (a signed download URL is the permission)."""
        aid = parse_uuid("annotation", annotation_id)
        async with reading(self.db) as uow:
            version = await uow.annotation_versions.get_any_org(aid)
        if version is None:
            raise NotFound(f"annotation {annotation_id} not found", "annotation-not-found")
        return await self.blobs.read(version.blob_key)

    # -------------------------------------------------------------------------- holding

    async def save_draft(
        self, caller: Caller, task_id: str, documents: Mapping[str, Any], write: Write = Write()
    ) -> TaskRecord:
        """The holder's work in progress (any of the batch's types; not validated yet); renews the
        lease."""

        async def op(uow: UnitOfWork, held: frozenset[int]) -> TaskRecord:
            task, inp = await self._lock_task(uow, caller, task_id)
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
            await self._event(uow, caller.email, task, inp, "task.draft-saved", types=sorted(documents))
            return msgspec.structs.replace(task, draft=draft, touched=now)

        fp = fingerprint("draft", task_id, msgspec.json.encode(dict(documents)))
        return await self._run(op, once_per=(caller, write, fp, TaskRecord))

    async def give_up(self, caller: Caller, task_id: str, write: Write = Write()) -> TaskRecord:
        """The holder (or staff) hands an ongoing task back: it is `todo` again, for anyone who may
        claim it (its draft stays with it)."""

        async def op(uow: UnitOfWork, held: frozenset[int]) -> TaskRecord:
            task, inp = await self._lock_task(uow, caller, task_id)
            domain.require_holder(task.id, task.status, task.holder, caller.user_id, caller.is_staff)
            domain.require_task_move(task.id, task.status, TaskStatus.TODO)
            await uow.tasks.release(task.id)
            await self._event(uow, caller.email, task, inp, "task.given-up")
            return msgspec.structs.replace(task, status=TaskStatus.TODO.value, holder=None, touched=None)

        return await self._run(op, once_per=(caller, write, fingerprint("give-up", task_id), TaskRecord))

    async def assign(
        self, caller: Caller, task_id: str, user_id: int | None, write: Write = Write()
    ) -> TaskRecord:
        """Assign a todo task to a member of its project's workforce (None: unassign). Assigning
        to the current assignee, or unassigning an unassigned task, changes nothing. Clients of the
        organization and staff only."""
        if caller.is_workforce:
            raise Forbidden("the workforce does not assign tasks", "workforce-forbidden")

        async def op(uow: UnitOfWork, held: frozenset[int]) -> TaskRecord:
            task, inp = await self._lock_task(uow, caller, task_id)
            if task.assignee == user_id:
                return task
            member = user_id is None or await uow.workforce.is_member(task.project_id, user_id)
            domain.require_assignable(task.id, task.status, member, user_id if user_id is not None else 0)
            await uow.tasks.set_assignee(task.id, user_id)
            kind = "task.assigned" if user_id is not None else "task.unassigned"
            await self._event(uow, caller.email, task, inp, kind, userId=user_id, previous=task.assignee)
            return msgspec.structs.replace(task, assignee=user_id)

        fp = fingerprint("assign", task_id, user_id)
        return await self._run(op, once_per=(caller, write, fp, TaskRecord))

    # -------------------------------------------------------------------------- finishing

    async def submit(
        self, caller: Caller, task_id: str, documents: Mapping[str, Any], write: Write = Write()
    ) -> list[AnnotationRecord]:
        """The holder submits one OpenLABEL document per annotation type of the batch for an
        `annotate` or `correct` task: each is validated (and checked against the project's
        taxonomy), stored as a new version, and the input moves on (`domain.after_task`): to a
        review task, or delivered. Answers the new versions."""
        tid = parse_uuid("task", task_id)
        async with reading(self.db) as uow:
            seen = await self._visible_task(uow, caller, tid)
            project = await uow.projects.by_id(seen.project_id)
            batch = await uow.batches.record(seen.batch_id)
            types = await uow.batches.types(batch.id)
            taxonomy = await uow.workforce.taxonomy(project.id)
        _check_documents(types, documents, taxonomy)
        workflow = workflow_of(project, batch)
        lock_first = [batch.id] if _may_complete(workflow, seen) else []
        versions = await self._put_documents(seen, documents)
        fp = fingerprint("submit", tid, msgspec.json.encode(dict(documents)))
        try:
            stored = await self._run(
                lambda uow, held: self._submit(uow, held, caller, tid, versions),
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
                    await _quietly_delete(self.blobs, v.blob_key)
        return stored

    async def _put_documents(self, task: TaskRecord, documents: Mapping[str, Any]) -> list[AnnotationRecord]:
        """Write each document to the blob store (before the transaction): the versions to insert."""
        versions = []
        try:
            for atype, document in documents.items():
                vid = str(uuid.uuid4())
                data = msgspec.json.encode(document)
                info = await self.blobs.put(f"annotations/{task.input_id}/{vid}.json", _one(data))
                t = task
                versions.append(
                    AnnotationRecord(
                        vid, t.organization_id, t.project_id, t.batch_id, t.input_id, "", atype, t.id,
                        info.key, info.size, now_micros(), None, False, False,
                    )
                )  # fmt: skip
        except BaseException:
            for v in versions:
                await _quietly_delete(self.blobs, v.blob_key)
            raise
        return versions

    async def _submit(
        self,
        uow: UnitOfWork,
        held: frozenset[int],
        caller: Caller,
        task_id: str,
        versions: list[AnnotationRecord],
    ) -> list[AnnotationRecord]:
        task, inp = await self._lock_task(uow, caller, task_id)
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
        await self._event(
            uow,
            caller.email,
            task,
            inp,
            "task.submitted",
            annotations={v.annotation_type: v.id for v in versions},
        )
        workflow = await self._workflow(uow, task)
        nxt = domain.after_task(workflow, task.phase, TaskKind(task.kind))
        await self._proceed(uow, held, caller, inp, nxt, now)
        return versions

    async def review(
        self,
        caller: Caller,
        task_id: str,
        accepted: bool,
        feedback: Sequence[Any] = (),
        write: Write = Write(),
    ) -> ReviewRecord:
        """The holder of a review task accepts the input's annotation (it moves on: another review,
        or delivery) or rejects it with feedback items (a `correct` task for the annotator who made
        it, then this review again)."""
        tid = parse_uuid("task", task_id)
        domain.require_feedback_on_rejection(accepted, feedback)
        async with reading(self.db) as uow:
            seen = await self._visible_task(uow, caller, tid)
            project = await uow.projects.by_id(seen.project_id)
            batch = await uow.batches.record(seen.batch_id)
            rules = await self._error_rules(uow)
            versions = await uow.annotation_versions.latest(seen.input_id)
        items = domain.parse_feedback(list(feedback), rules)
        await self._require_feedback_fits(items, f"of input {seen.input_id}", versions.values())
        workflow = workflow_of(project, batch)
        lock_first = [batch.id] if accepted and _may_complete(workflow, seen) else []

        async def op(uow: UnitOfWork, held: frozenset[int]) -> ReviewRecord:
            task, inp = await self._lock_task(uow, caller, tid)
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
            await self._event(
                uow,
                caller.email,
                task,
                inp,
                "task.reviewed",
                accepted=accepted,
                review=rec.id,
                items=len(items),
            )
            nxt = domain.after_task(await self._workflow(uow, task), task.phase, TaskKind.REVIEW, accepted)
            await self._proceed(uow, held, caller, inp, nxt, now, review=rec)
            return rec

        fp = fingerprint("review", tid, accepted, items)
        return await self._run(op, lock_first, once_per=(caller, write, fp, ReviewRecord))

    async def _require_feedback_fits(
        self, items: Sequence[Mapping[str, Any]], what: str, versions: Iterable[AnnotationRecord]
    ) -> None:
        """Feedback items that name an object, frame or sensor name what the reviewed documents
        (one per annotation type) have; refused naming the item otherwise."""
        if not any(k in item for item in items for k in _NAMED_PARTS):
            return
        parts = [
            domain.annotation_parts(msgspec.json.decode(await self.blobs.read(v.blob_key))) for v in versions
        ]
        merged = domain.AnnotationParts(
            tuple(k for p in parts for k in p.frame_keys),
            tuple(e for p in parts for e in p.frame_external_ids),
            frozenset(o for p in parts for o in p.objects),
            tuple(st for p in parts for st in p.streams),
        )
        domain.require_feedback_fits(items, what, merged)

    async def _proceed(
        self,
        uow: UnitOfWork,
        held: frozenset[int],
        caller: Caller,
        inp: InputRecord,
        nxt: Next,
        now: int,
        review: ReviewRecord | None = None,
    ) -> None:
        """What follows a finished task: the next task, or delivery."""
        if nxt.task is not None:
            assignee = None
            if nxt.task is TaskKind.CORRECT:
                assignee = await self._annotator(uow, inp)
            task = await uow.tasks.insert(
                new_task(inp, nxt.task, nxt.phase, assignee=assignee, review_id=review.id if review else None)
            )
            await uow.inputs.set_work(inp.id, InputWork.IN_PROGRESS.value, nxt.phase, now, inp.completed)
            await self._event(uow, SYSTEM, task, inp, "task.created", assignee=assignee)
            return
        await self._deliver(uow, held, caller, inp, nxt, now)

    async def _deliver(
        self, uow: UnitOfWork, held: frozenset[int], caller: Caller, inp: InputRecord, nxt: Next, now: int
    ) -> None:
        """Deliver the input's latest version of each type; complete it unless the client's
        integration review is pending."""
        if nxt.completes_input and _needs_escalation(uow, inp.batch_id, held):
            raise NeedBatchLocks(inp.batch_id)
        versions = list((await uow.annotation_versions.latest(inp.id)).values())
        await uow.annotation_versions.deliver(versions, now, nxt.preliminary)
        await self._input_event(
            uow, SYSTEM, inp, "annotation.delivered",
            annotations={v.annotation_type: v.id for v in versions}, preliminary=nxt.preliminary,
        )  # fmt: skip
        if nxt.completes_input:
            await uow.inputs.set_work(inp.id, InputWork.COMPLETED.value, inp.phase, now, now)
            await self._input_event(uow, SYSTEM, inp, "input.completed")
            await _check_completion_locked(uow, held, caller.org, inp.batch_id)
        else:
            await uow.inputs.set_work(inp.id, InputWork.IN_PROGRESS.value, nxt.phase, now, inp.completed)

    @staticmethod
    async def _annotator(uow: UnitOfWork, inp: InputRecord) -> int | None:
        """Who made the input's latest annotation (a correction goes back to them), if they are
        still a member of the project's workforce."""
        done = [
            t
            for t in await uow.tasks.of_input(inp.id)
            if t.kind != TaskKind.REVIEW and t.status == TaskStatus.DONE and t.holder is not None
        ]
        if not done:
            return None
        holder = done[-1].holder
        assert holder is not None
        return holder if await uow.workforce.is_member(inp.project_id, holder) else None

    @staticmethod
    async def _workflow(uow: UnitOfWork, task: TaskRecord) -> tuple[domain.Phase, ...]:
        project = await uow.projects.by_id(task.project_id)
        return workflow_of(project, await uow.batches.record(task.batch_id))

    @staticmethod
    async def _error_rules(uow: UnitOfWork) -> list[domain.ErrorTypeRule]:
        return [
            domain.ErrorTypeRule(e.id, e.name, e.pin_allowed, e.object_allowed)
            for e in await uow.workforce.error_types()
        ]

    # -------------------------------------------------------------------------- the client

    async def client_review(
        self,
        caller: Caller,
        annotation_id: str,
        accepted: bool,
        feedback: Sequence[Any] = (),
        workflow: str | None = None,
        write: Write = Write(),
    ) -> ReviewRecord:
        """The client reviews a delivered annotation version (current only: 409 naming the current
        one otherwise). Accepting a preliminary delivery completes the input; a rejection (with
        `correct` or `correct-review-loop`) creates a `correct` task and reopens the input (and its
        batch, if it was completed)."""
        if caller.is_workforce:
            raise NotFound(f"annotation {annotation_id} not found", "annotation-not-found")
        aid = parse_uuid("annotation", annotation_id)
        correction = domain.parse_client_correction(accepted, workflow)
        async with reading(self.db) as uow:
            seen = await self._visible_version(uow, caller, aid)
            rules = await self._error_rules(uow)
        items = domain.parse_feedback(list(feedback), rules)
        if any(k in item for item in items for k in _NAMED_PARTS):
            document = msgspec.json.decode(await self.blobs.read(seen.blob_key))
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
            await self._input_event(
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
                    if _needs_escalation(uow, inp.batch_id, held):
                        raise NeedBatchLocks(inp.batch_id)
                    await uow.inputs.set_work(inp.id, InputWork.COMPLETED.value, inp.phase, now, now)
                    await self._input_event(uow, SYSTEM, inp, "input.completed")
                    await check_completion(uow, caller.org, inp.batch_id)
                return rec
            reopening = inp.work_status == InputWork.COMPLETED
            if reopening:
                await self._input_event(uow, SYSTEM, inp, "input.reopened", review=rec.id)
                await _move_batch_locked(
                    uow,
                    held,
                    caller.org,
                    inp.batch_id,
                    domain.batch_move_on_input_reopened,
                    "a client reopened an input",
                )
            await self._proceed(uow, held, caller, inp, nxt, now, review=rec)
            return rec

        fp = fingerprint("client-review", aid, accepted, items, workflow)
        return await self._run(op, once_per=(caller, write, fp, ReviewRecord))

    async def auto_review(
        self,
        caller: Caller,
        input_id: str,
        accepted: bool,
        feedback: Sequence[Any] = (),
        write: Write = Write(),
    ) -> ReviewRecord:
        """An automatic check (staff, or a workforce tool of the input's project) posts its review
        of an input: the client reads it as an auto review (`get_auto_reviews`). Its feedback items
        are checked against the error types and against the input's annotations (its current
        delivered versions, else its latest submitted ones): an object, frame or sensor it names
        must be in one of them. It moves no work. 404 for an input the caller may not see."""
        if not (caller.is_staff or caller.is_workforce):
            raise NotFound(f"input {input_id} not found", "input-not-found")
        iid = parse_uuid("input", input_id)
        domain.require_feedback_on_rejection(accepted, feedback)
        async with reading(self.db) as uow:
            inp = await uow.inputs.get(caller.scope, iid)
            if inp is None or (
                caller.is_workforce and not await uow.workforce.is_member(inp.project_id, caller.user_id)
            ):
                raise NotFound(f"input {input_id} not found", "input-not-found")
            rules = await self._error_rules(uow)
            versions = await uow.annotation_versions.current(iid) or await uow.annotation_versions.latest(iid)
        items = domain.parse_feedback(list(feedback), rules)
        await self._require_feedback_fits(items, f"of input {iid}", versions.values())

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
            await self._input_event(
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
        return await self._run(op, once_per=(caller, write, fp, ReviewRecord))

    @staticmethod
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

    # -------------------------------------------------------------------------- import

    async def import_annotations(
        self, caller: Caller, project: str, batch: str, files: Mapping[str, bytes]
    ) -> list[ImportOutcome]:
        """Staff deliver OpenLABEL files made in another tool (`<scene external id>.<annotation
        type>.json`, every type of the batch per scene) to the batch's inputs, each input in a
        transaction of its own, validated like a submission; an outcome per scene (one bad scene
        is reported, the rest go on). See `services.annotation_import`."""
        return await import_annotations(self.db, self.blobs, caller, project, batch, files)

    # -------------------------------------------------------------------------- leases

    async def expire_leases(self, now: int | None = None) -> int:
        """Every task held past its lease without a save returns to `todo` (an event each, actor
        `system`). Answers how many did."""
        return await expire_leases(self.db, self.lease_seconds, now)

    # -------------------------------------------------------------------------- events

    @staticmethod
    async def _event(
        uow: UnitOfWork, actor: str, task: TaskRecord, inp: InputRecord, kind: str, **data: Any
    ) -> None:
        scene = await uow.scenes.get(Scope(inp.organization_id), inp.scene_id)
        body = {"task": task.id, "kind": task.kind, "phase": task.phase, "input": inp.id, **data}
        await uow.events.add(
            inp.organization_id, inp.project_id, inp.batch_id, kind, actor, to_json(body),
            scene.workspace_id if scene else None,
        )  # fmt: skip

    @staticmethod
    async def _input_event(uow: UnitOfWork, actor: str, inp: InputRecord, kind: str, **data: Any) -> None:
        scene = await uow.scenes.get(Scope(inp.organization_id), inp.scene_id)
        body = {"input": inp.id, "scene": inp.scene_id, **data}
        await uow.events.add(
            inp.organization_id, inp.project_id, inp.batch_id, kind, actor, to_json(body),
            scene.workspace_id if scene else None,
        )  # fmt: skip


async def expire_leases(db: Database, lease_seconds: int, now: int | None = None) -> int:
    """Return every task held past its lease without a save to `todo`, each in a transaction of
    its own (input, then task: the lock order), with an event (actor `system`). The sweep runs it."""
    cutoff = (now if now is not None else now_micros()) - lease_seconds * 1_000_000
    expired = 0
    while True:
        async with reading(db) as uow:
            candidates = await uow.tasks.expired(cutoff)
        if not candidates:
            return expired
        for task_id, input_id in candidates:

            async def one(uow: UnitOfWork, task_id: str = task_id, input_id: str = input_id) -> bool:
                inp = await uow.inputs.get_any_org(input_id, lock=True)
                task = await uow.tasks.get_any_org(task_id)
                if inp is None or task is None or not await uow.tasks.expire(task_id, cutoff):
                    return False
                await WorkService._event(uow, SYSTEM, task, inp, "task.lease-expired", holder=task.holder)
                return True

            expired += await transact(db, one)
        if len(candidates) < 500:
            return expired


async def _sees(uow: UnitOfWork, caller: Caller, task: TaskRecord) -> bool:
    """The workforce sees its projects' tasks; a credential bound to a workspace, its scenes'."""
    if caller.is_workforce:
        return await uow.workforce.is_member(task.project_id, caller.user_id)
    if caller.scope.workspace_id is not None:
        return await uow.inputs.get(caller.scope, task.input_id) is not None
    return True


def _check_documents(
    types: Sequence[str], documents: Mapping[str, Any], taxonomy: Mapping[str, list[str]]
) -> None:
    domain.require_annotation_types(types, list(documents))
    for atype in types:
        domain.validate_openlabel(atype, documents[atype])
        domain.require_taxonomy(atype, documents[atype], taxonomy.get(atype))


def _may_complete(workflow: Sequence[domain.Phase], task: TaskRecord) -> bool:
    """Whether finishing this task may complete its input (then its batch is locked from the start)."""
    try:
        nxt = domain.after_task(workflow, task.phase, TaskKind(task.kind))
    except ValueError:
        return False
    return nxt.completes_input


def _parse(enum_type: Any, what: str, value: str) -> Any:
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum_type)
        raise InvalidInput(f"unknown {what} {value!r}: one of {allowed}", "invalid-filter") from None


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _quietly_delete(blobs: BlobStore, key: str) -> None:
    """A blob no committed row refers to; if it cannot go now, the sweep removes it later."""
    try:
        await blobs.delete(key)
    except Exception:
        return
