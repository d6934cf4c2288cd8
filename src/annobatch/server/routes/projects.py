"""Projects: list (the seed's `get_projects`), read, and the staff set-up calls."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from annobatch import presenters, schemas
from annobatch.server import views
from annobatch.services import Services
from annobatch.services.identity import Caller
from annobatch.services.projects import ProjectService


def _ops(request: Request) -> ProjectService:
    services: Services = request.app.state.services
    return services.projects


@get("/v1/projects", summary="All projects of the caller's organization")
async def list_projects(
    request: Request, caller: NamedDependency[Caller]
) -> schemas.Envelope[list[schemas.Project]]:
    return schemas.Envelope([presenters.project(p) for p in await _ops(request).list_projects(caller)])


@post("/v1/projects", status_code=200, summary="Create a project (staff)")
async def create_project(
    request: Request, caller: NamedDependency[Caller]
) -> schemas.Envelope[schemas.Project]:
    body = await views.decode_body(request, schemas.CreateProjectRequest)
    rec = await _ops(request).create_project(
        caller,
        body.project,
        title=body.title,
        description=body.description,
        annotation_types=body.annotation_types,
        status=body.status,
        write=views.write_options(request),
    )
    return schemas.Envelope(presenters.project(rec))


@get("/v1/projects/{project:str}", summary="One project")
async def get_project(
    request: Request, caller: NamedDependency[Caller], project: FromPath[str]
) -> schemas.Envelope[schemas.Project]:
    return schemas.Envelope(presenters.project(await _ops(request).get_project(caller, project)))


@put("/v1/projects/{project:str}/status", status_code=200, summary="Set a project's status (staff)")
async def set_project_status(
    request: Request, caller: NamedDependency[Caller], project: FromPath[str]
) -> schemas.Envelope[schemas.Project]:
    body = await views.decode_body(request, schemas.SetProjectStatusRequest)
    rec = await _ops(request).set_project_status(caller, project, body.status, views.write_options(request))
    return schemas.Envelope(presenters.project(rec))


@get("/v1/projects/{project:str}/annotation-types", summary="The project's annotation-type catalogue")
async def project_annotation_types(
    request: Request, caller: NamedDependency[Caller], project: FromPath[str]
) -> schemas.Envelope[list[str]]:
    return schemas.Envelope(await _ops(request).project_annotation_types(caller, project))


@put(
    "/v1/projects/{project:str}/annotation-types",
    status_code=200,
    summary="Set default annotation types (staff)",
)
async def set_project_annotation_types(
    request: Request, caller: NamedDependency[Caller], project: FromPath[str]
) -> schemas.Envelope[list[str]]:
    body = await views.decode_body(request, schemas.SetAnnotationTypesRequest)
    types = await _ops(request).set_project_annotation_types(
        caller, project, body.annotation_types, views.write_options(request)
    )
    return schemas.Envelope(types)


@get("/v1/projects/{project:str}/events", summary="The project's audit log (cursor-paginated)")
async def project_events(
    request: Request,
    caller: NamedDependency[Caller],
    project: FromPath[str],
    cursor_id: Annotated[int, QueryParameter(name="cursorId", ge=0)] = 0,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
) -> schemas.Page[schemas.Event]:
    rows, cursor = await _ops(request).list_events(caller, project, None, cursor_id, limit)
    return presenters.event_page(rows, cursor)


ROUTES = [
    list_projects,
    create_project,
    get_project,
    set_project_status,
    project_annotation_types,
    set_project_annotation_types,
    project_events,
]
