"""Projects: the list (the seed's `get_projects`), one project, its audit log, and the staff
set-up calls."""

from __future__ import annotations

from litestar import Controller, MediaType, Response, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from annobatch import presenters, schemas
from annobatch.server.dependencies import WRITE
from annobatch.server.hot_reads import project_list
from annobatch.server.params import EventCursor, EventLimit
from annobatch.services.identity import Caller
from annobatch.services.projects import ProjectService
from annobatch.services.transactions import Write


class ProjectController(Controller):
    path = "/v1/projects"
    tags = ["projects"]

    @get(summary="All projects of the caller's organization")
    async def list_projects(
        self, caller: NamedDependency[Caller], projects: NamedDependency[ProjectService], state: State
    ) -> Response[schemas.Envelope[list[schemas.Project]]]:
        # The plain case rarely gets here: `hot_reads` answers it before routing.
        body = await project_list(state.kept_lists.projects, projects, caller)
        return Response(content=body, media_type=MediaType.JSON)  # type: ignore[arg-type]

    @post(status_code=200, summary="Create a project (staff)", dependencies=WRITE)
    async def create_project(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        projects: NamedDependency[ProjectService],
        data: JSONBody[schemas.CreateProjectRequest],
    ) -> schemas.Envelope[schemas.Project]:
        rec = await projects.create_project(
            caller,
            data.project,
            title=data.title,
            description=data.description,
            annotation_types=data.annotation_types,
            status=data.status,
            write=write,
        )
        return schemas.Envelope(presenters.project(rec))

    @get("/{project:str}", summary="One project")
    async def get_project(
        self,
        caller: NamedDependency[Caller],
        projects: NamedDependency[ProjectService],
        project: FromPath[str],
    ) -> schemas.Envelope[schemas.Project]:
        return schemas.Envelope(presenters.project(await projects.get_project(caller, project)))

    @put(
        "/{project:str}/status", status_code=200, summary="Set a project's status (staff)", dependencies=WRITE
    )
    async def set_project_status(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        projects: NamedDependency[ProjectService],
        project: FromPath[str],
        data: JSONBody[schemas.SetProjectStatusRequest],
    ) -> schemas.Envelope[schemas.Project]:
        rec = await projects.set_project_status(caller, project, data.status, write)
        return schemas.Envelope(presenters.project(rec))

    @get("/{project:str}/annotation-types", summary="The project's annotation-type catalogue")
    async def project_annotation_types(
        self,
        caller: NamedDependency[Caller],
        projects: NamedDependency[ProjectService],
        project: FromPath[str],
    ) -> schemas.Envelope[list[str]]:
        return schemas.Envelope(await projects.project_annotation_types(caller, project))

    @put(
        "/{project:str}/annotation-types",
        status_code=200,
        summary="Set default annotation types (staff)",
        dependencies=WRITE,
    )
    async def set_project_annotation_types(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        projects: NamedDependency[ProjectService],
        project: FromPath[str],
        data: JSONBody[schemas.SetAnnotationTypesRequest],
    ) -> schemas.Envelope[list[str]]:
        types = await projects.set_project_annotation_types(caller, project, data.annotation_types, write)
        return schemas.Envelope(types)

    @get("/{project:str}/events", summary="The project's audit log (cursor-paginated)")
    async def project_events(
        self,
        caller: NamedDependency[Caller],
        projects: NamedDependency[ProjectService],
        project: FromPath[str],
        cursor_id: EventCursor = 0,
        limit: EventLimit = 100,
    ) -> schemas.Page[schemas.Event]:
        rows, cursor = await projects.list_events(caller, project, None, cursor_id, limit)
        return presenters.event_page(rows, cursor)
