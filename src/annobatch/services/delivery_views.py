"""What the client's reads of the annotation work answer (`services.deliveries`): requests with
their progress, request inputs with their workflow stage and task, delivered annotations, pages of
them, and reviews."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from annobatch.domain import InputWork, Phase, TaskKind
from annobatch.storage.records import (
    BatchRecord,
    DeliveredRow,
    InputRecord,
    OpenTaskRow,
    ProjectRecord,
    ReviewRow,
)

__all__ = [
    "AnnotationPage",
    "DeliveredAnnotation",
    "ProgressCounts",
    "RequestInputView",
    "RequestView",
    "ReviewDetail",
    "WorkflowStage",
]


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
