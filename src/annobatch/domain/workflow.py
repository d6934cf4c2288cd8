"""Workflows: the phases every input of a request goes through, and what follows a finished task.

An input is annotated (`annotate`, always first), reviewed internally zero or more times
(`review`), optionally checked by the client (`integration-review`, always last), and delivered.
A rejected review sends the input back to its phase's annotator (`correct`), then to review again.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from annobatch.domain.errors import InvalidInput

__all__ = [
    "DEFAULT_WORKFLOW",
    "ClientCorrection",
    "Next",
    "Phase",
    "TaskKind",
    "after_client_review",
    "after_task",
    "parse_workflow",
]


class Phase(enum.StrEnum):
    ANNOTATE = "annotate"
    REVIEW = "review"
    INTEGRATION_REVIEW = "integration-review"


class TaskKind(enum.StrEnum):
    ANNOTATE = "annotate"
    REVIEW = "review"
    CORRECT = "correct"


#: What a project has until staff choose otherwise: annotate, then one internal review.
DEFAULT_WORKFLOW: tuple[Phase, ...] = (Phase.ANNOTATE, Phase.REVIEW)


def parse_workflow(phases: Sequence[str]) -> tuple[Phase, ...]:
    """A workflow is `annotate` first and once, then any number of `review`s, then at most one
    `integration-review`, last."""
    parsed: list[Phase] = []
    for name in phases:
        try:
            parsed.append(Phase(name))
        except ValueError:
            allowed = ", ".join(p.value for p in Phase)
            raise InvalidInput(
                f"unknown workflow phase {name!r}: one of {allowed}", "invalid-workflow"
            ) from None
    if not parsed or parsed[0] is not Phase.ANNOTATE:
        raise InvalidInput("a workflow starts with the annotate phase", "invalid-workflow")
    if parsed.count(Phase.ANNOTATE) > 1:
        raise InvalidInput("a workflow has one annotate phase", "invalid-workflow")
    if Phase.INTEGRATION_REVIEW in parsed[:-1] or parsed.count(Phase.INTEGRATION_REVIEW) > 1:
        raise InvalidInput("integration-review can only be the last phase, once", "invalid-workflow")
    return tuple(parsed)


@dataclass(frozen=True, slots=True)
class Next:
    """What follows a finished task.

    - `task`: the kind of the next task and the index of its phase in the workflow; or
    - `deliver`: the annotation is delivered; `preliminary` while the client's integration review
      is pending (then no task follows: the client reviews), else the input is completed.
    """

    task: TaskKind | None = None
    phase: int = 0
    deliver: bool = False
    preliminary: bool = False

    @property
    def completes_input(self) -> bool:
        return self.deliver and not self.preliminary


def _enter(workflow: Sequence[Phase], phase: int) -> Next:
    """Entering phase `phase` (past the end: delivery)."""
    if phase >= len(workflow):
        return Next(deliver=True)
    if workflow[phase] is Phase.INTEGRATION_REVIEW:
        return Next(phase=phase, deliver=True, preliminary=True)
    return Next(task=TaskKind.REVIEW, phase=phase)


def after_task(workflow: Sequence[Phase], phase: int, kind: TaskKind, accepted: bool = True) -> Next:
    """What follows a finished task of `kind` in phase number `phase` of `workflow`.

    - A finished annotation enters the next phase.
    - An accepted review enters the next phase; a rejected one sends the input back to the
      phase's annotator as a `correct` task.
    - A finished correction of a review phase is reviewed again in that phase; a correction in
      the annotate phase (what a client's plain `correct` asks for) is delivered again.
    """
    if not 0 <= phase < len(workflow):
        raise ValueError(f"phase {phase} is not in a workflow of {len(workflow)} phases")
    if kind is TaskKind.ANNOTATE:
        return _enter(workflow, phase + 1)
    if kind is TaskKind.REVIEW:
        return _enter(workflow, phase + 1) if accepted else Next(task=TaskKind.CORRECT, phase=phase)
    if workflow[phase] is Phase.REVIEW:
        return Next(task=TaskKind.REVIEW, phase=phase)
    return _enter(workflow, len(workflow) - 1 if workflow[-1] is Phase.INTEGRATION_REVIEW else len(workflow))


class ClientCorrection(enum.StrEnum):
    """What a client's rejection asks for (`workflow` of `create_review`)."""

    CORRECT = "correct"
    CORRECT_REVIEW_LOOP = "correct-review-loop"


def after_client_review(
    workflow: Sequence[Phase], accepted: bool, correction: ClientCorrection | None = None
) -> Next:
    """What follows a client's review of a delivered annotation.

    - Accepted: the input is completed (the annotation is no longer preliminary).
    - Rejected with `correct`: a `correct` task; what it produces is delivered again.
    - Rejected with `correct-review-loop`: a `correct` task, then an internal review, then delivery.
    """
    if accepted:
        return Next(deliver=True)
    if correction is ClientCorrection.CORRECT_REVIEW_LOOP and Phase.REVIEW in workflow:
        review_phase = max(i for i, p in enumerate(workflow) if p is Phase.REVIEW)
        return Next(task=TaskKind.CORRECT, phase=review_phase)
    return Next(task=TaskKind.CORRECT, phase=0)
