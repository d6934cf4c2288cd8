"""Housekeeping: which stored files nothing needs any more, and how often the sweep runs."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

__all__ = [
    "MIN_ORPHAN_GRACE_SECONDS",
    "SweepPolicy",
    "orphaned_blobs",
]

#: An uploaded blob is written under its name a moment before the row that refers to it commits;
#: a grace period shorter than this could take a blob from under an upload still recording it.
MIN_ORPHAN_GRACE_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class SweepPolicy:
    """What the sweep removes, and when.

    - A *partial upload* (a temporary file of an upload) is abandoned once nothing was written to it
      for `partial_after_seconds`: an upload in progress writes to it all along.
    - A blob that no row refers to is an *orphan* (left by a crash between writing a blob and
      recording it, or between a change and the deletion it recorded); it is removed once older
      than `orphan_grace_seconds`, never earlier: a blob is written a moment before the row that
      refers to it.
    - A scene left `pending` (never committed) for `stale_scene_after_seconds` is abandoned and its
      files removed (0: never).
    - The server sweeps every `interval_seconds`, one process at a time across every worker and
      replica (0: the server does not sweep; the operator command still can).
    """

    partial_after_seconds: float = 3600.0
    orphan_grace_seconds: float = 24 * 3600.0
    interval_seconds: float = 600.0
    stale_scene_after_seconds: float = 7 * 24 * 3600.0

    def __post_init__(self) -> None:
        if self.partial_after_seconds <= 0:
            raise ValueError("partial uploads must be kept more than 0 s")
        if self.orphan_grace_seconds < MIN_ORPHAN_GRACE_SECONDS:
            raise ValueError(
                f"the grace period of unreferenced blobs must be at least {MIN_ORPHAN_GRACE_SECONDS:g} s"
            )
        if self.stale_scene_after_seconds < 0:
            raise ValueError("the retention of pending scenes must be 0 (kept for ever) or more")
        if self.interval_seconds < 0:
            raise ValueError("the sweep interval must be 0 (no sweeping) or more")

    def partials_before(self, now: float) -> float:
        """Partial uploads last written before this time (seconds since the epoch) are abandoned."""
        return now - self.partial_after_seconds

    def orphans_before(self, now: float) -> float:
        """Unreferenced blobs last written before this time may go."""
        return now - self.orphan_grace_seconds

    def due_before(self, now: float) -> float:
        """The server's sweep is due when the last one finished before this time."""
        return now - self.interval_seconds


def orphaned_blobs(old_blobs: Iterable[str], referenced: Collection[str]) -> list[str]:
    """Of blobs past the grace period, those no row refers to: the ones the sweep removes."""
    return [key for key in old_blobs if key not in referenced]
