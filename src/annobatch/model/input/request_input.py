"""An input of a request, with where it is in the workflow."""

from enum import StrEnum

from annobatch.schemas import (
    CurrentTask,
    InputProgressDetails,
    PhaseAction,
    PhaseDefinition,
    RequestInput,
    WorkflowStage,
)
from annobatch.schemas import WorkflowPhase as Phase


class RequestInputStatus(StrEnum):
    """Where a request input is in its workflow."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class TaskType(StrEnum):
    """The kinds of task of a workflow."""

    ANNOTATE = "annotate"
    CORRECT = "correct"
    REVIEW = "review"


__all__ = [
    "CurrentTask",
    "InputProgressDetails",
    "Phase",
    "PhaseAction",
    "PhaseDefinition",
    "RequestInput",
    "RequestInputStatus",
    "TaskType",
    "WorkflowStage",
]
