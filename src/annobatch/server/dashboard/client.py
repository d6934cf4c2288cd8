"""The client's pages: projects, a project, a batch; and their actions (create and publish a
batch, review a delivered annotation), through the same services as the API."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from annobatch.server.dashboard.web import CLIENT_PAGES, ROLES, page
from annobatch.services.identity import Caller
from annobatch.services.projects import ProjectService


class ClientPages(Controller):
    path = "/projects"
    include_in_schema = False
    opt = {ROLES: CLIENT_PAGES}

    @get("/")
    async def projects_page(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        projects: NamedDependency[ProjectService],
    ) -> Template:
        return page(request, "projects.html", projects=await projects.list_projects(caller))
