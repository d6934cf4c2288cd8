"""Background jobs: their lifecycle and when a failed one runs again.

A job is `queued` until a worker claims it (`running`, under a lease the worker renews while it
works). It ends `done` (and is forgotten), or it failed: it is queued again after a pause that
doubles with each attempt, up to a cap; past its last attempt it is `dead` — a dead letter, shown
to staff, run again only when staff ask (`annobatch jobs retry`). A job whose worker stopped (its
lease ran out) counts that attempt as failed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "JobStatus",
    "RetryPolicy",
]


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a failing job is retried: `attempts` runs in all; after the n-th failure the next run
    waits `base_seconds * 2**(n-1)`, at most `cap_seconds`."""

    attempts: int = 5
    base_seconds: float = 10.0
    cap_seconds: float = 3600.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("a job runs at least once (attempts >= 1)")
        if self.base_seconds < 0 or self.cap_seconds < self.base_seconds:
            raise ValueError("retry pauses must be 0 or more, the cap at least the first pause")

    def pause_after(self, failures: int) -> float:
        """The pause before the next run, after `failures` failed runs (1 or more)."""
        return min(self.cap_seconds, self.base_seconds * 2 ** max(0, failures - 1))

    def next_run(self, failures: int, now: float) -> float | None:
        """When a job that failed `failures` times runs again; None: never (it is dead)."""
        if failures >= self.attempts:
            return None
        return now + self.pause_after(failures)

    def span_seconds(self) -> float:
        """How long a job that always fails keeps being retried, from its first run to its last."""
        return sum(self.pause_after(n) for n in range(1, self.attempts))
