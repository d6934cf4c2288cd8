"""What the workforce's pages show: a member's work (the tasks they hold or are assigned, and what
waits for them in each of their projects), and a task laid out for the editor or the review page
(its frames and images, the documents it starts from, the feedback it answers, the error types).

The operations themselves (claim, save, submit, give up, review) are `WorkService`'s, the same the
workforce API calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from annobatch import domain
from annobatch.domain import TaskKind
from annobatch.services.identity import Caller
from annobatch.services.scene_views import FrameView, SceneViewService, frames_of
from annobatch.services.transactions import reading
from annobatch.services.work import TaskDetail, WorkService
from annobatch.storage.blobs import BlobStore
from annobatch.storage.database import Database
from annobatch.storage.queries.tasks import ClaimFilter
from annobatch.storage.records import ErrorTypeRecord, ProjectRecord, TaskListing, WaitingWork

#: At most this many of a member's own tasks are listed.
MY_TASKS = 200


@dataclass(frozen=True, slots=True)
class ProjectWork:
    """A project of the member's, and what waits in it for them, per task kind."""

    project: ProjectRecord
    waiting: list[WaitingWork]

    @property
    def total(self) -> int:
        return sum(w.waiting for w in self.waiting)


@dataclass(frozen=True, slots=True)
class MyWork:
    #: the tasks the member holds (ongoing) or is assigned (todo), oldest first
    tasks: list[TaskListing]
    projects: list[ProjectWork]
    #: the kinds of task the member may claim
    kinds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WorkBench:
    """A task as the editor and the review page lay it out."""

    detail: TaskDetail
    frames: list[FrameView]
    #: the first frame's images' sizes (the editor reads the others' from the images themselves)
    image_sizes: dict[int, tuple[int, int]]
    #: annotation type → the OpenLABEL document shown: the editor's starting point (the draft, else
    #: the latest versions for a correction, else the pre-annotation), the reviewed one for a review
    documents: dict[str, Any]
    #: the feedback items of the review a correction answers
    feedback: list[dict[str, Any]]
    error_types: list[ErrorTypeRecord]
    #: whether the caller holds the task (may save, submit or review it)
    holding: bool


class WorkPageService:
    def __init__(self, db: Database, blobs: BlobStore, work: WorkService, scenes: SceneViewService) -> None:
        self.db, self.blobs, self.work, self.scenes = db, blobs, work, scenes

    async def my_work(self, caller: Caller) -> MyWork:
        """The member's tasks and, per project of theirs, how many tasks they could claim."""
        kinds = tuple(k.value for k in domain.claimable_kinds(caller.role, None))
        f = ClaimFilter(caller.org, caller.user_id, caller.is_workforce, caller.is_staff, kinds)
        async with reading(self.db) as uow:
            tasks = await uow.tasks.held_by(caller.org, caller.user_id, MY_TASKS)
            waiting = await uow.tasks.waiting(f)
            projects = await uow.projects.of(caller.org)
            if caller.is_workforce:
                mine = set(await uow.workforce.projects_of(caller.user_id))
                projects = [p for p in projects if p.id in mine]
        return MyWork(
            tasks,
            [ProjectWork(p, [w for w in waiting if w.project_id == p.id]) for p in projects],
            kinds,
        )

    async def bench(self, caller: Caller, task_id: str) -> WorkBench:
        """The task (NotFound unless the caller may see it) laid out for its page."""
        detail = await self.work.task(caller, task_id)
        documents = dict(detail.draft or {})
        if detail.task.kind == TaskKind.REVIEW or (detail.task.kind == TaskKind.CORRECT and not documents):
            for atype, version in detail.versions.items():
                documents[atype] = msgspec.json.decode(await self.blobs.read(version.blob_key))
        feedback: list[dict[str, Any]] = []
        if detail.review is not None and detail.review.feedback:
            feedback = msgspec.json.decode(detail.review.feedback)
        async with reading(self.db) as uow:
            error_types = await uow.workforce.error_types()
        frames = frames_of(detail.scene, detail.resources)
        return WorkBench(
            detail=detail,
            frames=frames,
            image_sizes=await self.scenes.image_sizes(frames[0].images if frames else []),
            documents=documents,
            feedback=feedback,
            error_types=error_types,
            holding=detail.task.status == domain.TaskStatus.ONGOING and detail.task.holder == caller.user_id,
        )
