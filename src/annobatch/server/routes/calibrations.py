"""Calibrations (`v1/calibrations`): create one, read one by id, list them (by external id)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from annobatch import presenters, schemas
from annobatch.server import views
from annobatch.services.identity import Caller
from annobatch.storage.records import CalibrationRecord


def calibration_view(c: CalibrationRecord) -> schemas.SensorCalibrationEntry:
    """The calibration keeps the snake_case keys it was sent with, as the official client expects."""
    entries: dict[str, dict[str, Any]] = msgspec.json.decode(c.calibration)
    return schemas.SensorCalibrationEntry(
        c.id, c.external_id, presenters.when(c.created), c.workspace_id, entries
    )


@get("/v1/calibrations", summary="One calibration (?id=), or a list (?externalId=, or all)")
async def get_calibrations(
    request: Request,
    caller: NamedDependency[Caller],
    id_: Annotated[str | None, QueryParameter(name="id")] = None,
    external_id: Annotated[str | None, QueryParameter(name="externalId")] = None,
) -> (
    schemas.Envelope[schemas.SensorCalibrationEntry] | schemas.Envelope[list[schemas.SensorCalibrationEntry]]
):
    ops = request.app.state.services.calibrations
    if id_ is not None:
        return schemas.Envelope(calibration_view(await ops.get_calibration(caller, id_)))
    return schemas.Envelope([calibration_view(c) for c in await ops.list_calibrations(caller, external_id)])


@post("/v1/calibrations", status_code=200, summary="Create a calibration")
async def create_calibration(
    request: Request,
    caller: NamedDependency[Caller],
    workspace_id: Annotated[str | None, QueryParameter(name="workspaceId")] = None,
) -> schemas.Envelope[schemas.SensorCalibrationEntry]:
    body = await views.decode_body(request, schemas.CreateCalibrationRequest)
    rec = await request.app.state.services.calibrations.create_calibration(
        caller, workspace_id, body, views.write_options(request)
    )
    return schemas.Envelope(calibration_view(rec))


ROUTES = [get_calibrations, create_calibration]
