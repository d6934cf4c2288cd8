"""Workflows and tasks, table-driven: what follows each finished task, which moves a task may make,
and how a batch follows its inputs."""

from __future__ import annotations

import pytest

from annobatch import domain
from annobatch.domain import (
    BatchStatus,
    ClientCorrection,
    Conflict,
    Forbidden,
    InvalidInput,
    Next,
    Phase,
    TaskKind,
    TaskStatus,
)

A, R, IR = Phase.ANNOTATE, Phase.REVIEW, Phase.INTEGRATION_REVIEW
K = TaskKind


@pytest.mark.parametrize(
    ("phases", "parsed"),
    [
        (["annotate"], (A,)),
        (["annotate", "review"], (A, R)),
        (["annotate", "review", "review"], (A, R, R)),
        (["annotate", "integration-review"], (A, IR)),
        (["annotate", "review", "integration-review"], (A, R, IR)),
    ],
)
def test_a_workflow_is_annotate_then_reviews_then_at_most_one_integration_review(
    phases: list[str], parsed: tuple[Phase, ...]
) -> None:
    assert domain.parse_workflow(phases) == parsed


@pytest.mark.parametrize(
    ("phases", "says"),
    [
        ([], "starts with the annotate phase"),
        (["review"], "starts with the annotate phase"),
        (["annotate", "annotate"], "one annotate phase"),
        (["annotate", "integration-review", "review"], "last phase"),
        (["annotate", "integration-review", "integration-review"], "last phase"),
        (["annotate", "qa"], "unknown workflow phase 'qa'"),
    ],
)
def test_a_malformed_workflow_is_refused_naming_the_rule(phases: list[str], says: str) -> None:
    with pytest.raises(InvalidInput) as e:
        domain.parse_workflow(phases)
    assert says in e.value.message and e.value.code == "invalid-workflow"


def test_the_default_workflow_is_annotate_then_review() -> None:
    assert domain.DEFAULT_WORKFLOW == (A, R)


@pytest.mark.parametrize(
    ("workflow", "phase", "kind", "accepted", "then"),
    [
        # annotate alone: delivered and completed at once
        ((A,), 0, K.ANNOTATE, True, Next(deliver=True)),
        # annotate → review
        ((A, R), 0, K.ANNOTATE, True, Next(task=K.REVIEW, phase=1)),
        ((A, R), 1, K.REVIEW, True, Next(deliver=True)),
        ((A, R), 1, K.REVIEW, False, Next(task=K.CORRECT, phase=1)),
        ((A, R), 1, K.CORRECT, True, Next(task=K.REVIEW, phase=1)),
        # two reviews: the second follows the first
        ((A, R, R), 1, K.REVIEW, True, Next(task=K.REVIEW, phase=2)),
        ((A, R, R), 2, K.REVIEW, False, Next(task=K.CORRECT, phase=2)),
        # integration review: delivered as preliminary, the client reviews
        ((A, IR), 0, K.ANNOTATE, True, Next(phase=1, deliver=True, preliminary=True)),
        ((A, R, IR), 1, K.REVIEW, True, Next(phase=2, deliver=True, preliminary=True)),
        # a correction in the annotate phase (a client's plain `correct`) is delivered again
        ((A, R), 0, K.CORRECT, True, Next(deliver=True)),
        ((A, R, IR), 0, K.CORRECT, True, Next(phase=2, deliver=True, preliminary=True)),
    ],
)
def test_what_follows_a_finished_task(
    workflow: tuple[Phase, ...], phase: int, kind: TaskKind, accepted: bool, then: Next
) -> None:
    assert domain.after_task(workflow, phase, kind, accepted) == then


def test_only_a_delivery_without_integration_review_completes_the_input() -> None:
    assert Next(deliver=True).completes_input
    assert not Next(deliver=True, preliminary=True).completes_input
    assert not Next(task=K.REVIEW, phase=1).completes_input


@pytest.mark.parametrize(
    ("workflow", "accepted", "correction", "then"),
    [
        ((A, IR), True, None, Next(deliver=True)),
        ((A, R, IR), False, ClientCorrection.CORRECT, Next(task=K.CORRECT, phase=0)),
        ((A, R, IR), False, ClientCorrection.CORRECT_REVIEW_LOOP, Next(task=K.CORRECT, phase=1)),
        # no internal review to loop through: a plain correction
        ((A, IR), False, ClientCorrection.CORRECT_REVIEW_LOOP, Next(task=K.CORRECT, phase=0)),
        # a completed input reviewed by the client (no integration-review phase)
        ((A, R), False, ClientCorrection.CORRECT, Next(task=K.CORRECT, phase=0)),
    ],
)
def test_what_follows_a_clients_review(
    workflow: tuple[Phase, ...], accepted: bool, correction: ClientCorrection | None, then: Next
) -> None:
    assert domain.after_client_review(workflow, accepted, correction) == then


def test_a_review_loop_correction_is_reviewed_then_delivered_for_the_client_again() -> None:
    wf = (A, R, IR)
    step = domain.after_client_review(wf, False, ClientCorrection.CORRECT_REVIEW_LOOP)
    step = domain.after_task(wf, step.phase, K.CORRECT)
    assert step == Next(task=K.REVIEW, phase=1)
    assert domain.after_task(wf, step.phase, K.REVIEW) == Next(phase=2, deliver=True, preliminary=True)


T = TaskStatus


@pytest.mark.parametrize("current", list(TaskStatus))
@pytest.mark.parametrize("target", list(TaskStatus))
def test_a_task_moves_only_along_the_table(current: TaskStatus, target: TaskStatus) -> None:
    legal = {(T.TODO, T.ONGOING), (T.ONGOING, T.TODO), (T.ONGOING, T.DONE), (T.TODO, T.CANCELLED),
             (T.ONGOING, T.CANCELLED)}  # fmt: skip
    if (current, target) in legal:
        domain.require_task_move("t1", current, target)
    else:
        with pytest.raises(Conflict) as e:
            domain.require_task_move("t1", current, target)
        assert f"task t1 is {current.value}" in e.value.message


def test_only_the_holder_or_staff_act_on_an_ongoing_task() -> None:
    domain.require_holder("t1", T.ONGOING, holder=7, user_id=7, staff=False)
    domain.require_holder("t1", T.ONGOING, holder=7, user_id=1, staff=True)
    with pytest.raises(Forbidden):
        domain.require_holder("t1", T.ONGOING, holder=7, user_id=8, staff=False)
    with pytest.raises(Conflict):
        domain.require_holder("t1", T.TODO, holder=None, user_id=7, staff=False)


def test_only_todo_tasks_are_assigned_and_only_to_members() -> None:
    domain.require_assignable("t1", T.TODO, user_is_member=True, user=7)
    with pytest.raises(InvalidInput, match="only todo tasks"):
        domain.require_assignable("t1", T.ONGOING, user_is_member=True, user=7)
    with pytest.raises(InvalidInput, match="not a member"):
        domain.require_assignable("t1", T.TODO, user_is_member=False, user=7)


def test_a_lease_runs_out_after_its_seconds_since_the_last_touch() -> None:
    assert not domain.lease_expired(0, 10 * 1_000_000, 10)
    assert domain.lease_expired(0, 10 * 1_000_000 + 1, 10)


B = BatchStatus


@pytest.mark.parametrize(
    ("batch", "moved"), [(B.READY, B.IN_PROGRESS), (B.IN_PROGRESS, None), (B.OPEN, None), (B.COMPLETED, None)]
)
def test_the_first_started_task_starts_a_ready_batch(batch: BatchStatus, moved: BatchStatus | None) -> None:
    assert domain.batch_move_on_task_started(batch) == moved


@pytest.mark.parametrize(
    ("batch", "unfinished", "moved"),
    [(B.IN_PROGRESS, 0, B.COMPLETED), (B.IN_PROGRESS, 1, None), (B.READY, 0, None), (B.ARCHIVED, 0, None)],
)
def test_a_batch_completes_with_its_last_input(
    batch: BatchStatus, unfinished: int, moved: BatchStatus | None
) -> None:
    assert domain.batch_move_on_input_completed(batch, unfinished) == moved


def test_a_reopened_input_puts_a_completed_batch_back_in_progress() -> None:
    assert domain.batch_move_on_input_reopened(B.COMPLETED) == B.IN_PROGRESS
    assert domain.batch_move_on_input_reopened(B.IN_PROGRESS) is None


def test_workforce_roles_are_annotator_and_reviewer() -> None:
    assert domain.parse_workforce_role("annotator") == "annotator"
    with pytest.raises(InvalidInput, match="annotator or reviewer"):
        domain.parse_workforce_role("client")
