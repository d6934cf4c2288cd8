"""Calibrations (`v1/calibrations`): create one, read one by id, list them (by external id)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from annobatch import presenters, schemas
from annobatch.server.dependencies import WRITE
from annobatch.server.params import WorkspaceId
from annobatch.services.calibrations import CalibrationService
from annobatch.services.identity import Caller
from annobatch.services.transactions import Write


class CalibrationController(Controller):
    path = "/v1/calibrations"
    tags = ["calibrations"]

    @get(summary="One calibration (?id=), or a list (?externalId=, or all)")
    async def get_calibrations(
        self,
        caller: NamedDependency[Caller],
        calibrations: NamedDependency[CalibrationService],
        id_: Annotated[str | None, QueryParameter(name="id")] = None,
        external_id: Annotated[str | None, QueryParameter(name="externalId")] = None,
    ) -> (
        schemas.Envelope[schemas.SensorCalibrationEntry]
        | schemas.Envelope[list[schemas.SensorCalibrationEntry]]
    ):
        if id_ is not None:
            return schemas.Envelope(presenters.calibration(await calibrations.get_calibration(caller, id_)))
        found = await calibrations.list_calibrations(caller, external_id)
        return schemas.Envelope([presenters.calibration(c) for c in found])

    @post(status_code=200, summary="Create a calibration", dependencies=WRITE)
    async def create_calibration(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        calibrations: NamedDependency[CalibrationService],
        data: JSONBody[schemas.CreateCalibrationRequest],
        workspace_id: WorkspaceId = None,
    ) -> schemas.Envelope[schemas.SensorCalibrationEntry]:
        rec = await calibrations.create_calibration(caller, workspace_id, data, write)
        return schemas.Envelope(presenters.calibration(rec))
