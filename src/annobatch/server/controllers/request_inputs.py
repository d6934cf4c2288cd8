"""Request inputs (`client.input.get_request_inputs` / `get_request_input`): a request's inputs
with their work status, workflow stage and current task."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from annobatch import presenters, schemas
from annobatch.services.deliveries import DEFAULT_PAGE, MAX_PAGE, DeliveryService
from annobatch.services.identity import Caller

RequestId = Annotated[
    str, QueryParameter(name="requestId", description="The request's id (a batch's requestUid).")
]
SceneId = Annotated[str | None, QueryParameter(name="sceneId", description="Only the input of this scene.")]
CursorId = Annotated[str | None, QueryParameter(name="cursorId")]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]


class RequestInputController(Controller):
    path = "/v2/request-inputs"
    tags = ["requests"]

    @get(summary="A request's inputs with their workflow stage and current task (cursor-paginated)")
    async def list_request_inputs(
        self,
        caller: NamedDependency[Caller],
        deliveries: NamedDependency[DeliveryService],
        request_id: RequestId,
        scene_id: SceneId = None,
        cursor_id: CursorId = None,
        limit: Limit = DEFAULT_PAGE,
    ) -> schemas.Page[schemas.RequestInput]:
        views, cursor = await deliveries.request_inputs(caller, request_id, scene_id, cursor_id, limit)
        return schemas.Page([presenters.request_input(v) for v in views], schemas.PageMetadata(cursor))

    @get("/{request_input:str}", summary="One request input with its workflow stage and current task")
    async def get_request_input(
        self,
        caller: NamedDependency[Caller],
        deliveries: NamedDependency[DeliveryService],
        request_input: FromPath[str],
    ) -> schemas.Envelope[schemas.RequestInput]:
        return schemas.Envelope(
            presenters.request_input(await deliveries.request_input(caller, request_input))
        )
