"""`PATCH /v1/tasks/<task>` (`client.task.assign_task` / `unassign_task`): who a todo task is
meant for. Clients of the task's organization and staff; only members of the project's
workforce; `null` unassigns."""

from __future__ import annotations

from litestar import Controller, patch
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from annobatch import presenters, schemas
from annobatch.server.dependencies import WRITE
from annobatch.services.identity import Caller
from annobatch.services.transactions import Write
from annobatch.services.work import WorkService


class TaskController(Controller):
    path = "/v1/tasks"
    tags = ["tasks"]

    @patch(
        "/{task:str}",
        status_code=200,
        summary="Assign a todo task to a member of the project's workforce, or unassign it (null)",
        dependencies=WRITE,
    )
    async def assign_task(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        work: NamedDependency[WorkService],
        task: FromPath[str],
        data: JSONBody[schemas.AssignTaskRequest],
    ) -> schemas.Envelope[schemas.WorkforceTask]:
        return schemas.Envelope(
            presenters.workforce_task(await work.assign(caller, task, data.assigned_user_id, write))
        )
