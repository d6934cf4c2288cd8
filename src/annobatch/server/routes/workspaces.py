"""`GET /v1/workspaces`: the official client's constructor looks up its write workspace here."""

from __future__ import annotations

from litestar import Request, get
from litestar.di import NamedDependency

from annobatch import presenters, schemas
from annobatch.domain import InvalidInput
from annobatch.services import Services
from annobatch.services.identity import Caller


@get("/v1/workspaces", summary="Workspaces the caller is a developer in")
async def list_workspaces(
    request: Request, caller: NamedDependency[Caller]
) -> schemas.Envelope[list[schemas.Workspace]]:
    services: Services = request.app.state.services
    try:
        org_ids = [int(v) for v in request.query_params.getall("organizationIds", [])]
    except ValueError:
        raise InvalidInput("organizationIds must be organization ids (integers)") from None
    found = await services.accounts.list_workspaces(caller, org_ids or None)
    return schemas.Envelope([presenters.workspace(w, o.name) for w, o in found])


ROUTES = [list_workspaces]
