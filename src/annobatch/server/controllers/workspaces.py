"""`GET /v1/workspaces`: the official client's constructor looks up its write workspace here."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.di import NamedDependency

from annobatch import presenters, schemas
from annobatch.domain import parse_integer
from annobatch.services.accounts import AccountService
from annobatch.services.identity import Caller


class WorkspaceController(Controller):
    path = "/v1/workspaces"
    tags = ["workspaces"]

    @get(summary="Workspaces the caller is a developer in")
    async def list_workspaces(
        self, request: Request, caller: NamedDependency[Caller], accounts: NamedDependency[AccountService]
    ) -> schemas.Envelope[list[schemas.Workspace]]:
        # Repeated (`?organizationIds=1&organizationIds=2`), and refused in our words when not ids.
        org_ids = [
            parse_integer(v, "organizationIds", minimum=0)
            for v in request.query_params.getall("organizationIds", [])
        ]
        found = await accounts.list_workspaces(caller, org_ids or None)
        return schemas.Envelope([presenters.workspace(w, o.name) for w, o in found])
