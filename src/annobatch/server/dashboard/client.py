"""The client's pages: projects, a project, a batch; and their actions (create and publish a batch,
review a delivered annotation), through the same services as the API. Staff see them too, for the
organization they act for."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from annobatch.domain import BatchAction, SceneType
from annobatch.server.dashboard.web import (
    CLIENT_PAGES,
    ROLES,
    confirmation,
    form_text,
    page,
    redirect,
)
from annobatch.services.batches import BatchService
from annobatch.services.dashboard import INPUT_PLACES, DashboardService, InputQuery
from annobatch.services.deliveries import DeliveryService
from annobatch.services.identity import Caller
from annobatch.services.work import WorkService

Req = Request[Any, Any, Any]


def project_url(project: str) -> str:
    return f"/projects/{quote(project, safe='')}"


def batch_url(project: str, batch: str) -> str:
    return f"{project_url(project)}/batches/{quote(batch, safe='')}"


class ClientPages(Controller):
    path = "/projects"
    include_in_schema = False
    opt = {ROLES: CLIENT_PAGES}

    @get("/")
    async def projects_page(
        self, request: Req, caller: NamedDependency[Caller], dashboard: NamedDependency[DashboardService]
    ) -> Template:
        return page(request, "projects.html", projects=await dashboard.projects(caller))

    @get("/{project:str}")
    async def project_page(
        self,
        request: Req,
        caller: NamedDependency[Caller],
        dashboard: NamedDependency[DashboardService],
        project: FromPath[str],
        cursor: FromQuery[str] = "",
    ) -> Template:
        overview = await dashboard.project(caller, project, cursor)
        return page(
            request,
            "project.html",
            o=overview,
            batch_url=batch_url,
            next_page="?" + urlencode({"cursor": overview.next_cursor}) if overview.next_cursor else None,
            first_page="?" if cursor else None,
        )

    @post("/{project:str}/batches", status_code=200)
    async def create_batch(
        self,
        request: Req,
        caller: NamedDependency[Caller],
        batches: NamedDependency[BatchService],
        project: FromPath[str],
    ) -> Response[Any]:
        """A new batch (`BatchService.create_batch`, as `POST /v1/projects/<p>/batches/<b>`)."""
        form = await request.form()
        batch = form_text(form, "batch")
        title = form_text(form, "title") or None
        publish = form_text(form, "publish_previous") == "yes"
        made = await batches.create_batch(
            caller, project, batch, publish_previous_batches=publish, title=title
        )
        also = " The open batches before it were published." if publish else ""
        flash = f"Batch {made.external_id} created ({made.status}).{also}"
        return redirect(request, project_url(project), flash)

    @post("/{project:str}/batches/{batch:str}/publish", status_code=200)
    async def publish_batch(
        self,
        request: Req,
        caller: NamedDependency[Caller],
        batches: NamedDependency[BatchService],
        project: FromPath[str],
        batch: FromPath[str],
    ) -> Response[Any]:
        form = await request.form()
        back = form_text(form, "back") or project_url(project)
        asked = confirmation(
            request,
            form,
            message=publish_message(batch),
            label="Publish",
            back=back,
            fields={"back": back},
        )
        if asked is not None:
            await batches.get_batch(caller, project, batch)  # not found before anything is asked
            return asked
        await batches.transition_batch(caller, project, batch, BatchAction.PUBLISH)
        return redirect(request, back, f"Batch {batch} published: it accepts no more inputs.")

    @get("/{project:str}/batches/{batch:str}")
    async def batch_page(
        self,
        request: Req,
        caller: NamedDependency[Caller],
        dashboard: NamedDependency[DashboardService],
        project: FromPath[str],
        batch: FromPath[str],
        status: FromQuery[str] = "",
        scene_type: FromQuery[str] = "",
        error: FromQuery[str] = "",
        stage: FromQuery[str] = "",
        cursor: FromQuery[str] = "",
    ) -> Template:
        query = InputQuery(status, scene_type, error == "yes", stage, cursor)
        found = await dashboard.batch(caller, project, batch, query)
        filters = {"status": status, "scene_type": scene_type, "error": error, "stage": stage}
        kept = {k: v for k, v in filters.items() if v}
        next_page = None
        if found.next_cursor:
            next_page = "?" + urlencode({**kept, "cursor": found.next_cursor})
        return page(
            request,
            "batch.html",
            b=found,
            filters=filters,
            filtered=bool(kept),
            first_page="?" + urlencode(kept) if cursor else None,
            next_page=next_page,
            places=INPUT_PLACES,
            scene_types=[t.value for t in SceneType],
            url=batch_url(project, batch),
            project_url=project_url(project),
            publish_message=publish_message(batch),
            moves=[a.value for a in BatchAction],
        )

    @get("/{project:str}/batches/{batch:str}/annotations/{annotation:str}")
    async def review_page(
        self,
        request: Req,
        caller: NamedDependency[Caller],
        deliveries: NamedDependency[DeliveryService],
        project: FromPath[str],
        batch: FromPath[str],
        annotation: FromPath[str],
    ) -> Template:
        """A delivered annotation, and the client's review of it: accept, or reject with feedback."""
        delivered = await deliveries.annotation(caller, annotation)
        error_types = await deliveries.error_types(caller)
        return page(
            request,
            "review.html",
            a=delivered,
            objects=objects_of(await deliveries.content(delivered)),
            error_types=error_types,
            url=f"{batch_url(project, batch)}/annotations/{quote(annotation, safe='')}/review",
            batch_url=batch_url(project, batch),
            project=project,
            batch=batch,
            form={},
        )

    @post("/{project:str}/batches/{batch:str}/annotations/{annotation:str}/review", status_code=200)
    async def review(
        self,
        request: Req,
        caller: NamedDependency[Caller],
        work: NamedDependency[WorkService],
        project: FromPath[str],
        batch: FromPath[str],
        annotation: FromPath[str],
    ) -> Response[Any]:
        """The client review `POST /v1/annotations/<id>/review` makes (`WorkService.client_review`)."""
        form = await request.form()
        accepted = form_text(form, "decision") == "accept"
        back = batch_url(project, batch)
        message = (
            f"Accept annotation {annotation}: its input is completed."
            if accepted
            else f"Reject annotation {annotation}: the input goes back to be corrected."
        )
        asked = confirmation(
            request,
            form,
            message=message,
            label="Accept" if accepted else "Reject",
            back=back,
            fields={k: form_text(form, k) for k in _REVIEW_FIELDS},
        )
        if asked is not None:
            return asked
        feedback = [] if accepted else [_feedback(form)]
        made = await work.client_review(
            caller, annotation, accepted, feedback, form_text(form, "workflow") or None
        )
        word = "accepted" if accepted else "rejected"
        return redirect(request, back, f"Annotation {annotation} {word} (review {made.id}).")


_REVIEW_FIELDS = ("decision", "error_type", "object_id", "description", "workflow")


def _feedback(form: Any) -> dict[str, str]:
    """One feedback item, as the API's body names its fields (checked by the domain)."""
    item = {"errorTypeId": form_text(form, "error_type")}
    if object_id := form_text(form, "object_id"):
        item["objectId"] = object_id
    if description := form_text(form, "description"):
        item["description"] = description
    return item


def objects_of(document: bytes) -> list[tuple[str, str]]:
    """(object id, "name (class)") of an OpenLABEL document's objects, for the feedback's choice;
    none when the document cannot be read as one."""
    try:
        objects = msgspec.json.decode(document)["openlabel"]["objects"]
        return [(str(k), f"{v.get('name', k)} ({v.get('type', '?')})") for k, v in objects.items()]
    except (msgspec.DecodeError, KeyError, TypeError, AttributeError):
        return []


def publish_message(batch: str) -> str:
    return f"Publish batch {batch}: it will accept no more inputs."
