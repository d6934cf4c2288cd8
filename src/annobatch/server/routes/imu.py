"""`POST /v1/imu`: a lidar scene's IMU data, sent before the scene itself, which then names it."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from annobatch import schemas
from annobatch.server import views
from annobatch.server.routes.scenes import SCENE_BODY_LIMIT
from annobatch.services.identity import Caller


@post("/v1/imu", status_code=200, request_max_body_size=SCENE_BODY_LIMIT, summary="Store a scene's IMU data")
async def add_imu(
    request: Request,
    caller: NamedDependency[Caller],
    workspace_id: Annotated[str | None, QueryParameter(name="workspaceId")] = None,
) -> schemas.Envelope[schemas.ImuResource]:
    """The data arrives whole in this body, so the answer carries no upload URL (and the client
    then uploads nothing more for it)."""
    body = await views.decode_body(request, schemas.ImuDataRequest)
    rec = await request.app.state.services.calibrations.add_imu(
        caller, workspace_id, body, views.write_options(request)
    )
    return schemas.Envelope(schemas.ImuResource(rec.id))


ROUTES = [add_imu]
