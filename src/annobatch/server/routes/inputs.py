"""Inputs: the listings (`v2/inputs/query`, and the deprecated `v1/inputs/fetch` and
`v1/inputs/query`), placing a created scene in a batch, deleting an input, and the deprecated
input invalidation."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Request, delete, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from annobatch import presenters, schemas
from annobatch.domain import InvalidInput, SceneType
from annobatch.server import views
from annobatch.server.routes import calibrations, imu, scenes, uploads
from annobatch.server.routes.scenes import view_link
from annobatch.server.uploads import public_base
from annobatch.services import Services
from annobatch.services.identity import Caller
from annobatch.services.inputs import MAX_PAGE, EntryRow, InputService
from annobatch.storage.records import InputRow

_REQUEST_NAMESPACE = uuid.UUID("6f1f3c52-8c51-4a4e-9d0e-6a1bd8a3e0c1")

CursorId = Annotated[str | None, QueryParameter(name="cursorId")]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]


def _ops(request: Request) -> InputService:
    services: Services = request.app.state.services
    return services.inputs


def request_uid(batch_id: int) -> str:
    """A batch is what the official platform calls a request: a stable uid per batch."""
    return str(uuid.uuid5(_REQUEST_NAMESPACE, f"batch:{batch_id}"))


def input_view(r: InputRow, base: str) -> schemas.Input:
    return schemas.Input(
        r.id, r.scene_id, request_uid(r.batch_id), r.scene_external_id, view_link(base, r.scene_id)
    )


def entry_view(e: EntryRow, base: str) -> schemas.InputEntry:
    r = e.row
    return schemas.InputEntry(
        r.scene_id, r.scene_external_id, r.batch, SceneType(r.scene_type).wire_name, r.status,
        presenters.when(r.created), e.annotation_types, r.calibration_id, view_link(base, r.scene_id),
        r.error_message,
    )  # fmt: skip


@post("/v2/inputs/query", status_code=200, summary="The caller's inputs (cursor-paginated)")
async def query_inputs(
    request: Request, caller: NamedDependency[Caller], cursor_id: CursorId = None, limit: Limit = MAX_PAGE
) -> schemas.Page[schemas.Input]:
    body = await views.decode_body(request, schemas.QueryInputsRequest, default=schemas.QueryInputsRequest())
    rows, cursor = await _ops(request).query_inputs(
        caller,
        project=body.project,
        batch=body.batch,
        scene_uuids=body.scene_uuids or (),
        external_ids=body.external_ids or (),
        cursor=cursor_id,
        limit=limit,
    )
    base = public_base(request)
    return schemas.Page([input_view(r, base) for r in rows], schemas.PageMetadata(cursor))


@post("/v1/inputs/fetch", status_code=200, summary="A project's inputs, v1 form (cursor-paginated)")
async def fetch_inputs(
    request: Request, caller: NamedDependency[Caller], cursor_id: CursorId = None, limit: Limit = MAX_PAGE
) -> schemas.Page[schemas.InputEntry]:
    body = await views.decode_body(request, schemas.FetchInputsRequest)
    ops = _ops(request)
    rows, cursor = await ops.query_inputs(
        caller,
        project=body.project,
        batch=body.batch,
        external_ids=body.external_ids or (),
        include_invalidated=body.include_invalidated,
        cursor=cursor_id,
        limit=limit,
    )
    base = public_base(request)
    return schemas.Page(
        [entry_view(e, base) for e in await ops.with_types(rows)], schemas.PageMetadata(cursor)
    )


@post("/v1/inputs/query", status_code=200, summary="The inputs of some scenes, v1 form")
async def inputs_by_scene(
    request: Request, caller: NamedDependency[Caller]
) -> schemas.Envelope[list[schemas.InputEntry]]:
    body = await views.decode_body(request, schemas.InputsByUuidsRequest)
    entries = await _ops(request).inputs_of_scenes(caller, body.uuids)
    base = public_base(request)
    return schemas.Envelope([entry_view(e, base) for e in entries])


@post("/v1/inputs", status_code=200, summary="Place a created scene in a project's batch")
async def create_input_v1(
    request: Request, caller: NamedDependency[Caller]
) -> schemas.Envelope[list[schemas.Input]]:
    body = await views.decode_body(request, schemas.InputFromSceneRequest)
    row = await _ops(request).create_input(
        caller, body.scene_uuid, body.project, body.batch, views.write_options(request)
    )
    return schemas.Envelope([input_view(row, public_base(request))])


@post("/v2/inputs", status_code=200, summary="Place a created scene in a project's batch")
async def create_input_v2(
    request: Request, caller: NamedDependency[Caller]
) -> schemas.Envelope[schemas.Input]:
    body = await views.decode_body(request, schemas.InputFromSceneRequestV2)
    if body.pre_annotation_uuid is not None:
        raise InvalidInput("pre-annotations are not supported by this server; leave preAnnotationUuid out")
    if body.request_uuid is not None or body.project_ext_id is None:
        raise InvalidInput("name the target as projectExtId (and optionally batchExtId)", "project-required")
    if body.scene_uuid is None:
        raise InvalidInput("name the scene: sceneUuid", "scene-required")
    row = await _ops(request).create_input(
        caller, body.scene_uuid, body.project_ext_id, body.batch_ext_id, views.write_options(request)
    )
    return schemas.Envelope(input_view(row, public_base(request)))


@delete(
    "/v2/inputs/{input_uuid:str}", status_code=200, summary="Take an input out of its batch (the scene stays)"
)
async def delete_input(
    request: Request, caller: NamedDependency[Caller], input_uuid: FromPath[str]
) -> schemas.Envelope[dict[str, str]]:
    await _ops(request).delete_input(caller, input_uuid, views.write_options(request))
    return schemas.Envelope({"deleted": input_uuid})


@post("/v1/inputs/actions/invalidate", status_code=200, summary="Invalidate scenes (deprecated form)")
async def invalidate_inputs(
    request: Request, caller: NamedDependency[Caller]
) -> schemas.Envelope[dict[str, int]]:
    body = await views.decode_body(request, schemas.InvalidateInputsRequest)
    n = await request.app.state.services.scenes.invalidate_scenes(
        caller, body.input_ids, body.invalidated_reason, views.write_options(request)
    )
    return schemas.Envelope({"invalidated": n})


ROUTES = [
    query_inputs,
    fetch_inputs,
    inputs_by_scene,
    create_input_v1,
    create_input_v2,
    delete_input,
    invalidate_inputs,
]

#: Everything of scene and input creation and reading, for the app.
API = [*scenes.ROUTES, *ROUTES, *uploads.ROUTES, *calibrations.ROUTES, *imu.ROUTES]
