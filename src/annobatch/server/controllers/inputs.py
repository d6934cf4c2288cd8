"""Inputs: the listings (`v2/inputs/query`, and the deprecated `v1/inputs/fetch` and
`v1/inputs/query`), placing a created scene in a batch, taking an input out, and the deprecated
input invalidation."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, delete, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from annobatch import presenters, schemas
from annobatch.domain import InvalidInput
from annobatch.server.bodies import OptionalBody
from annobatch.server.dependencies import WRITE
from annobatch.server.links import public_base
from annobatch.services.deliveries import DeliveryService
from annobatch.services.identity import Caller
from annobatch.services.inputs import MAX_PAGE, InputService
from annobatch.services.scenes import SceneService
from annobatch.services.transactions import Write

CursorId = Annotated[str | None, QueryParameter(name="cursorId")]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]


class InputV1Controller(Controller):
    path = "/v1/inputs"
    tags = ["inputs"]

    @post("/fetch", status_code=200, summary="A project's inputs, v1 form (cursor-paginated)")
    async def fetch_inputs(
        self,
        request: Request,
        caller: NamedDependency[Caller],
        inputs: NamedDependency[InputService],
        data: JSONBody[schemas.FetchInputsRequest],
        cursor_id: CursorId = None,
        limit: Limit = MAX_PAGE,
    ) -> schemas.Page[schemas.InputEntry]:
        rows, cursor = await inputs.query_inputs(
            caller,
            project=data.project,
            batch=data.batch,
            external_ids=data.external_ids or (),
            include_invalidated=data.include_invalidated,
            cursor=cursor_id,
            limit=limit,
        )
        base = public_base(request)
        entries = await inputs.with_types(rows)
        return schemas.Page([presenters.input_entry(e, base) for e in entries], schemas.PageMetadata(cursor))

    @post("/query", status_code=200, summary="The inputs of some scenes, v1 form")
    async def inputs_by_scene(
        self,
        request: Request,
        caller: NamedDependency[Caller],
        inputs: NamedDependency[InputService],
        data: JSONBody[schemas.InputsByUuidsRequest],
    ) -> schemas.Envelope[list[schemas.InputEntry]]:
        entries = await inputs.inputs_of_scenes(caller, data.uuids)
        base = public_base(request)
        return schemas.Envelope([presenters.input_entry(e, base) for e in entries])

    @post(status_code=200, summary="Place a created scene in a project's batch", dependencies=WRITE)
    async def create_input(
        self,
        request: Request,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        inputs: NamedDependency[InputService],
        data: JSONBody[schemas.InputFromSceneRequest],
    ) -> schemas.Envelope[list[schemas.Input]]:
        # As on the official platform, the v1 form starts from the scene's latest pre-annotation.
        row = await inputs.create_input(
            caller, data.scene_uuid, data.project, data.batch, write, latest_pre_annotation=True
        )
        return schemas.Envelope([presenters.input_(row, public_base(request))])

    @post(
        "/actions/invalidate",
        status_code=200,
        summary="Invalidate scenes (deprecated form)",
        dependencies=WRITE,
    )
    async def invalidate_inputs(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        scenes: NamedDependency[SceneService],
        data: JSONBody[schemas.InvalidateInputsRequest],
    ) -> schemas.Envelope[dict[str, int]]:
        n = await scenes.invalidate_scenes(caller, data.input_ids, data.invalidated_reason, write)
        return schemas.Envelope({"invalidated": n})


class InputController(Controller):
    path = "/v2/inputs"
    tags = ["inputs"]

    @post(
        "/query",
        status_code=200,
        summary="The caller's inputs (cursor-paginated)",
        operation_class=OptionalBody,
    )
    async def query_inputs(
        self,
        request: Request,
        caller: NamedDependency[Caller],
        inputs: NamedDependency[InputService],
        cursor_id: CursorId = None,
        limit: Limit = MAX_PAGE,
        data: JSONBody[schemas.QueryInputsRequest | None] = None,
    ) -> schemas.Page[schemas.Input]:
        query = data or schemas.QueryInputsRequest()
        rows, cursor = await inputs.query_inputs(
            caller,
            project=query.project,
            batch=query.batch,
            scene_uuids=query.scene_uuids or (),
            external_ids=query.external_ids or (),
            cursor=cursor_id,
            limit=limit,
        )
        base = public_base(request)
        return schemas.Page([presenters.input_(r, base) for r in rows], schemas.PageMetadata(cursor))

    @post(status_code=200, summary="Place a created scene in a project's batch", dependencies=WRITE)
    async def create_input(
        self,
        request: Request,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        inputs: NamedDependency[InputService],
        deliveries: NamedDependency[DeliveryService],
        data: JSONBody[schemas.InputFromSceneRequestV2],
    ) -> schemas.Envelope[schemas.Input]:
        # The target is a request (a batch's requestUid) or a project (and optionally its batch).
        if (data.request_uuid is None) == (data.project_ext_id is None):
            raise InvalidInput(
                "name the target as requestUuid, or as projectExtId (and optionally batchExtId)",
                "project-required",
            )
        if data.scene_uuid is None and data.pre_annotation_uuid is None:
            raise InvalidInput(
                "name the scene (sceneUuid) or a pre-annotation (preAnnotationUuid)", "scene-required"
            )
        project, batch = data.project_ext_id, data.batch_ext_id
        if data.request_uuid is not None:
            project, batch = await deliveries.request_target(caller, data.request_uuid)
        assert project is not None
        row = await inputs.create_input(
            caller, data.scene_uuid, project, batch, write, data.pre_annotation_uuid
        )
        return schemas.Envelope(presenters.input_(row, public_base(request)))

    @patch(
        "/{input_uuid:str}/pre-annotation",
        status_code=200,
        summary="Start the input's annotation from another pre-annotation (409 once it has started)",
        dependencies=WRITE,
    )
    async def update_pre_annotation(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        inputs: NamedDependency[InputService],
        input_uuid: FromPath[str],
        data: JSONBody[schemas.InputPreAnnotationChange],
    ) -> schemas.Envelope[dict[str, str]]:
        await inputs.update_pre_annotation(caller, input_uuid, data.uuid, write)
        return schemas.Envelope({"input": input_uuid, "preAnnotation": data.uuid})

    @delete(
        "/{input_uuid:str}",
        status_code=200,
        summary="Take an input out of its batch (the scene stays)",
        dependencies=WRITE,
    )
    async def delete_input(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        inputs: NamedDependency[InputService],
        input_uuid: FromPath[str],
    ) -> schemas.Envelope[dict[str, str]]:
        await inputs.delete_input(caller, input_uuid, write)
        return schemas.Envelope({"deleted": input_uuid})
