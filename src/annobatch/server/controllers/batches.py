"""Batches of a project: the seed's list, create and publish, our one-batch view, its audit log,
and the staff moves."""

from __future__ import annotations

import msgspec
from litestar import Controller, MediaType, Response, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from annobatch import presenters, schemas
from annobatch.domain import BatchAction, InvalidInput
from annobatch.server.bodies import OptionalBody
from annobatch.server.dependencies import WRITE
from annobatch.server.encoded_lists import EncodedLists
from annobatch.server.params import EventCursor, EventLimit
from annobatch.services.batches import BatchService
from annobatch.services.identity import Caller
from annobatch.services.projects import ProjectService
from annobatch.services.transactions import Write


class BatchController(Controller):
    path = "/v1/projects/{project:str}/batches"
    tags = ["batches"]

    @get(summary="All batches of a project")
    async def list_batches(
        self,
        caller: NamedDependency[Caller],
        batches: NamedDependency[BatchService],
        project: FromPath[str],
        state: State,
    ) -> Response[schemas.Envelope[list[schemas.ProjectBatch]]]:
        # A project's list is kept encoded and answered again while the project's batches
        # revision is unchanged: one row read instead of building and encoding every batch.
        kept: EncodedLists = state.kept_lists.batches
        body = await kept.answer(
            (caller.org, project),
            lambda known: batches.list_batches_unless(caller, project, known),
            lambda recs: msgspec.json.encode(schemas.Envelope([presenters.batch(project, b) for b in recs])),
        )
        return Response(content=body, media_type=MediaType.JSON)  # type: ignore[arg-type]

    @post(
        "/{batch:str}",
        status_code=200,
        summary="Create a batch",
        dependencies=WRITE,
        operation_class=OptionalBody,
    )
    async def create_batch(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        batches: NamedDependency[BatchService],
        project: FromPath[str],
        batch: FromPath[str],
        data: JSONBody[schemas.CreateBatchRequest | None] = None,
    ) -> schemas.Envelope[schemas.ProjectBatch]:
        body = data or schemas.CreateBatchRequest()
        rec = await batches.create_batch(
            caller,
            project,
            batch,
            publish_previous_batches=body.publish_previous_batches,
            title=body.title,
            write=write,
        )
        return schemas.Envelope(presenters.batch(project, rec))

    @get("/{batch:str}", summary="One batch with its annotation types and input counts")
    async def get_batch(
        self,
        caller: NamedDependency[Caller],
        batches: NamedDependency[BatchService],
        project: FromPath[str],
        batch: FromPath[str],
    ) -> schemas.Envelope[schemas.BatchDetail]:
        return schemas.Envelope(presenters.batch_detail(await batches.get_batch(caller, project, batch)))

    @post(
        "/{batch:str}/publish", status_code=200, summary="Publish a batch: open → ready", dependencies=WRITE
    )
    async def publish_batch(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        batches: NamedDependency[BatchService],
        project: FromPath[str],
        batch: FromPath[str],
    ) -> schemas.Envelope[schemas.ProjectBatch]:
        rec = await batches.transition_batch(caller, project, batch, BatchAction.PUBLISH, write)
        return schemas.Envelope(presenters.batch(project, rec))

    @post(
        "/{batch:str}/actions/{action:str}",
        status_code=200,
        summary="Move a batch (open, start, complete, archive, reopen, publish)",
        dependencies=WRITE,
    )
    async def batch_action(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        batches: NamedDependency[BatchService],
        project: FromPath[str],
        batch: FromPath[str],
        action: FromPath[str],
    ) -> schemas.Envelope[schemas.ProjectBatch]:
        try:
            move = BatchAction(action)
        except ValueError:
            allowed = ", ".join(a.value for a in BatchAction)
            raise InvalidInput(
                f"unknown batch action {action!r}: one of {allowed}", "invalid-action"
            ) from None
        rec = await batches.transition_batch(caller, project, batch, move, write)
        return schemas.Envelope(presenters.batch(project, rec))

    @get("/{batch:str}/annotation-types", summary="A batch's annotation types")
    async def batch_annotation_types(
        self,
        caller: NamedDependency[Caller],
        batches: NamedDependency[BatchService],
        project: FromPath[str],
        batch: FromPath[str],
    ) -> schemas.Envelope[list[str]]:
        return schemas.Envelope(await batches.batch_annotation_types(caller, project, batch))

    @put(
        "/{batch:str}/annotation-types",
        status_code=200,
        summary="Set a batch's annotation types (staff)",
        dependencies=WRITE,
    )
    async def set_batch_annotation_types(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        batches: NamedDependency[BatchService],
        project: FromPath[str],
        batch: FromPath[str],
        data: JSONBody[schemas.SetAnnotationTypesRequest],
    ) -> schemas.Envelope[list[str]]:
        types = await batches.set_batch_annotation_types(caller, project, batch, data.annotation_types, write)
        return schemas.Envelope(types)

    @get("/{batch:str}/events", summary="A batch's audit log (cursor-paginated)")
    async def batch_events(
        self,
        caller: NamedDependency[Caller],
        projects: NamedDependency[ProjectService],
        project: FromPath[str],
        batch: FromPath[str],
        cursor_id: EventCursor = 0,
        limit: EventLimit = 100,
    ) -> schemas.Page[schemas.Event]:
        rows, cursor = await projects.list_events(caller, project, batch, cursor_id, limit)
        return presenters.event_page(rows, cursor)
