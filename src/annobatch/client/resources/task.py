"""`client.task`: assigning a workflow task to a member of the workforce."""

from __future__ import annotations

from annobatch.client._requester import Requester
from annobatch.client.resources._common import Ignored, seg


class TaskResource:
    """Tasks, as the official client names them."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    def assign_task(self, task_id: str, user_id: int) -> None:
        """Assign a todo task to a member of the project's workforce (or reassign it)."""
        self._set_assignee(task_id, user_id)

    def unassign_task(self, task_id: str) -> None:
        """Remove a todo task's assignment, so that anyone may pick it up."""
        self._set_assignee(task_id, None)

    def _set_assignee(self, task_id: str, user_id: int | None) -> None:
        self._requester.call("PATCH", f"/v1/tasks/{seg(task_id)}", Ignored, json={"assignedUserId": user_id})
