"""An input of a request, with where it is in the workflow."""

from annobatch.schemas import (
    CurrentTask,
    InputProgressDetails,
    PhaseAction,
    PhaseDefinition,
    RequestInput,
    WorkflowStage,
)
from annobatch.schemas import WorkflowPhase as Phase

__all__ = [
    "CurrentTask",
    "InputProgressDetails",
    "Phase",
    "PhaseAction",
    "PhaseDefinition",
    "RequestInput",
    "WorkflowStage",
]
