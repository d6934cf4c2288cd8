"""The batch lifecycle, every (from, to) pair, table-driven."""

from __future__ import annotations

import itertools

import pytest

from annobatch import domain
from annobatch.domain import BatchAction, BatchStatus, Conflict, Forbidden, Role

S = BatchStatus
ACTION_TARGET = {
    BatchAction.OPEN: S.OPEN,
    BatchAction.PUBLISH: S.READY,
    BatchAction.REOPEN: S.OPEN,
    BatchAction.START: S.IN_PROGRESS,
    BatchAction.COMPLETE: S.COMPLETED,
    BatchAction.ARCHIVE: S.ARCHIVED,
}

# The table of domain.md, written out independently of the implementation.
LEGAL = {
    (S.PENDING, S.OPEN),
    (S.OPEN, S.READY),
    (S.READY, S.OPEN),
    (S.READY, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.COMPLETED),
    *((s, S.ARCHIVED) for s in S if s is not S.ARCHIVED),
}


# Which status each named move starts from.
ACTION_SOURCES = {
    BatchAction.OPEN: {S.PENDING},
    BatchAction.PUBLISH: {S.OPEN},
    BatchAction.REOPEN: {S.READY},
    BatchAction.START: {S.READY},
    BatchAction.COMPLETE: {S.IN_PROGRESS},
    BatchAction.ARCHIVE: set(S) - {S.ARCHIVED},
}


def test_the_transition_table_is_exactly_the_documented_one() -> None:
    assert domain.allowed_moves() == LEGAL


@pytest.mark.parametrize(("current", "action"), list(itertools.product(S, BatchAction)))
def test_staff_moves_follow_the_table(current: BatchStatus, action: BatchAction) -> None:
    target = ACTION_TARGET[action]
    if action is BatchAction.PUBLISH and current is S.READY:
        decision = domain.decide_transition("p1", "b1", current, action, Role.STAFF, 1)
        assert decision == domain.Decision(S.READY, changed=False)
    elif current in ACTION_SOURCES[action]:
        assert (current, target) in LEGAL
        decision = domain.decide_transition("p1", "b1", current, action, Role.STAFF, 1)
        assert decision == domain.Decision(target, changed=True)
    else:
        with pytest.raises(Conflict) as e:
            domain.decide_transition("p1", "b1", current, action, Role.STAFF, 1)
        assert current.value in e.value.message
        if action is not BatchAction.PUBLISH:
            assert target.value in e.value.message


@pytest.mark.parametrize("action", [a for a in BatchAction if a is not BatchAction.PUBLISH])
@pytest.mark.parametrize("current", list(S))
def test_clients_may_only_publish(current: BatchStatus, action: BatchAction) -> None:
    with pytest.raises(Forbidden):
        domain.decide_transition("p1", "b1", current, action, Role.CLIENT, 1)


def test_a_client_publishes_an_open_batch() -> None:
    assert domain.decide_transition("p1", "b1", S.OPEN, BatchAction.PUBLISH, Role.CLIENT, 0).target is S.READY


def test_publish_of_ready_batch_is_a_no_op() -> None:
    decision = domain.decide_transition("p1", "b1", S.READY, BatchAction.PUBLISH, Role.CLIENT, 0)
    assert not decision.changed and decision.target is S.READY


@pytest.mark.parametrize("current", [S.PENDING, S.IN_PROGRESS, S.COMPLETED, S.ARCHIVED])
def test_publishing_from_another_status_names_the_current_status(current: BatchStatus) -> None:
    with pytest.raises(Conflict, match=f"is {current.value}; only open batches can be published"):
        domain.decide_transition("p1", "b1", current, BatchAction.PUBLISH, Role.CLIENT, 1)


def test_opening_a_batch_needs_an_annotation_type() -> None:
    with pytest.raises(Conflict, match="no annotation types"):
        domain.decide_transition("p1", "b1", S.PENDING, BatchAction.OPEN, Role.STAFF, 0)


def test_archived_is_terminal() -> None:
    for action in BatchAction:
        with pytest.raises(Conflict):
            domain.decide_transition("p1", "b1", S.ARCHIVED, action, Role.STAFF, 1)


@pytest.mark.parametrize("status", list(S))
def test_batch_types_change_only_before_annotation_starts(status: BatchStatus) -> None:
    if status in {S.PENDING, S.OPEN, S.READY}:
        domain.require_batch_types_editable("p1", "b1", status)
    else:
        with pytest.raises(Conflict, match=status.value):
            domain.require_batch_types_editable("p1", "b1", status)
