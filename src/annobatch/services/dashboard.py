"""What the dashboard's client pages show, each read in one transaction: the organization's projects
at a glance, a project with its batches' progress and its newest audit log entries, and a batch's
inputs page by page with filters. Reads only: every change goes through the services the API
uses. Tenancy as everywhere: another organization's project or batch is not found."""

from __future__ import annotations

from dataclasses import dataclass, field

from annobatch import domain
from annobatch.domain import InputWork, InvalidInput, Phase, parse_integer
from annobatch.services.identity import Caller
from annobatch.services.lookups import load_batch, load_project
from annobatch.services.transactions import reading
from annobatch.services.workforce import workflow_of
from annobatch.storage.database import Database
from annobatch.storage.queries.dashboard import InputFilter
from annobatch.storage.records import (
    BatchRecord,
    CredentialRecord,
    DashboardInputRow,
    EventRecord,
    ProjectRecord,
    TaskRecord,
    now_micros,
)

#: Inputs per page of a batch, and the most one page may ask for.
INPUT_PAGE = 50
MAX_INPUT_PAGE = 500
#: Batches per page of a project.
BATCH_PAGE = 100
#: Audit log entries beside a project.
NEWEST_EVENTS = 40
FAILED = "failed"
INVALIDATED = "invalidated"
#: The words an input's place may be filtered by, in the order they are shown.
INPUT_PLACES = (
    InputWork.NOT_STARTED.value,
    InputWork.IN_PROGRESS.value,
    InputWork.COMPLETED.value,
    FAILED,
    INVALIDATED,
)


@dataclass(frozen=True, slots=True)
class Progress:
    """Inputs counted by where they are; `invalidated` ones are out of the work (and the bar)."""

    not_started: int = 0
    in_progress: int = 0
    completed: int = 0
    failed: int = 0
    invalidated: int = 0

    @classmethod
    def of(cls, counts: dict[str, int]) -> Progress:
        return cls(*(counts.get(word, 0) for word in INPUT_PLACES))

    @property
    def total(self) -> int:
        return self.not_started + self.in_progress + self.completed + self.failed

    def parts(self) -> list[tuple[str, int, str]]:
        """The bar's segments: (label, count, css class)."""
        return [
            ("completed", self.completed, "done"),
            ("in progress", self.in_progress, "doing"),
            ("not started", self.not_started, "todo"),
            ("failed", self.failed, "failed"),
        ]

    def __add__(self, other: Progress) -> Progress:
        return Progress(
            self.not_started + other.not_started,
            self.in_progress + other.in_progress,
            self.completed + other.completed,
            self.failed + other.failed,
            self.invalidated + other.invalidated,
        )


@dataclass(frozen=True, slots=True)
class ProjectSummary:
    project: ProjectRecord
    batches: dict[str, int]  #: batch status → count
    inputs: Progress


@dataclass(frozen=True, slots=True)
class BatchSummary:
    batch: BatchRecord
    annotation_types: list[str]
    inputs: Progress


@dataclass(frozen=True, slots=True)
class ProjectOverview:
    project: ProjectRecord
    annotation_types: list[str]  #: the project's defaults (what its first batch inherits)
    workflow: tuple[Phase, ...]
    batches: list[BatchSummary]  #: a page of them, newest first
    events: list[EventRecord]  #: newest first
    inputs: Progress  #: of every batch
    batch_count: int = 0
    next_cursor: str | None = None  #: of the next (older) page of batches


@dataclass(frozen=True, slots=True)
class InputQuery:
    """A batch page's filters and cursor, as typed in the page's form (checked here)."""

    where: str = ""
    scene_type: str = ""
    with_error: bool = False
    phase: str = ""
    cursor: str = ""
    limit: int = INPUT_PAGE


@dataclass(frozen=True, slots=True)
class BatchInputs:
    project: ProjectRecord
    batch: BatchRecord
    annotation_types: list[str]
    workflow: tuple[Phase, ...]
    inputs: Progress
    rows: list[DashboardInputRow]
    #: input id → its current delivered annotations: (annotation id, type, preliminary)
    delivered: dict[str, list[tuple[str, str, bool]]] = field(default_factory=dict)
    next_cursor: str | None = None

    def stage(self, row: DashboardInputRow) -> str:
        """The input's workflow stage in words ("Annotate", "Review 1", …; "Delivered" when done)."""
        if row.status == FAILED or row.status.startswith(INVALIDATED):
            return "—"
        if row.work_status == InputWork.COMPLETED.value:
            return "Delivered"
        return phase_label(self.workflow, row.phase)


@dataclass(frozen=True, slots=True)
class TaskQueue:
    """The organization's task queue: tasks by status, the ones held (and which of them are
    past their lease, waiting for the sweep to return them), the ones waiting."""

    counts: dict[str, int]
    ongoing: list[TaskRecord]
    todo: list[TaskRecord]
    stuck: set[str]  #: ids of held tasks past their lease
    members: dict[int, CredentialRecord]  #: user id → their credential
    projects: dict[int, str]  #: project id → external id


@dataclass(frozen=True, slots=True)
class ProjectSettings:
    """What staff set on a project: its workforce (and who else could join it) and workflows."""

    project: ProjectRecord
    members: list[CredentialRecord]
    workforce: list[CredentialRecord]  #: the organization's workforce credentials
    batches: list[BatchRecord]


def phase_label(workflow: tuple[Phase, ...], index: int) -> str:
    index = min(max(index, 0), len(workflow) - 1)
    phase = workflow[index]
    if phase is Phase.REVIEW:
        return f"Review {sum(1 for p in workflow[: index + 1] if p is Phase.REVIEW)}"
    return "Integration review" if phase is Phase.INTEGRATION_REVIEW else "Annotate"


class DashboardService:
    """The client pages' reads."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def projects(self, caller: Caller) -> list[ProjectSummary]:
        """The organization's projects, each with its batches by status and inputs by place."""
        async with reading(self.db) as uow:
            projects = await uow.projects.of(caller.org)
            batches = await uow.dashboard.batches_by_project(caller.scope)
            inputs = await uow.dashboard.inputs_by_project(caller.scope)
        return [ProjectSummary(p, batches.get(p.id, {}), Progress.of(inputs.get(p.id, {}))) for p in projects]

    async def project(self, caller: Caller, project: str, cursor: str = "") -> ProjectOverview:
        """The project, a page of its batches (newest first, before the cursor) with their
        progress, and its newest audit log entries."""
        before = _batch_cursor(cursor)
        async with reading(self.db) as uow:
            p = await load_project(uow, caller, project)
            count, batches = await uow.dashboard.batch_page(p.id, before, BATCH_PAGE + 1)
            counts = await uow.dashboard.inputs_by_batch(caller.scope, p.id)
            types = await uow.batches.types_by_batch([b.id for b in batches])
            defaults = await uow.projects.default_types(p.id)
            events = await uow.dashboard.newest_events(caller.scope, p.id, NEWEST_EVENTS)
        more = len(batches) > BATCH_PAGE
        batches = batches[:BATCH_PAGE]
        summaries = [BatchSummary(b, types.get(b.id, []), Progress.of(counts.get(b.id, {}))) for b in batches]
        total = sum((Progress.of(c) for c in counts.values()), Progress())
        workflow = domain.parse_workflow(p.workflow.split(","))
        next_cursor = f"{batches[-1].created}_{batches[-1].id}" if more else None
        return ProjectOverview(p, defaults, workflow, summaries, events, total, count, next_cursor)

    async def batch(self, caller: Caller, project: str, batch: str, query: InputQuery) -> BatchInputs:
        """A page of the batch's inputs (oldest first, after the cursor) with the filters."""
        limit = max(1, min(query.limit, MAX_INPUT_PAGE))
        async with reading(self.db) as uow:
            p = await load_project(uow, caller, project)
            b = await load_batch(uow, p, batch)
            workflow = workflow_of(p, b)
            f = _filter(query, workflow)
            rows = await uow.dashboard.input_page(caller.scope, b.id, f, limit + 1)
            more = len(rows) > limit
            rows = rows[:limit]
            delivered = await uow.dashboard.delivered([r.id for r in rows])
            counts = await uow.dashboard.inputs_of_batch(caller.scope, b.id)
            types = await uow.batches.types(b.id)
        cursor = f"{rows[-1].created}_{rows[-1].id}" if more else None
        return BatchInputs(p, b, types, workflow, Progress.of(counts), rows, delivered, cursor)

    async def project_settings(self, caller: Caller, project: str) -> ProjectSettings:
        caller.require_staff("set a project's workforce and workflows")
        async with reading(self.db) as uow:
            p = await load_project(uow, caller, project)
            members = await uow.workforce.members(caller.org, p.id)
            workforce = await uow.workforce.of_org(caller.org)
            batches = await uow.batches.of(p.id)
        return ProjectSettings(p, members, workforce, batches)

    async def task_queue(self, caller: Caller, lease_seconds: int, limit: int = 200) -> TaskQueue:
        """Staff's view of the task queue (`TaskQueue`): the oldest `limit` held and waiting."""
        caller.require_staff("see the task queue")
        cutoff = now_micros() - lease_seconds * 1_000_000
        async with reading(self.db) as uow:
            counts = await uow.dashboard.tasks_by_status(caller.org)
            ongoing = await uow.tasks.page(caller.org, status="ongoing", limit=limit)
            todo = await uow.tasks.page(caller.org, status="todo", limit=limit)
            members = {c.user_id: c for c in await uow.workforce.of_org(caller.org)}
            projects = {p.id: p.external_id for p in await uow.projects.of(caller.org)}
        stuck = {t.id for t in ongoing if (t.touched or t.created) < cutoff}
        return TaskQueue(counts, ongoing, todo, stuck, members, projects)


def _filter(query: InputQuery, workflow: tuple[Phase, ...]) -> InputFilter:
    """The page's filters, checked: a bad one is refused with what it may be."""
    where = query.where or None
    if where is not None and where not in INPUT_PLACES:
        places = ", ".join(INPUT_PLACES)
        raise InvalidInput(f"unknown input status {where!r}: one of {places}", "invalid-filter")
    scene_type = query.scene_type or None
    if scene_type is not None:
        known = {t.wire_name: t.value for t in domain.SceneType}
        if scene_type not in known and scene_type not in known.values():
            raise InvalidInput(f"unknown scene type {scene_type!r}", "invalid-filter")
        scene_type = known.get(scene_type, scene_type)
    phase = None
    if query.phase:
        phase = parse_integer(query.phase, "workflow stage", minimum=0, maximum=len(workflow) - 1)
    return InputFilter(where, scene_type, query.with_error, phase, _cursor(query.cursor))


def _batch_cursor(value: str) -> tuple[int, int] | None:
    if not value:
        return None
    created, _, batch_id = value.partition("_")
    return (
        parse_integer(created, "cursor", minimum=0, code="invalid-cursor"),
        parse_integer(batch_id, "cursor", minimum=0, code="invalid-cursor"),
    )


def _cursor(value: str) -> tuple[int, str] | None:
    if not value:
        return None
    created, _, input_id = value.partition("_")
    if not input_id:
        raise InvalidInput(f"invalid cursor {value!r}: follow the page's own links", "invalid-cursor")
    return parse_integer(created, "cursor", minimum=0, code="invalid-cursor"), input_id
