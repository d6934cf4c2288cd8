"""Projects and their audit log: one method per operation, each one transaction (load the facts,
let the domain decide, write). The HTTP controllers and the operator CLI both call these."""

from __future__ import annotations

from msgspec.structs import replace

from annobatch import domain
from annobatch.domain import Conflict
from annobatch.services.identity import Caller
from annobatch.services.lookups import load_batch, load_project, record_event
from annobatch.services.transactions import Write, fingerprint, reading, run_write
from annobatch.storage.database import Database
from annobatch.storage.records import EventRecord, ProjectRecord
from annobatch.storage.unit_of_work import UnitOfWork

#: The most audit-log entries one page answers.
MAX_EVENT_PAGE = 1000


class ProjectService:
    """Projects: set-up, status, annotation types; and the audit log of a project or batch."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -------------------------------------------------------------------------- projects

    async def list_projects(self, caller: Caller) -> list[ProjectRecord]:
        async with reading(self.db) as uow:
            return await uow.projects.of(caller.org)

    async def list_projects_unless(
        self, caller: Caller, known: int | None
    ) -> tuple[int, list[ProjectRecord] | None]:
        """The organization's projects, unless `known` (its project-list revision) is still
        current: then None, at the cost of one row read. Answers the current revision either way."""
        async with reading(self.db) as uow:
            now = await uow.projects.list_revision(caller.org)
            if known == now:
                return now, None
            return now, await uow.projects.of(caller.org)

    async def list_all_projects(self) -> list[ProjectRecord]:
        async with reading(self.db) as uow:
            return await uow.projects.all()

    async def get_project(self, caller: Caller, project: str) -> ProjectRecord:
        async with reading(self.db) as uow:
            return await load_project(uow, caller, project)

    async def create_project(
        self,
        caller: Caller,
        project: str,
        *,
        title: str,
        description: str = "",
        annotation_types: list[str] | None = None,
        status: str = domain.ProjectStatus.ONGOING,
        write: Write = Write(),
    ) -> ProjectRecord:
        """Staff set up a project: its title, description, status and default annotation types."""
        caller.require_staff("create projects")
        domain.validate_external_id("project", project)
        st = domain.parse_project_status(status)
        types = domain.normalize_annotation_types(annotation_types or [])
        domain.validate_title("project", title)
        domain.validate_description(description)

        async def produce(uow: UnitOfWork) -> ProjectRecord:
            if await uow.projects.get(caller.org, project) is not None:
                raise Conflict(f"project {project} already exists", "duplicate-project")
            rec = await uow.projects.create(caller.org, project, title, description, st.value)
            await uow.projects.set_default_types(rec.id, types)
            await record_event(
                uow, caller, rec, None, "project.created", status=st.value, annotationTypes=types
            )
            return rec

        fp = fingerprint("create_project", project, title, description, types, st.value)
        return await run_write(self.db, caller, write, fp, ProjectRecord, produce)

    async def set_project_status(
        self, caller: Caller, project: str, status: str, write: Write = Write()
    ) -> ProjectRecord:
        caller.require_staff("change a project's status")
        st = domain.parse_project_status(status)

        async def produce(uow: UnitOfWork) -> ProjectRecord:
            p = await load_project(uow, caller, project, lock=True)
            if p.status != st.value:
                await uow.projects.set_status(p.id, st.value)
                await record_event(
                    uow, caller, p, None, "project.status-changed", **{"from": p.status, "to": st.value}
                )
            return replace(p, status=st.value)

        return await run_write(
            self.db, caller, write, fingerprint("project-status", project, st), ProjectRecord, produce
        )

    async def set_project_annotation_types(
        self, caller: Caller, project: str, types: list[str], write: Write = Write()
    ) -> list[str]:
        """Staff set the project's default annotation types (what its first batch inherits)."""
        caller.require_staff("configure annotation types")
        clean = domain.normalize_annotation_types(types)

        async def produce(uow: UnitOfWork) -> list[str]:
            p = await load_project(uow, caller, project, lock=True)
            await uow.projects.set_default_types(p.id, clean)
            await record_event(uow, caller, p, None, "project.annotation-types-set", annotationTypes=clean)
            return await uow.projects.catalogue(p.id)

        return await run_write(
            self.db, caller, write, fingerprint("project-types", project, clean), list[str], produce
        )

    async def project_annotation_types(self, caller: Caller, project: str) -> list[str]:
        async with reading(self.db) as uow:
            p = await load_project(uow, caller, project)
            return await uow.projects.catalogue(p.id)

    # -------------------------------------------------------------------------- audit log

    async def list_events(
        self, caller: Caller, project: str, batch: str | None, after: int, limit: int
    ) -> tuple[list[EventRecord], int | None]:
        """A page of the audit log, oldest first, and the cursor of the next page (None at the end)."""
        limit = max(1, min(limit, MAX_EVENT_PAGE))
        async with reading(self.db) as uow:
            p = await load_project(uow, caller, project)
            b = await load_batch(uow, p, batch) if batch is not None else None
            rows = await uow.events.page(
                caller.scope, project_id=p.id, batch_id=b.id if b else None, after=after, limit=limit + 1
            )
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (rows[-1].id if more else None)
