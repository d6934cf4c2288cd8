"""Tasks and the work status of inputs: who may hold a task, how it moves, when a lease runs out,
and how a batch follows its inputs (`ready → in-progress` on the first started task,
`in-progress → completed` when the last input completes, back to `in-progress` when a client's
rejection reopens one)."""

from __future__ import annotations

import enum

from annobatch.domain.batches import BatchStatus
from annobatch.domain.errors import Conflict, Forbidden, InvalidInput

__all__ = [
    "DEFAULT_LEASE_SECONDS",
    "TASK_MOVES",
    "WORKFORCE_ROLES",
    "InputWork",
    "TaskStatus",
    "batch_move_on_input_completed",
    "batch_move_on_input_reopened",
    "batch_move_on_task_started",
    "lease_expired",
    "parse_workforce_role",
    "require_assignable",
    "require_holder",
    "require_task_move",
]


class TaskStatus(enum.StrEnum):
    TODO = "todo"
    ONGOING = "ongoing"
    DONE = "done"
    CANCELLED = "cancelled"


class InputWork(enum.StrEnum):
    """How far an input's annotation is (beside its scene's status)."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


#: Every legal move of a task: claimed (todo → ongoing), given up or lease run out (ongoing →
#: todo), submitted or reviewed (ongoing → done), cancelled with its input (todo/ongoing →
#: cancelled). Done and cancelled are final.
TASK_MOVES: frozenset[tuple[TaskStatus, TaskStatus]] = frozenset(
    {
        (TaskStatus.TODO, TaskStatus.ONGOING),
        (TaskStatus.ONGOING, TaskStatus.TODO),
        (TaskStatus.ONGOING, TaskStatus.DONE),
        (TaskStatus.TODO, TaskStatus.CANCELLED),
        (TaskStatus.ONGOING, TaskStatus.CANCELLED),
    }
)

#: A task held this long without a save returns to `todo` (a setting overrides it).
DEFAULT_LEASE_SECONDS = 4 * 3600

#: The roles of workforce credentials, beside `client` and `staff`.
WORKFORCE_ROLES = frozenset({"annotator", "reviewer"})


def parse_workforce_role(value: str) -> str:
    if value not in WORKFORCE_ROLES:
        raise InvalidInput(f"unknown workforce role {value!r}: annotator or reviewer", "invalid-role")
    return value


def require_task_move(task_id: str, current: TaskStatus | str, target: TaskStatus) -> None:
    """A task moves only along `TASK_MOVES`; anything else is a conflict naming both statuses."""
    current = TaskStatus(current)
    if (current, target) not in TASK_MOVES:
        raise Conflict(f"task {task_id} is {current.value}; it cannot become {target.value}", "task-status")


def require_holder(
    task_id: str, status: TaskStatus | str, holder: int | None, user_id: int, staff: bool
) -> None:
    """Only the task's holder (or staff) may save, submit or give up an ongoing task."""
    if TaskStatus(status) is not TaskStatus.ONGOING:
        raise Conflict(f"task {task_id} is {TaskStatus(status).value}, not ongoing", "task-not-ongoing")
    if holder != user_id and not staff:
        raise Forbidden(f"task {task_id} is held by someone else", "task-not-held")


def require_assignable(task_id: str, status: TaskStatus | str, user_is_member: bool, user: int) -> None:
    """Tasks are assigned (and unassigned) only while `todo`, and only to members of the
    project's workforce."""
    if TaskStatus(status) is not TaskStatus.TODO:
        raise InvalidInput(
            f"task {task_id} is {TaskStatus(status).value}: only todo tasks can be assigned or unassigned",
            "task-not-todo",
        )
    if not user_is_member:
        raise InvalidInput(
            f"user {user} is not a member of this project's workforce: add them first", "not-a-member"
        )


def lease_expired(last_touched_micros: int, now_micros: int, lease_seconds: int) -> bool:
    """A held task's lease runs from its claim or its last save."""
    return now_micros - last_touched_micros > lease_seconds * 1_000_000


def batch_move_on_task_started(batch: BatchStatus | str) -> BatchStatus | None:
    """The first started task of a `ready` batch starts its annotation."""
    return BatchStatus.IN_PROGRESS if BatchStatus(batch) is BatchStatus.READY else None


def batch_move_on_input_completed(batch: BatchStatus | str, unfinished_inputs: int) -> BatchStatus | None:
    """An `in-progress` batch whose inputs that count (not invalidated, deleted or failed) are all
    completed is completed."""
    if BatchStatus(batch) is BatchStatus.IN_PROGRESS and unfinished_inputs == 0:
        return BatchStatus.COMPLETED
    return None


def batch_move_on_input_reopened(batch: BatchStatus | str) -> BatchStatus | None:
    """A client's rejection that reopens an input of a completed batch puts the batch back in
    progress."""
    return BatchStatus.IN_PROGRESS if BatchStatus(batch) is BatchStatus.COMPLETED else None
