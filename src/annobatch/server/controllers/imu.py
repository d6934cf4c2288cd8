"""`POST /v1/imu`: a lidar scene's IMU data, sent before the scene itself, which then names it."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from annobatch import schemas
from annobatch.server.bodies import SCENE_BODY_LIMIT
from annobatch.server.dependencies import WRITE
from annobatch.server.params import WorkspaceId
from annobatch.services.calibrations import CalibrationService
from annobatch.services.identity import Caller
from annobatch.services.transactions import Write


class ImuController(Controller):
    path = "/v1/imu"
    tags = ["scenes"]

    @post(
        status_code=200,
        request_max_body_size=SCENE_BODY_LIMIT,
        summary="Store a scene's IMU data",
        dependencies=WRITE,
    )
    async def add_imu(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        calibrations: NamedDependency[CalibrationService],
        data: JSONBody[schemas.ImuDataRequest],
        workspace_id: WorkspaceId = None,
    ) -> schemas.Envelope[schemas.ImuResource]:
        """The data arrives whole in this body, so the answer carries no upload URL (and the client
        then uploads nothing more for it)."""
        rec = await calibrations.add_imu(caller, workspace_id, data, write)
        return schemas.Envelope(schemas.ImuResource(rec.id))
