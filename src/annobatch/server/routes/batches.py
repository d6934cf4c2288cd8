"""Batches of a project: the seed's list, create and publish, our one-batch view, staff moves."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import MediaType, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from annobatch import presenters, schemas
from annobatch.domain import BatchAction, InvalidInput
from annobatch.server import views
from annobatch.services import Services
from annobatch.services.batches import BatchService
from annobatch.services.identity import Caller

_PREFIX = "/v1/projects/{project:str}/batches"


def _ops(request: Request) -> BatchService:
    services: Services = request.app.state.services
    return services.batches


@get(_PREFIX, summary="All batches of a project")
async def list_batches(
    request: Request, caller: NamedDependency[Caller], project: FromPath[str]
) -> Response[schemas.Envelope[list[schemas.ProjectBatch]]]:
    # A project's list is kept encoded and answered again while the project's batches revision
    # is unchanged: one row read instead of building and encoding every batch.
    cache: views.EncodedLists = request.app.state.batch_lists
    key = (caller.org, project)
    hit = cache.get(key)
    version, recs = await _ops(request).list_batches_unless(caller, project, hit[0] if hit else None)  # type: ignore[arg-type]
    if recs is None and hit is not None:
        body = hit[1]
    else:
        body = msgspec.json.encode(schemas.Envelope([presenters.batch(project, b) for b in recs or []]))
        cache.put(key, version, body)
    return Response(content=body, media_type=MediaType.JSON)  # type: ignore[arg-type]


@post(_PREFIX + "/{batch:str}", status_code=200, summary="Create a batch")
async def create_batch(
    request: Request, caller: NamedDependency[Caller], project: FromPath[str], batch: FromPath[str]
) -> schemas.Envelope[schemas.ProjectBatch]:
    body = await views.decode_body(request, schemas.CreateBatchRequest, default=schemas.CreateBatchRequest())
    rec = await _ops(request).create_batch(
        caller,
        project,
        batch,
        publish_previous_batches=body.publish_previous_batches,
        title=body.title,
        write=views.write_options(request),
    )
    return schemas.Envelope(presenters.batch(project, rec))


@get(_PREFIX + "/{batch:str}", summary="One batch with its annotation types and input counts")
async def get_batch(
    request: Request, caller: NamedDependency[Caller], project: FromPath[str], batch: FromPath[str]
) -> schemas.Envelope[schemas.BatchDetail]:
    return schemas.Envelope(presenters.batch_detail(await _ops(request).get_batch(caller, project, batch)))


async def _move(
    request: Request,
    caller: NamedDependency[Caller],
    project: FromPath[str],
    batch: FromPath[str],
    action: BatchAction,
) -> schemas.Envelope[schemas.ProjectBatch]:
    rec = await _ops(request).transition_batch(caller, project, batch, action, views.write_options(request))
    return schemas.Envelope(presenters.batch(project, rec))


@post(_PREFIX + "/{batch:str}/publish", status_code=200, summary="Publish a batch: open → ready")
async def publish_batch(
    request: Request, caller: NamedDependency[Caller], project: FromPath[str], batch: FromPath[str]
) -> schemas.Envelope[schemas.ProjectBatch]:
    return await _move(request, caller, project, batch, BatchAction.PUBLISH)


@post(
    _PREFIX + "/{batch:str}/actions/{action:str}",
    status_code=200,
    summary="Move a batch (open, start, complete, archive, reopen, publish)",
)
async def batch_action(
    request: Request,
    caller: NamedDependency[Caller],
    project: FromPath[str],
    batch: FromPath[str],
    action: FromPath[str],
) -> schemas.Envelope[schemas.ProjectBatch]:
    try:
        move = BatchAction(action)
    except ValueError:
        allowed = ", ".join(a.value for a in BatchAction)
        raise InvalidInput(f"unknown batch action {action!r}: one of {allowed}", "invalid-action") from None
    return await _move(request, caller, project, batch, move)


@get(_PREFIX + "/{batch:str}/annotation-types", summary="A batch's annotation types")
async def batch_annotation_types(
    request: Request, caller: NamedDependency[Caller], project: FromPath[str], batch: FromPath[str]
) -> schemas.Envelope[list[str]]:
    return schemas.Envelope(await _ops(request).batch_annotation_types(caller, project, batch))


@put(
    _PREFIX + "/{batch:str}/annotation-types",
    status_code=200,
    summary="Set a batch's annotation types (staff)",
)
async def set_batch_annotation_types(
    request: Request, caller: NamedDependency[Caller], project: FromPath[str], batch: FromPath[str]
) -> schemas.Envelope[list[str]]:
    body = await views.decode_body(request, schemas.SetAnnotationTypesRequest)
    types = await _ops(request).set_batch_annotation_types(
        caller, project, batch, body.annotation_types, views.write_options(request)
    )
    return schemas.Envelope(types)


@get(_PREFIX + "/{batch:str}/events", summary="A batch's audit log (cursor-paginated)")
async def batch_events(
    request: Request,
    caller: NamedDependency[Caller],
    project: FromPath[str],
    batch: FromPath[str],
    cursor_id: Annotated[int, QueryParameter(name="cursorId", ge=0)] = 0,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
) -> schemas.Page[schemas.Event]:
    rows, cursor = await request.app.state.services.projects.list_events(
        caller, project, batch, cursor_id, limit
    )
    return presenters.event_page(rows, cursor)


ROUTES = [
    list_batches,
    create_batch,
    get_batch,
    publish_batch,
    batch_action,
    batch_annotation_types,
    set_batch_annotation_types,
    batch_events,
]
