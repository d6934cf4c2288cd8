"""`GET /v1/workspaces`: the official client's constructor looks up its write workspace here."""

from __future__ import annotations

from litestar import Request, get
from litestar.di import NamedDependency

from annobatch import schemas
from annobatch.domain import InvalidInput
from annobatch.server import views
from annobatch.server.auth import Caller
from annobatch.server.operations import Operations


@get("/v1/workspaces", summary="Workspaces the caller is a developer in")
async def list_workspaces(
    request: Request, caller: NamedDependency[Caller]
) -> schemas.Envelope[list[schemas.Workspace]]:
    ops: Operations = request.app.state.ops
    try:
        org_ids = [int(v) for v in request.query_params.getall("organizationIds", [])]
    except ValueError:
        raise InvalidInput("organizationIds must be organization ids (integers)") from None
    found = await ops.list_workspaces(caller, org_ids or None)
    return schemas.Envelope([views.workspace(w, o.name) for w, o in found])


ROUTES = [list_workspaces]
