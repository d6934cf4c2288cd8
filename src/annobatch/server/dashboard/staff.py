"""Staff pages: organizations (and switching the one acted for), the workforce and project
members, every batch move, workflows, the task queue."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from annobatch.server.dashboard.web import ROLES, STAFF_PAGES, page
from annobatch.services.accounts import AccountService


class StaffPages(Controller):
    path = "/staff"
    include_in_schema = False
    opt = {ROLES: STAFF_PAGES}

    @get("/organizations")
    async def organizations_page(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountService]
    ) -> Template:
        return page(request, "staff_organizations.html", organizations=await accounts.list_organizations())
