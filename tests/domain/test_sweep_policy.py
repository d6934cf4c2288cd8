"""What the sweep may remove, and when it is due."""

from __future__ import annotations

import pytest

from annobatch.domain import MIN_ORPHAN_GRACE_SECONDS, SweepPolicy, orphaned_blobs


def test_of_old_blobs_those_no_row_refers_to_are_orphans() -> None:
    assert orphaned_blobs(["a", "b", "c"], {"b"}) == ["a", "c"]
    assert orphaned_blobs([], {"b"}) == []


def test_cut_off_times_follow_the_policy() -> None:
    p = SweepPolicy(partial_after_seconds=60, orphan_grace_seconds=3600, interval_seconds=10)
    assert (p.partials_before(10_000), p.orphans_before(10_000), p.due_before(10_000)) == (
        9_940,
        6_400,
        9_990,
    )


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"orphan_grace_seconds": MIN_ORPHAN_GRACE_SECONDS - 1}, "at least 600"),
        ({"partial_after_seconds": 0}, "partial uploads"),
        ({"interval_seconds": -1}, "interval"),
    ],
)
def test_a_policy_that_could_remove_what_is_still_needed_is_refused(
    kwargs: dict[str, float], words: str
) -> None:
    with pytest.raises(ValueError, match=words):
        SweepPolicy(**kwargs)
