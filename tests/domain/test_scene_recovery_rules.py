"""What happens to a scene that cannot be committed as it is: the batch chosen again at commit,
retarget, abandon, staleness, and what the official client is shown of an abandoned scene."""

from __future__ import annotations

import pytest

from annobatch import domain
from annobatch.domain import BatchChoice, BatchStatus, Conflict, InvalidInput, NotFound, SceneStatus

S, B = SceneStatus, BatchStatus
RECOVER = "scene s1 cannot be committed: retarget the scene to an open batch, or abandon it"


def _batches(**statuses: BatchStatus) -> list[BatchChoice]:
    return [BatchChoice(name, status) for name, status in statuses.items()]


@pytest.mark.parametrize(
    ("named", "batches", "chosen"),
    [
        # No batch named: chosen again now, whatever was chosen at create.
        (None, _batches(b1=B.READY, b2=B.OPEN), "b2"),
        (None, _batches(b1=B.OPEN), "b1"),
        # Named: that batch, while it is open.
        ("b1", _batches(b1=B.OPEN, b2=B.OPEN), "b1"),
    ],
)
def test_the_batch_at_commit(named: str | None, batches: list[BatchChoice], chosen: str) -> None:
    assert domain.choose_batch_at_commit("s1", "p1", named, batches) == chosen


NOT_OPEN = "only open batches accept inputs"


@pytest.mark.parametrize(
    ("named", "batches", "error", "message"),
    [
        ("b1", _batches(b1=B.READY, b2=B.OPEN), InvalidInput, f"batch b1 of project p1 is ready; {NOT_OPEN}"),
        ("b1", _batches(b1=B.ARCHIVED), InvalidInput, f"batch b1 of project p1 is archived; {NOT_OPEN}"),
        ("b9", _batches(b1=B.OPEN), NotFound, "batch b9 not found in project p1"),
        (None, _batches(b1=B.READY), InvalidInput, "project p1 has no open batch"),
        (
            None,
            _batches(b1=B.OPEN, b2=B.OPEN),
            InvalidInput,
            "project p1 has 2 open batches (b1, b2): name one",
        ),
    ],
)
def test_a_refused_commit_says_how_to_go_on(
    named: str | None, batches: list[BatchChoice], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as e:
        domain.choose_batch_at_commit("s1", "p1", named, batches)
    assert str(e.value) == f"{message}; {RECOVER}"


@pytest.mark.parametrize("status", list(SceneStatus))
def test_only_a_pending_scene_is_retargeted(status: SceneStatus) -> None:
    if status is S.PENDING:
        domain.require_scene_retargetable("s1", status)
    else:
        with pytest.raises(Conflict, match=f"scene s1 is {status.value}; only a pending scene"):
            domain.require_scene_retargetable("s1", status)


@pytest.mark.parametrize(
    ("status", "needed"),
    [(S.PENDING, True), (S.ABANDONED, False)]
    + [(s, None) for s in SceneStatus if s not in (S.PENDING, S.ABANDONED)],
)
def test_a_pending_scene_is_abandoned_once_and_no_other(status: SceneStatus, needed: bool | None) -> None:
    if needed is None:
        with pytest.raises(
            Conflict,
            match=r"only a pending scene \(not yet committed\) can be abandoned: invalidate it instead",
        ):
            domain.abandon_needed("s1", status)
    else:
        assert domain.abandon_needed("s1", status) is needed


@pytest.mark.parametrize(
    ("status", "changes"),
    [(s, not s.is_invalidated and s is not S.ABANDONED) for s in SceneStatus],
)
def test_invalidating_an_invalidated_or_abandoned_scene_changes_nothing(
    status: SceneStatus, changes: bool
) -> None:
    assert domain.invalidation_changes(status) is changes


def test_an_abandoned_scene_cannot_be_committed_uploaded_to_or_moved() -> None:
    with pytest.raises(Conflict, match="was abandoned and its files removed"):
        domain.commit_needed("s1", S.ABANDONED)
    with pytest.raises(Conflict, match="scene s1 is abandoned; files can only be uploaded before"):
        domain.require_scene_accepts_uploads("s1", S.ABANDONED)
    assert domain.SCENE_MOVES[S.ABANDONED] == frozenset()
    assert S.ABANDONED in domain.SCENE_MOVES[S.PENDING]


@pytest.mark.parametrize(
    ("status", "updated", "now", "stale"),
    [
        (S.PENDING, 0, 101, True),
        (S.PENDING, 0, 100, False),  # exactly the retention: not yet
        (S.PENDING, 50, 120, False),
        (S.PROCESSING, 0, 1000, False),  # a commit is under way
        (S.CREATED, 0, 1000, False),
        (S.FAILED, 0, 1000, False),
        (S.ABANDONED, 0, 1000, False),
        (S.INVALIDATED_DUPLICATE, 0, 1000, False),
    ],
)
def test_a_pending_scene_untouched_past_the_retention_is_stale(
    status: SceneStatus, updated: int, now: int, stale: bool
) -> None:
    assert domain.is_stale_pending(status, updated, now, retention=100) is stale


@pytest.mark.parametrize(
    ("status", "wire"), [(s, "failed" if s is S.ABANDONED else s.value) for s in SceneStatus]
)
def test_the_official_client_is_shown_only_statuses_it_knows(status: SceneStatus, wire: str) -> None:
    from kognic.io.model import SceneStatus as Official

    assert status.wire_status == wire
    Official(status.wire_status)  # parses


def test_an_abandoned_scene_says_why_and_what_to_do() -> None:
    assert domain.abandoned_message("by a@b.c") == (
        "abandoned (by a@b.c); its files were removed: create the scene again to annotate it"
    )
