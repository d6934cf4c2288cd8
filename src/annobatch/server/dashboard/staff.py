"""Staff pages: organizations (and switching the one acted for), the workforce and a project's
members, every batch move, workflows, the task queue. Every change goes through the services the
API and the operator CLI use."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from annobatch.domain import BatchAction, InvalidInput, parse_integer
from annobatch.server.dashboard.client import batch_url, project_url
from annobatch.server.dashboard.web import (
    ROLES,
    STAFF_PAGES,
    confirmation,
    dashboard_of,
    form_text,
    page,
    redirect,
    session_cookie,
    session_of,
)
from annobatch.services.accounts import AccountService
from annobatch.services.batches import BatchService
from annobatch.services.dashboard import DashboardService
from annobatch.services.identity import Caller
from annobatch.services.workforce import WorkforceService

Req = Request[Any, Any, Any]

#: What each move does, said before it is made.
MOVE_WORDS = {
    BatchAction.OPEN: "it will accept inputs",
    BatchAction.PUBLISH: "it will accept no more inputs",
    BatchAction.REOPEN: "it will accept inputs again",
    BatchAction.START: "work on its inputs starts",
    BatchAction.COMPLETE: "it is marked completed",
    BatchAction.ARCHIVE: "it is archived and leaves the active list",
}


def staff_project_url(project: str) -> str:
    return f"/staff/projects/{quote(project, safe='')}"


class StaffPages(Controller):
    path = "/staff"
    include_in_schema = False
    opt = {ROLES: STAFF_PAGES}

    @get("/organizations")
    async def organizations_page(self, request: Req, accounts: NamedDependency[AccountService]) -> Template:
        return page(request, "staff_organizations.html", organizations=await accounts.list_organizations())

    @post("/organizations/switch", status_code=200)
    async def switch_organization(
        self, request: Req, accounts: NamedDependency[AccountService]
    ) -> Response[Any]:
        """Act for another organization: the session's `org`, as `X-Organization-Id` on the API."""
        form = await request.form()
        org = await accounts.find_organization(
            parse_integer(form_text(form, "org"), "organization", minimum=1)
        )
        response = redirect(request, "/projects", f"Acting for {org.name}.")
        acting = session_of(request).acting_for(org.id, org.name)
        response.set_cookie(session_cookie(dashboard_of(request), acting))
        return response

    @get("/workforce")
    async def workforce_page(
        self,
        request: Req,
        caller: NamedDependency[Caller],
        workforce: NamedDependency[WorkforceService],
    ) -> Template:
        return page(
            request,
            "staff_workforce.html",
            members=await workforce.list_members(caller.org),
            projects=await workforce.member_projects(caller),
            staff_project_url=staff_project_url,
        )

    @get("/projects/{project:str}")
    async def project_settings_page(
        self,
        request: Req,
        caller: NamedDependency[Caller],
        dashboard: NamedDependency[DashboardService],
        project: FromPath[str],
    ) -> Template:
        """A project's workforce and workflows."""
        s = await dashboard.project_settings(caller, project)
        return page(
            request,
            "staff_project.html",
            p=s.project,
            members=s.members,
            workforce=s.workforce,
            batches=s.batches,
            url=staff_project_url(project),
            project_url=project_url(project),
            batch_url=batch_url,
        )

    @post("/projects/{project:str}/members", status_code=200)
    async def add_member(
        self,
        request: Req,
        caller: NamedDependency[Caller],
        workforce: NamedDependency[WorkforceService],
        project: FromPath[str],
    ) -> Response[Any]:
        form = await request.form()
        user_id = parse_integer(form_text(form, "user_id"), "member", minimum=1)
        added = await workforce.add_to_project(caller, project, user_id)
        said = "added to" if added else "already works on"
        return redirect(request, staff_project_url(project), f"Member {user_id} {said} project {project}.")

    @post("/projects/{project:str}/members/{user_id:int}/remove", status_code=200)
    async def remove_member(
        self,
        request: Req,
        caller: NamedDependency[Caller],
        workforce: NamedDependency[WorkforceService],
        project: FromPath[str],
        user_id: FromPath[int],
    ) -> Response[Any]:
        form = await request.form()
        back = staff_project_url(project)
        asked = confirmation(
            request,
            form,
            message=f"Remove member {user_id} from project {project}: their waiting tasks there are "
            "unassigned.",
            label="Remove",
            back=back,
        )
        if asked is not None:
            return asked
        removed = await workforce.remove_from_project(caller, project, user_id)
        said = "removed from" if removed else "was not a member of"
        return redirect(request, back, f"Member {user_id} {said} project {project}.")

    @post("/projects/{project:str}/workflow", status_code=200)
    async def set_project_workflow(
        self,
        request: Req,
        caller: NamedDependency[Caller],
        workforce: NamedDependency[WorkforceService],
        project: FromPath[str],
    ) -> Response[Any]:
        form = await request.form()
        text = await workforce.set_project_workflow(caller, project, _phases(form_text(form, "workflow")))
        return redirect(
            request, staff_project_url(project), f"Project {project}'s workflow: {_arrows(text)}."
        )

    @post("/projects/{project:str}/batches/{batch:str}/workflow", status_code=200)
    async def set_batch_workflow(
        self,
        request: Req,
        caller: NamedDependency[Caller],
        workforce: NamedDependency[WorkforceService],
        project: FromPath[str],
        batch: FromPath[str],
    ) -> Response[Any]:
        """A batch's own workflow; empty: the project's again."""
        form = await request.form()
        written = form_text(form, "workflow")
        text = await workforce.set_batch_workflow(
            caller, project, batch, _phases(written) if written else None
        )
        said = _arrows(text) if text else "the project's"
        return redirect(request, staff_project_url(project), f"Batch {batch}'s workflow: {said}.")

    @post("/projects/{project:str}/batches/{batch:str}/move", status_code=200)
    async def move_batch(
        self,
        request: Req,
        caller: NamedDependency[Caller],
        batches: NamedDependency[BatchService],
        project: FromPath[str],
        batch: FromPath[str],
    ) -> Response[Any]:
        """Any move of a batch's lifecycle (`BatchService.transition_batch`), confirmed first."""
        form = await request.form()
        action = _action(form_text(form, "action"))
        back = form_text(form, "back") or batch_url(project, batch)
        asked = confirmation(
            request,
            form,
            message=f"{action.value.capitalize()} batch {batch}: {MOVE_WORDS[action]}.",
            label=action.value.capitalize(),
            back=back,
            fields={"action": action.value, "back": back},
        )
        if asked is not None:
            await batches.get_batch(caller, project, batch)
            return asked
        moved = await batches.transition_batch(caller, project, batch, action)
        return redirect(request, back, f"Batch {batch}: {action.value} → {moved.status}.")

    @get("/tasks")
    async def task_queue_page(
        self, request: Req, caller: NamedDependency[Caller], dashboard: NamedDependency[DashboardService]
    ) -> Template:
        lease = request.app.state.settings.task_lease_seconds
        return page(request, "staff_tasks.html", q=await dashboard.task_queue(caller, lease), lease=lease)


def _phases(text: str) -> list[str]:
    return [p.strip() for p in text.replace("→", ",").split(",") if p.strip()]


def _arrows(text: str) -> str:
    return " → ".join(text.split(","))


def _action(value: str) -> BatchAction:
    try:
        return BatchAction(value)
    except ValueError:
        moves = ", ".join(a.value for a in BatchAction)
        raise InvalidInput(f"unknown batch move {value!r}: one of {moves}", "invalid-action") from None
