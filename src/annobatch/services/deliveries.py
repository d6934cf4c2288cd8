"""What a client reads of the annotation work (the official client's `client.request`,
`client.input.get_request_input[s]`, `client.annotation` and `client.review` reads): requests with
their progress, request inputs with their workflow stage and current task, delivered annotations,
reviews and the error-type catalogue. Read-only: each operation is one read transaction.

## Who may read
The caller's organization only, and within it the workspace its credential is bound to (an input,
an annotation version and a review belong to the workspace of their scene): anything else is
404, as if it did not exist. Workforce credentials (`annotator`, `reviewer`) get 404 from every
read here: they read their work through the workforce API.

## Requests
A request is a batch. Its id is the batch's `requestUid`, `request_uid(batch.id)`: a uuid5 of the
batch id (the presenters use it too). Nothing new is stored to find a batch
by it: the uids of the organization's batches are computed (a few microseconds each) and
remembered in a bounded process-wide map uid → batch id. A uid not in the map makes them be
computed again only if the organization's batches have changed since (their count or highest id:
a batch made since, here or by another process), so an unknown uid costs one small query; the
batch found is then checked to be the caller's organization's. A project is named by its
external id or by its uuid, `project_uuid(project.id)`, a uuid5 of its id found the same way;
that uuid is what the official client calls the project id, so `requests` lists it as the
request's project id. Ids that are not uuids (request, input, scene, annotation, review, cursor)
are 400 naming them.

Progress counts (`with_counts`) count the inputs that take part in the work: neither invalidated
nor of a failed scene (an input whose scene is still processing is `not_started`), within the
caller's scope, by work status: one grouped query for all the project's requests.

## Request inputs
Those same inputs (invalidated and failed ones are left out of the listing; by id, any input of
the caller is found), a page at a time in (created, id) order: `after` is the `next_cursor` of the
previous page (`<created>_<id>`), `limit` at most `MAX_PAGE` (default 1000). Each comes with:
- `task`: its open task (todo or ongoing; of several, the newest), or None;
- `stage`: the workflow phase of that task, or, without one, of the input's `phase` (clamped to
  the workflow; the workflow is the batch's, else the project's), with stable uuids for the phase
  (per request and phase index) and its definition (per phase name), and the action (the open
  task's kind) when there is a task;
- `last_completed_annotation_id`: the id of the version `for_input` answers (below), or None;
- `available_for_integration_review`: the input is in an `integration-review` phase, not
  completed, with no open task (its delivered annotation awaits the client's review).
A page costs the same number of queries however long it is (besides finding the request: the
inputs, their open tasks, their current versions, the batch's types), never one per input.

## Annotations
Only delivered versions are ever answered (`delivered` set; preliminary ones included). A
`DeliveredAnnotation`'s `created` is when it was delivered (what the client sees as its creation);
`blob_key` is what a signed download URL names; `request_id` is its batch's requestUid.
- `annotation(id)`: any delivered version by its id, current or superseded.
- `for_input(input)`: an input has one current version per annotation type; the answer is the
  current version of the **first annotation type of the batch (in the batch's order) that has
  one**; when none of the batch's types has one (a type removed since), the current version of
  the type first in alphabetical order. 404 when the input has no delivered annotation.
- `for_scene(scene)`: the current versions of every input of the scene, every type, oldest
  delivery first (an empty list when none; 404 when the scene is not the caller's).
- `for_scene_and_type(scene, type)`: of the scene's inputs' current versions of that type, the
  one delivered last; 404 when none.
- `project_annotations(project, type, batch=None, after=None, limit)`: the project's current
  versions of one type (of one batch, if named) in annotation-id order, keyset-paginated:
  `after` is the id of the last annotation of the previous page (`next_cursor`), `limit` at
  most `MAX_ANNOTATION_PAGE` (default 1000). An unknown type answers an empty page.
- `content(annotation)`: the OpenLABEL blob's bytes.

## Reviews
`review(id)`: a review (internal or the client's) of the caller's input, with its feedback items
decoded and the catalogue's names of their error types; `auto_reviews(input)`: the reviews
automatic checks posted on it (the workforce API), 404 when the input is not the caller's;
`error_types()`: the catalogue.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from annobatch.domain import InputWork, NotFound, Phase, TaskKind, parse_integer, parse_workflow
from annobatch.domain.errors import InvalidInput
from annobatch.services.identity import Caller
from annobatch.services.lookups import load_batch, load_scene, parse_uuid
from annobatch.services.transactions import reading
from annobatch.storage.blobs import BlobStore, NoBlobStore
from annobatch.storage.database import Database
from annobatch.storage.queries.deliveries import InputCursor
from annobatch.storage.records import (
    BatchRecord,
    DeliveredRow,
    ErrorTypeRow,
    InputRecord,
    OpenTaskRow,
    ProjectRecord,
    ReviewRow,
)
from annobatch.storage.tables import DEFAULT_WORKFLOW_TEXT
from annobatch.storage.unit_of_work import UnitOfWork

__all__ = [
    "DEFAULT_PAGE",
    "MAX_ANNOTATION_PAGE",
    "MAX_PAGE",
    "AnnotationPage",
    "DeliveredAnnotation",
    "DeliveryService",
    "ProgressCounts",
    "RequestInputView",
    "RequestView",
    "ReviewDetail",
    "WorkflowStage",
    "project_uuid",
    "request_uid",
]

#: The namespace of the uuids derived from our integer ids.
ID_NAMESPACE = uuid.UUID("6f1f3c52-8c51-4a4e-9d0e-6a1bd8a3e0c1")

#: The largest page of request inputs (the official client's limit) and the default one.
MAX_PAGE = 5000
DEFAULT_PAGE = 1000
#: The largest page of a project's annotations.
MAX_ANNOTATION_PAGE = 5000

#: How many uid → id pairs a process remembers (cleared when full).
_REMEMBERED = 200_000


@functools.lru_cache(maxsize=65536)
def request_uid(batch_id: int) -> str:
    """A batch is what the official platform calls a request: a stable uid per batch. Remembered:
    a listing names the same few batches on every row, and a uuid5 costs ~9 µs."""
    return str(uuid.uuid5(ID_NAMESPACE, f"batch:{batch_id}"))


@functools.lru_cache(maxsize=65536)
def _project_uuid(pid: int) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"project:{pid}"))


def project_uuid(project: ProjectRecord | int) -> str:
    """A project's uuid, the project id the official client's `get_requests` takes."""
    return _project_uuid(project if isinstance(project, int) else project.id)


def _derived(kind: str, *parts: object) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, ":".join([kind, *map(str, parts)])))


# ------------------------------------------------------------------ what the reads answer


@dataclass(frozen=True, slots=True)
class ProgressCounts:
    """A request's inputs that take part in the work, by work status."""

    not_started: int = 0
    in_progress: int = 0
    completed: int = 0

    @property
    def total(self) -> int:
        return self.not_started + self.in_progress + self.completed

    @classmethod
    def of(cls, by_status: dict[str, int]) -> ProgressCounts:
        return cls(
            by_status.get(InputWork.NOT_STARTED.value, 0),
            by_status.get(InputWork.IN_PROGRESS.value, 0),
            by_status.get(InputWork.COMPLETED.value, 0),
        )


@dataclass(frozen=True, slots=True)
class RequestView:
    """A batch as the official client's request."""

    request_id: str  #: the batch's requestUid
    batch: BatchRecord
    project: ProjectRecord
    project_uuid: str
    counts: ProgressCounts | None  #: None unless asked for

    @property
    def title(self) -> str:
        return self.batch.title

    @property
    def created(self) -> int:
        return self.batch.created


@dataclass(frozen=True, slots=True)
class WorkflowStage:
    """Where an input is in its request's workflow: the phase (its index, name and stable ids) and,
    while a task is open, the action (the task's kind)."""

    phase_index: int
    phase: Phase  #: the phase definition's name: annotate, review or integration-review
    phase_id: str  #: unique to the request and phase index
    phase_definition_id: str  #: the same for every request using that kind of phase
    phase_label: str  #: "Annotate", "Review 1", "Review 2", "Integration review"
    action: TaskKind | None
    action_id: str | None

    @property
    def name(self) -> str:
        """ "Review 1: Correct"; the phase's label alone when no action is under way."""
        if self.action is None:
            return self.phase_label
        return f"{self.phase_label}: {self.action.value.capitalize()}"


@dataclass(frozen=True, slots=True)
class RequestInputView:
    """An input of a request with its work status and workflow progress."""

    input: InputRecord
    request_id: str
    workflow: tuple[Phase, ...]
    stage: WorkflowStage
    task: OpenTaskRow | None
    last_completed_annotation_id: str | None
    available_for_integration_review: bool

    @property
    def id(self) -> str:
        return self.input.id

    @property
    def scene_id(self) -> str:
        return self.input.scene_id

    @property
    def status(self) -> str:
        """not_started, in_progress or completed."""
        return self.input.work_status

    @property
    def created_at(self) -> int:
        return self.input.created

    @property
    def last_updated_at(self) -> int:
        return max(self.input.created, self.input.work_updated or 0)

    @property
    def completed_at(self) -> int | None:
        """Only while completed (it goes again when a client's rejection reopens the input)."""
        return self.input.completed if self.input.work_status == InputWork.COMPLETED.value else None

    @property
    def task_is_ongoing(self) -> bool:
        return self.task is not None and self.task.status == "ongoing"

    @property
    def task_assigned_user_id(self) -> int | None:
        """Who the task is for: its holder while ongoing, else its assignee."""
        if self.task is None:
            return None
        return (
            self.task.holder if self.task_is_ongoing and self.task.holder is not None else self.task.assignee
        )


@dataclass(frozen=True, slots=True)
class DeliveredAnnotation:
    """A delivered annotation version, with its request's id."""

    row: DeliveredRow
    request_id: str  #: the batch's requestUid

    @property
    def id(self) -> str:
        return self.row.id

    @property
    def input_id(self) -> str:
        return self.row.input_id

    @property
    def scene_id(self) -> str:
        return self.row.scene_id

    @property
    def annotation_type(self) -> str:
        return self.row.annotation_type

    @property
    def created(self) -> int:
        """When the version was delivered to the client: its creation as the client sees it."""
        return self.row.delivered

    @property
    def is_preliminary(self) -> bool:
        return self.row.preliminary

    @property
    def blob_key(self) -> str:
        return self.row.blob_key


@dataclass(frozen=True, slots=True)
class AnnotationPage:
    items: list[DeliveredAnnotation]
    next_cursor: str | None  #: the `after` of the next page; None at the end


@dataclass(frozen=True, slots=True)
class ReviewDetail:
    review: ReviewRow
    feedback: list[dict[str, Any]]  #: the feedback items as stored
    error_type_names: dict[str, str]  #: error type id → name, of the whole catalogue
    phase_id: str  #: the same id the request input's stage names for that phase


# ------------------------------------------------------------------ the service


class DeliveryService:
    """The client's reads of the annotation work."""

    def __init__(self, db: Database, blobs: BlobStore | None = None) -> None:
        self.db = db
        self.blobs = blobs or NoBlobStore()

    # -------------------------------------------------------------- requests

    async def requests(self, caller: Caller, project_id: str, with_counts: bool = False) -> list[RequestView]:
        """The project's requests (one per batch, oldest first), with their progress counts
        when asked for. `project_id`: the project's external id or its uuid."""
        _client_only(caller, f"project {project_id}")
        async with reading(self.db) as uow:
            project = await _project(uow, caller, project_id)
            batches = await uow.batches.of(project.id)
            counts = await uow.deliveries.progress_counts(caller.scope, project.id) if with_counts else None
        puid = project_uuid(project.id)
        return [
            RequestView(
                request_uid(b.id),
                b,
                project,
                puid,
                None if counts is None else ProgressCounts.of(counts.get(b.id, {})),
            )
            for b in batches
        ]

    async def request_inputs(
        self,
        caller: Caller,
        request_id: str,
        scene_id: str | None = None,
        after: str | None = None,
        limit: int = DEFAULT_PAGE,
    ) -> tuple[list[RequestInputView], str | None]:
        """A page of the request's inputs and the cursor of the next page (None at the end)."""
        _client_only(caller, f"request {request_id}")
        cursor = _decode_cursor(after)
        limit = max(1, min(limit, MAX_PAGE))
        sid = None if scene_id is None else parse_uuid("scene", scene_id)
        async with reading(self.db) as uow:
            batch = await _request(uow, caller, request_id)
            project = await uow.projects.by_id(batch.project_id)
            rows = await uow.deliveries.request_inputs(caller.scope, batch.id, sid, cursor, limit + 1)
            more = len(rows) > limit
            rows = rows[:limit]
            views = await _input_views(uow, project, batch, rows)
        return views, (f"{rows[-1].created}_{rows[-1].id}" if more else None)

    async def request_input(self, caller: Caller, input_id: str) -> RequestInputView:
        """One input of the caller's, whatever its status."""
        _client_only(caller, f"request input {input_id}")
        iid = parse_uuid("input", input_id)
        async with reading(self.db) as uow:
            found = await _input(uow, caller, iid)
            batch = await uow.deliveries.batch(caller.org, found.batch_id)
            assert batch is not None
            project = await uow.projects.by_id(batch.project_id)
            (view,) = await _input_views(uow, project, batch, [found])
        return view

    # -------------------------------------------------------------- annotations

    async def annotation(self, caller: Caller, annotation_id: str) -> DeliveredAnnotation:
        """A delivered version by id: current or superseded, preliminary or not."""
        _client_only(caller, f"annotation {annotation_id}")
        aid = parse_uuid("annotation", annotation_id)
        async with reading(self.db) as uow:
            row = await uow.deliveries.delivered(caller.scope, aid)
        if row is None:
            raise NotFound(f"annotation {annotation_id} not found", "annotation-not-found")
        return DeliveredAnnotation(row, request_uid(row.batch_id))

    async def for_input(self, caller: Caller, input_id: str) -> DeliveredAnnotation:
        """The input's current version of the first annotation type of its batch that has one."""
        _client_only(caller, f"input {input_id}")
        iid = parse_uuid("input", input_id)
        async with reading(self.db) as uow:
            found = await _input(uow, caller, iid)
            types = await uow.batches.types(found.batch_id)
            current = await uow.deliveries.current_of_inputs([iid])
        chosen = _first_by_type(current, types)
        if chosen is None:
            raise NotFound(f"input {input_id} has no delivered annotation", "annotation-not-found")
        return DeliveredAnnotation(chosen, request_uid(chosen.batch_id))

    async def for_scene(self, caller: Caller, scene_id: str) -> list[DeliveredAnnotation]:
        """The current versions of every input of the scene (every annotation type)."""
        _client_only(caller, f"scene {scene_id}")
        async with reading(self.db) as uow:
            scene = await load_scene(uow, caller, scene_id)
            rows = await uow.deliveries.current_of_scene(caller.scope, scene.id)
        return [DeliveredAnnotation(r, request_uid(r.batch_id)) for r in rows]

    async def for_scene_and_type(
        self, caller: Caller, scene_id: str, annotation_type: str
    ) -> DeliveredAnnotation:
        """Of the scene's current versions of that type, the one delivered last."""
        _client_only(caller, f"scene {scene_id}")
        async with reading(self.db) as uow:
            scene = await load_scene(uow, caller, scene_id)
            rows = await uow.deliveries.current_of_scene(caller.scope, scene.id, annotation_type)
        if not rows:
            raise NotFound(
                f"scene {scene_id} has no delivered annotation of type {annotation_type}",
                "annotation-not-found",
            )
        return DeliveredAnnotation(rows[-1], request_uid(rows[-1].batch_id))

    async def project_annotations(
        self,
        caller: Caller,
        project: str,
        annotation_type: str,
        batch: str | None = None,
        after: str | None = None,
        limit: int = DEFAULT_PAGE,
    ) -> AnnotationPage:
        """A page of the project's current versions of one type (of one batch), in id order."""
        _client_only(caller, f"project {project}")
        cursor = None if after is None or after == "" else _annotation_cursor(after)
        limit = max(1, min(limit, MAX_ANNOTATION_PAGE))
        async with reading(self.db) as uow:
            p = await _project(uow, caller, project)
            b = None if batch is None else await load_batch(uow, p, batch)
            rows = await uow.deliveries.project_page(
                caller.scope, p.id, annotation_type, None if b is None else b.id, cursor, limit + 1
            )
        more = len(rows) > limit
        rows = rows[:limit]
        items = [DeliveredAnnotation(r, request_uid(r.batch_id)) for r in rows]
        return AnnotationPage(items, rows[-1].id if more else None)

    async def content(self, annotation: DeliveredAnnotation | DeliveredRow) -> bytes:
        """The OpenLABEL document of a version found by one of the reads above."""
        return await self.blobs.read(annotation.blob_key)

    # -------------------------------------------------------------- reviews

    async def review(self, caller: Caller, review_id: str) -> ReviewDetail:
        _client_only(caller, f"review {review_id}")
        rid = parse_uuid("review", review_id)
        async with reading(self.db) as uow:
            found = await uow.deliveries.review(caller.scope, rid)
            if found is None:
                raise NotFound(f"review {review_id} not found", "review-not-found")
            of_input = await uow.inputs.get(caller.scope, found.input_id)
            catalogue = await uow.deliveries.error_types()
        assert of_input is not None
        feedback = msgspec.json.decode(found.feedback) if found.feedback else []
        return ReviewDetail(
            found,
            feedback if isinstance(feedback, list) else [],
            {e.id: e.name for e in catalogue},
            _derived("phase", of_input.batch_id, found.phase),
        )

    async def auto_reviews(self, caller: Caller, input_id: str) -> list[ReviewDetail]:
        """The reviews automatic checks posted on an input of the caller's (through the workforce
        API), oldest first."""
        _client_only(caller, f"request input {input_id}")
        iid = parse_uuid("input", input_id)
        async with reading(self.db) as uow:
            of_input = await _input(uow, caller, iid)
            found = await uow.annotation_versions.auto_reviews(iid)
            catalogue = await uow.deliveries.error_types()
        names = {e.id: e.name for e in catalogue}
        out = []
        for r in found:
            feedback = msgspec.json.decode(r.feedback) if r.feedback else []
            row = ReviewRow(
                r.id, r.organization_id, r.project_id, r.input_id, r.task_id, r.annotation_id, r.phase,
                r.accepted, r.workflow, r.feedback, r.actor, r.created,
            )  # fmt: skip
            out.append(
                ReviewDetail(
                    row,
                    feedback if isinstance(feedback, list) else [],
                    names,
                    _derived("phase", of_input.batch_id, r.phase),
                )
            )
        return out

    async def error_types(self, caller: Caller | None = None) -> list[ErrorTypeRow]:
        """The installation's catalogue of review error types, in its order."""
        if caller is not None:
            _client_only(caller, "error types")
        async with reading(self.db) as uow:
            return await uow.deliveries.error_types()


# ------------------------------------------------------------------ helpers


def _client_only(caller: Caller, what: str) -> None:
    """The client's reads are not the workforce's: 404, as if nothing were there."""
    if caller.is_workforce:
        raise NotFound(f"{what} not found", "not-found")


class _UuidIndex:
    """uuid → integer id of one kind of row (batches, projects), for uuids derived from the ids.

    A uuid not known yet makes the organization's rows be derived (and remembered); they are
    derived again only when the organization's census of them (how many, the highest id) has
    changed since, so an unknown uuid costs one small query, not a derivation of every row. What is
    found here is an id only: the caller checks the row is its organization's."""

    def __init__(self, derive: Callable[[int], str]) -> None:
        self.derive = derive
        self.ids: dict[str, int] = {}
        self.census: dict[int, tuple[int, int]] = {}

    async def find(
        self,
        key: str,
        org: int,
        census: Callable[[], Awaitable[tuple[int, int]]],
        every_id: Callable[[], Awaitable[list[int]]],
    ) -> int | None:
        found = self.ids.get(key)
        if found is not None:
            return found
        now = await census()
        if self.census.get(org) == now:
            return None
        ids = await every_id()
        if len(self.ids) + len(ids) > _REMEMBERED:
            self.ids.clear()
            self.census.clear()
        for i in ids:
            self.ids[self.derive(i)] = i
        self.census[org] = now
        return self.ids.get(key)


_BATCH_OF_UID = _UuidIndex(request_uid)
_PROJECT_OF_UUID = _UuidIndex(project_uuid)


async def _project(uow: UnitOfWork, caller: Caller, project_id: str) -> ProjectRecord:
    """A project of the caller's organization by its external id, or else by its uuid."""
    found = await uow.projects.get(caller.org, project_id) if len(project_id) <= 128 else None
    if found is not None:
        return found
    key = _normal_uuid(project_id)
    if key is not None:
        q = uow.deliveries
        pid = await _PROJECT_OF_UUID.find(
            key, caller.org, lambda: q.project_census(caller.org), lambda: q.project_ids(caller.org)
        )
        if pid is not None:
            p = await uow.projects.by_id(pid)
            if p.organization_id == caller.org:
                return p
    raise NotFound(f"project {project_id} not found", "project-not-found")


async def request_target(uow: UnitOfWork, caller: Caller, request_id: str) -> tuple[str, str]:
    """The project and batch (external ids) of a request of the caller's organization: where
    `POST /v2/inputs` with a `requestUuid` places its input. 404 for another's."""
    _client_only(caller, f"request {request_id}")
    batch = await _request(uow, caller, request_id)
    project = await uow.projects.by_id(batch.project_id)
    return project.external_id, batch.external_id


async def _request(uow: UnitOfWork, caller: Caller, request_id: str) -> BatchRecord:
    """The batch whose requestUid this is, if it is the caller's organization's."""
    key = _normal_uuid(request_id)
    if key is None:
        raise InvalidInput(f"invalid request id {request_id!r}: a uuid", "invalid-id")
    q = uow.deliveries
    bid = await _BATCH_OF_UID.find(
        key, caller.org, lambda: q.batch_census(caller.org), lambda: q.batch_ids(caller.org)
    )
    batch = None if bid is None else await q.batch(caller.org, bid)
    if batch is None:
        raise NotFound(f"request {request_id} not found", "request-not-found")
    return batch


async def _input(uow: UnitOfWork, caller: Caller, input_id: str) -> InputRecord:
    found = await uow.inputs.get(caller.scope, input_id)
    if found is None:
        raise NotFound(f"input {input_id} not found", "input-not-found")
    return found


def _normal_uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        return None


def _decode_cursor(value: str | None) -> InputCursor | None:
    if value is None or value == "":
        return None
    created, _, input_id = value.partition("_")
    if not input_id:
        raise InvalidInput(f"invalid cursor {value!r}: use the cursor of the previous page", "invalid-cursor")
    return InputCursor(parse_integer(created, "cursorId", minimum=0, code="invalid-cursor"), input_id)


def _annotation_cursor(value: str) -> str:
    key = _normal_uuid(value)
    if key is None:
        raise InvalidInput(f"invalid cursor {value!r}: use the cursor of the previous page", "invalid-cursor")
    return key


def _workflow(project: ProjectRecord, batch: BatchRecord) -> tuple[Phase, ...]:
    text = batch.workflow or project.workflow or DEFAULT_WORKFLOW_TEXT
    return parse_workflow([p.strip() for p in text.split(",") if p.strip()])


def _first_by_type(current: list[DeliveredRow], types: list[str]) -> DeliveredRow | None:
    """Of one input's current versions, the one of the batch's first type that has one; else the
    one of the type first in alphabetical order."""
    if not current:
        return None
    by_type = {r.annotation_type: r for r in current}
    for a in types:
        if a in by_type:
            return by_type[a]
    return by_type[min(by_type)]


def _phase_label(workflow: tuple[Phase, ...], index: int) -> str:
    phase = workflow[index]
    if phase is Phase.REVIEW:
        return f"Review {sum(1 for p in workflow[: index + 1] if p is Phase.REVIEW)}"
    if phase is Phase.INTEGRATION_REVIEW:
        return "Integration review"
    return "Annotate"


def _stage(batch_id: int, workflow: tuple[Phase, ...], phase: int, task: OpenTaskRow | None) -> WorkflowStage:
    index = min(max(task.phase if task is not None else phase, 0), len(workflow) - 1)
    action = None if task is None else TaskKind(task.kind)
    return WorkflowStage(
        phase_index=index,
        phase=workflow[index],
        phase_id=_derived("phase", batch_id, index),
        phase_definition_id=_derived("phase-definition", workflow[index].value),
        phase_label=_phase_label(workflow, index),
        action=action,
        action_id=None if action is None else _derived("action", batch_id, index, action.value),
    )


async def _input_views(
    uow: UnitOfWork, project: ProjectRecord, batch: BatchRecord, rows: list[InputRecord]
) -> list[RequestInputView]:
    """The inputs (of one batch) with their open task, stage and last delivered version: three
    queries for the whole list."""
    if not rows:
        return []
    workflow = _workflow(project, batch)
    types = await uow.batches.types(batch.id)
    ids = [r.id for r in rows]
    tasks = await uow.deliveries.open_tasks(ids)
    current: dict[str, list[DeliveredRow]] = {}
    for v in await uow.deliveries.current_of_inputs(ids):
        current.setdefault(v.input_id, []).append(v)
    rid = request_uid(batch.id)
    views = []
    for r in rows:
        task = tasks.get(r.id)
        stage = _stage(batch.id, workflow, r.phase, task)
        last = _first_by_type(current.get(r.id, []), types)
        awaiting = (
            stage.phase is Phase.INTEGRATION_REVIEW
            and task is None
            and r.work_status != InputWork.COMPLETED.value
            and last is not None
        )
        views.append(
            RequestInputView(r, rid, workflow, stage, task, None if last is None else last.id, awaiting)
        )
    return views
