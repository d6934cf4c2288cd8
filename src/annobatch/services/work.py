"""Annotation work: claiming tasks, saving drafts, submitting annotations, reviewing, assigning,
the client's review of a delivered annotation, leases, and importing annotations made elsewhere.
One method per operation, each one transaction with its audit-log entries.

`WorkService` is the one face of the work; each concept is a module of its own:
- `services.task_queue`: claiming, reading and listing tasks, giving one up, assigning;
- `services.submissions`: the holder's drafts and submissions (and their blobs);
- `services.reviews`: review tasks, the client's review, automatic checks' reviews;
- `services.workflow_steps`: what follows a finished task (the next task, or delivery);
- `services.work_transactions`: how each operation runs (its locks, the task it acts on, events);
- `services.leases`: held tasks whose lease ran out go back to `todo`;
- `services.annotation_import`: annotations made in another tool.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from annobatch import domain
from annobatch.domain import NotFound
from annobatch.services import reviews, submissions, task_queue
from annobatch.services.annotation_import import ImportOutcome, import_annotations
from annobatch.services.identity import Caller
from annobatch.services.leases import expire_leases
from annobatch.services.lookups import parse_uuid
from annobatch.services.task_queue import TaskDetail
from annobatch.services.transactions import Write, reading
from annobatch.storage.blobs import BlobStore
from annobatch.storage.database import Database
from annobatch.storage.records import AnnotationRecord, ReviewRecord, TaskRecord


class WorkService:
    """The work on inputs: tasks, annotations, reviews."""

    def __init__(
        self, db: Database, blobs: BlobStore, lease_seconds: int = domain.DEFAULT_LEASE_SECONDS
    ) -> None:
        self.db = db
        self.blobs = blobs
        self.lease_seconds = lease_seconds

    # -------------------------------------------------------------------------- the queue

    async def claim(
        self, caller: Caller, project: str | None = None, kind: str | None = None, write: Write = Write()
    ) -> TaskDetail:
        """Take the next task the caller may do — their own assignments first, then the oldest
        input — of a project they are a member of (staff: of any of the organization's projects),
        optionally of one project and one kind. 409 `nothing-to-claim` when there is none."""
        return await task_queue.claim(self.db, self.blobs, caller, project, kind, write)

    async def task(self, caller: Caller, task_id: str) -> TaskDetail:
        """A task of the caller's organization (the workforce: of their projects) with what a tool
        needs to work on it."""
        return await task_queue.read_task(self.db, self.blobs, caller, task_id)

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
        return await task_queue.list_tasks(self.db, caller, project, batch, status, kind, after, limit)

    async def give_up(self, caller: Caller, task_id: str, write: Write = Write()) -> TaskRecord:
        """The holder (or staff) hands an ongoing task back: it is `todo` again, for anyone who may
        claim it (its draft stays with it)."""
        return await task_queue.give_up(self.db, caller, task_id, write)

    async def assign(
        self, caller: Caller, task_id: str, user_id: int | None, write: Write = Write()
    ) -> TaskRecord:
        """Assign a todo task to a member of its project's workforce (None: unassign). Assigning
        to the current assignee, or unassigning an unassigned task, changes nothing. Clients of the
        organization and staff only."""
        return await task_queue.assign(self.db, caller, task_id, user_id, write)

    # -------------------------------------------------------------------------- the holder's documents

    async def save_draft(
        self, caller: Caller, task_id: str, documents: Mapping[str, Any], write: Write = Write()
    ) -> TaskRecord:
        """The holder's work in progress (any of the batch's types; not validated yet); renews the
        lease."""
        return await submissions.save_draft(self.db, caller, task_id, documents, write)

    async def submit(
        self, caller: Caller, task_id: str, documents: Mapping[str, Any], write: Write = Write()
    ) -> list[AnnotationRecord]:
        """The holder submits one OpenLABEL document per annotation type of the batch for an
        `annotate` or `correct` task: each is validated (and checked against the project's
        taxonomy), stored as a new version, and the input moves on (`domain.after_task`): to a
        review task, or delivered. Answers the new versions."""
        return await submissions.submit(self.db, self.blobs, caller, task_id, documents, write)

    async def annotation_content(self, annotation_id: str) -> bytes:
        """The OpenLABEL document of an annotation version. No caller: whoever asks was given the
        version by an operation that checked them (a signed download URL is the permission)."""
        aid = parse_uuid("annotation", annotation_id)
        async with reading(self.db) as uow:
            version = await uow.annotation_versions.get_any_org(aid)
        if version is None:
            raise NotFound(f"annotation {annotation_id} not found", "annotation-not-found")
        return await self.blobs.read(version.blob_key)

    # -------------------------------------------------------------------------- reviews

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
        return await reviews.review(self.db, self.blobs, caller, task_id, accepted, feedback, write)

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
        return await reviews.client_review(
            self.db, self.blobs, caller, annotation_id, accepted, feedback, workflow, write
        )

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
        return await reviews.auto_review(self.db, self.blobs, caller, input_id, accepted, feedback, write)

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
