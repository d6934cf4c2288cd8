"""The workforce API (ours): what any annotation tool drives to do the work — claim the next task,
read it (the scene, short-lived signed download URLs of its files and of the input's latest
annotation versions, the draft, the review feedback a correction answers, the classes), save a
draft, submit one OpenLABEL document per annotation type, give a task up, review.

Workforce credentials (annotator, reviewer) reach these routes (and the error types) only; staff
may use them too; clients may not (they follow the work through `/v2/request-inputs`): 404. A
member sees only the tasks of projects they are a member of: anything else is 404.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from annobatch import presenters, schemas
from annobatch.server.bodies import OptionalBody
from annobatch.server.dependencies import WORKFORCE, WORKFORCE_ONLY, WRITE
from annobatch.server.links import download_signer, public_base
from annobatch.services.identity import Caller
from annobatch.services.task_queue import MAX_TASK_PAGE
from annobatch.services.transactions import Write
from annobatch.services.work import WorkService
from annobatch.services.workforce import WorkforceService

CursorId = Annotated[
    str | None, QueryParameter(name="cursorId", description="The last task of the previous page.")
]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_TASK_PAGE)]
Filter = Annotated[str | None, QueryParameter()]


class WorkforceController(Controller):
    path = "/v1/workforce"
    tags = ["workforce"]
    opt = {WORKFORCE: WORKFORCE_ONLY}

    @get("/projects", summary="The projects the caller works on")
    async def projects(
        self, caller: NamedDependency[Caller], workforce: NamedDependency[WorkforceService]
    ) -> schemas.Envelope[list[schemas.WorkforceProject]]:
        return schemas.Envelope(
            [presenters.workforce_project(p) for p in await workforce.member_projects(caller)]
        )

    @post(
        "/tasks/claim",
        status_code=200,
        summary="Claim the next task: your assignments first, then the oldest input (409 nothing-to-claim)",
        description="Takes the next `todo` task the caller may do (annotators: annotate and correct; "
        "reviewers: review; staff: any) of a project they are a member of, optionally of one `project` and "
        "one `kind`: tasks assigned to the caller first, then the oldest input. Only batches that are "
        "published hand out work. The task becomes `ongoing`, held by the caller, its lease running from "
        "now (a task held past the lease without a save returns to `todo`). Answers the task's detail, "
        "as `GET /v1/workforce/tasks/{task}`. 409 `nothing-to-claim` when nothing waits.",
        dependencies=WRITE,
        operation_class=OptionalBody,
    )
    async def claim(
        self,
        request: Request,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        work: NamedDependency[WorkService],
        data: JSONBody[schemas.ClaimRequest | None] = None,
    ) -> schemas.Envelope[schemas.WorkforceTaskDetail]:
        body = data or schemas.ClaimRequest()
        detail = await work.claim(caller, body.project, body.kind, write)
        return schemas.Envelope(
            presenters.task_detail(detail, public_base(request), download_signer(request))
        )

    @get(
        "/tasks",
        summary="Tasks, oldest first, filtered by project, batch, status and kind (cursor-paginated)",
    )
    async def list_tasks(
        self,
        caller: NamedDependency[Caller],
        work: NamedDependency[WorkService],
        project: Filter = None,
        batch: Filter = None,
        status: Filter = None,
        kind: Filter = None,
        cursor_id: CursorId = None,
        limit: Limit = 100,
    ) -> schemas.Page[schemas.WorkforceTask]:
        tasks = await work.list_tasks(caller, project, batch, status, kind, cursor_id or None, limit)
        cursor = tasks[-1].id if len(tasks) == limit else None
        return schemas.Page([presenters.workforce_task(t) for t in tasks], schemas.PageMetadata(cursor))

    @get(
        "/tasks/{task:str}",
        summary="A task with its scene, files, draft, versions, feedback and classes",
        description="`scene.files[].url` and `versions[].url` are signed download URLs, good for a short "
        "while (ANNOBATCH_DOWNLOAD_URL_TTL, 15 minutes by default) and needing no token: read the task "
        "again for new ones. `draft` is what the holder saved last; `versions` the input's latest "
        "version of each annotation type (submitted or delivered); `review` the review whose feedback "
        "a `correct` task answers; `classes` the allowed object classes per annotation type, where the "
        "project has a taxonomy.",
    )
    async def task(
        self,
        request: Request,
        caller: NamedDependency[Caller],
        work: NamedDependency[WorkService],
        task: FromPath[str],
    ) -> schemas.Envelope[schemas.WorkforceTaskDetail]:
        detail = await work.task(caller, task)
        return schemas.Envelope(
            presenters.task_detail(detail, public_base(request), download_signer(request))
        )

    @put(
        "/tasks/{task:str}/draft",
        status_code=200,
        summary="Save work in progress (renews the lease)",
        dependencies=WRITE,
    )
    async def save_draft(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        work: NamedDependency[WorkService],
        task: FromPath[str],
        data: JSONBody[schemas.AnnotationsRequest],
    ) -> schemas.Envelope[schemas.WorkforceTask]:
        return schemas.Envelope(
            presenters.workforce_task(await work.save_draft(caller, task, data.annotations, write))
        )

    @post(
        "/tasks/{task:str}/submit",
        status_code=200,
        summary="Submit one OpenLABEL document per annotation type of the batch",
        description="For the holder of an `annotate` or `correct` task: `annotations` maps each annotation "
        "type of the batch to an OpenLABEL 1.0 document, validated with the kognic-openlabel models "
        "(400 naming the type and the first error; a type the batch lacks or a missing one is 400 too) "
        "and, where the project has a taxonomy, every object's class checked. Each becomes a new "
        "version; the input moves on to review, or is delivered after the workflow's last phase.",
        dependencies=WRITE,
    )
    async def submit(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        work: NamedDependency[WorkService],
        task: FromPath[str],
        data: JSONBody[schemas.AnnotationsRequest],
    ) -> schemas.Envelope[list[schemas.SubmittedAnnotation]]:
        versions = await work.submit(caller, task, data.annotations, write)
        return schemas.Envelope([presenters.submitted_annotation(v) for v in versions])

    @post(
        "/tasks/{task:str}/give-up",
        status_code=200,
        summary="Hand an ongoing task back (todo again)",
        dependencies=WRITE,
    )
    async def give_up(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        work: NamedDependency[WorkService],
        task: FromPath[str],
    ) -> schemas.Envelope[schemas.WorkforceTask]:
        return schemas.Envelope(presenters.workforce_task(await work.give_up(caller, task, write)))

    @post(
        "/tasks/{task:str}/review",
        status_code=200,
        summary="Accept a review task's annotation, or reject it with feedback items (a correction follows)",
        description="For the holder of a `review` task. `feedbackItems` name an `errorTypeId` of "
        "`GET /v1/reviews/error-types` and optionally a sensor, frame, object, pin and description; a "
        "rejection needs at least one and creates a `correct` task for the annotator, then a review again.",
        dependencies=WRITE,
    )
    async def review(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        work: NamedDependency[WorkService],
        task: FromPath[str],
        data: JSONBody[schemas.WorkforceReviewRequest],
    ) -> schemas.Envelope[schemas.TaskReview]:
        feedback = [msgspec.to_builtins(f) for f in data.feedback_items]
        return schemas.Envelope(
            presenters.task_review(await work.review(caller, task, data.accepted, feedback, write))
        )
