"""`client.workspace`: the workspaces the caller is a developer in."""

from __future__ import annotations

from annobatch.client._requester import Requester
from annobatch.schemas import Envelope, Workspace


class WorkspaceResource:
    """Workspaces, as the official client names them."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    def get_workspaces(
        self, roles: list[str] | None = None, organization_ids: list[int] | None = None
    ) -> list[Workspace]:
        """The workspaces in which the caller has one of `roles` (default: developer)."""
        params: dict[str, object] = {"anyRoleIn": roles or ["developer"]}
        if organization_ids:
            params["organizationIds"] = organization_ids
        return self._requester.call("GET", "/v1/workspaces", Envelope[list[Workspace]], params=params).data
