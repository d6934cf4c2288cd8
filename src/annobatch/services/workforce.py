"""The workforce and how work is set up: workforce credentials, their memberships of projects,
workflows of projects and batches, taxonomies, and the review error types. One method per
operation, each one transaction with its audit-log entry."""

from __future__ import annotations

from collections.abc import Sequence

from annobatch import domain
from annobatch.domain import Conflict, Forbidden, InvalidInput, NotFound
from annobatch.services.accounts import AccountService, NewCredential
from annobatch.services.identity import Caller
from annobatch.services.lookups import load_batch, load_project, parse_uuid, record_event
from annobatch.services.transactions import reading, transact
from annobatch.storage.database import Database
from annobatch.storage.records import (
    BatchRecord,
    CredentialRecord,
    ErrorTypeRecord,
    ProjectRecord,
    now_micros,
)
from annobatch.storage.unit_of_work import UnitOfWork


def workflow_text(phases: Sequence[str]) -> str:
    """A workflow as stored: its phases, checked (`domain.parse_workflow`), comma-separated."""
    return ",".join(p.value for p in domain.parse_workflow(list(phases)))


def workflow_of(project: ProjectRecord, batch: BatchRecord) -> tuple[domain.Phase, ...]:
    """The phases a batch's inputs go through: its own, else its project's."""
    return domain.parse_workflow((batch.workflow or project.workflow).split(","))


class WorkforceService:
    """Workforce members, project memberships, workflows, taxonomies and error types."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.accounts = AccountService(db)

    # -------------------------------------------------------------------------- members

    async def create_member(
        self, org: int, role: str, name: str, workspace: str | None = None, *, dry_run: bool = False
    ) -> NewCredential:
        """A new workforce credential (`annotator` or `reviewer`) of the organization; the secret
        is answered once."""
        return await self.accounts.create_workforce_credential(org, role, name, workspace, dry_run=dry_run)

    async def list_members(self, org: int) -> list[CredentialRecord]:
        """The organization's workforce credentials, oldest first."""
        async with reading(self.db) as uow:
            return await uow.workforce.of_org(org)

    async def add_to_project(
        self, caller: Caller, project: str, user_id: int, *, dry_run: bool = False
    ) -> bool:
        """Staff make a workforce member of the organization a member of a project's workforce.
        Answers whether anything changed (already a member: nothing does)."""
        caller.require_staff("manage a project's workforce")

        async def produce(uow: UnitOfWork) -> bool:
            p = await load_project(uow, caller, project, lock=True)
            creds = await uow.workforce.by_user(caller.org, user_id)
            domain.require_workforce_credential(user_id, [c.role for c in creds])
            if await uow.workforce.is_member(p.id, user_id):
                return False
            await uow.workforce.add(p.id, user_id, now_micros())
            await record_event(uow, caller, p, None, "project.member-added", userId=user_id)
            return True

        return await transact(self.db, produce, dry_run=dry_run)

    async def remove_from_project(
        self, caller: Caller, project: str, user_id: int, *, dry_run: bool = False
    ) -> bool:
        """Staff take a member out of a project's workforce; their todo tasks there are unassigned
        (a task they hold stays theirs until submitted, given up or its lease runs out). Answers
        whether they were a member."""
        caller.require_staff("manage a project's workforce")

        async def produce(uow: UnitOfWork) -> bool:
            p = await load_project(uow, caller, project, lock=True)
            if not await uow.workforce.remove(p.id, user_id):
                return False
            unassigned = await uow.tasks.unassign_member(p.id, user_id)
            await record_event(
                uow, caller, p, None, "project.member-removed", userId=user_id, unassignedTasks=unassigned
            )
            return True

        return await transact(self.db, produce, dry_run=dry_run)

    async def project_members(self, caller: Caller, project: str) -> list[CredentialRecord]:
        """The project's workforce (staff and the organization's clients may see it: they assign
        tasks to its members)."""
        if caller.is_workforce:
            raise Forbidden("the workforce does not list a project's members", "workforce-forbidden")
        async with reading(self.db) as uow:
            p = await load_project(uow, caller, project)
            return await uow.workforce.members(caller.org, p.id)

    async def may_see_scene(self, caller: Caller, scene_id: str) -> bool:
        """Whether the caller may see a scene and its files: anyone but the workforce may (within
        their organization, as before); a workforce member only the scenes of their projects."""
        if not caller.is_workforce:
            return True
        sid = parse_uuid("scene", scene_id)
        async with reading(self.db) as uow:
            return await uow.workforce.member_of_scene(caller.org, caller.user_id, sid)

    async def member_projects(self, caller: Caller) -> list[ProjectRecord]:
        """The projects a workforce member works on (staff and clients: their organization's)."""
        async with reading(self.db) as uow:
            projects = await uow.projects.of(caller.org)
            if not caller.is_workforce:
                return projects
            mine = set(await uow.workforce.projects_of(caller.user_id))
            return [p for p in projects if p.id in mine]

    # -------------------------------------------------------------------------- workflows

    async def set_project_workflow(
        self, caller: Caller, project: str, phases: Sequence[str], *, dry_run: bool = False
    ) -> str:
        """Staff set the workflow of a project's batches (those without their own). Inputs already
        on their way follow it from their next phase on. Answers the workflow as stored."""
        caller.require_staff("set a workflow")
        text = workflow_text(phases)

        async def produce(uow: UnitOfWork) -> str:
            p = await load_project(uow, caller, project, lock=True)
            if p.workflow != text:
                await uow.projects.set_workflow(p.id, text)
                await record_event(uow, caller, p, None, "project.workflow-set", workflow=text.split(","))
            return text

        return await transact(self.db, produce, dry_run=dry_run)

    async def set_batch_workflow(
        self,
        caller: Caller,
        project: str,
        batch: str,
        phases: Sequence[str] | None,
        *,
        dry_run: bool = False,
    ) -> str | None:
        """Staff set a batch's own workflow (None: the project's again), only while no task of it
        has started (409 after). Answers the batch's workflow as stored."""
        caller.require_staff("set a workflow")
        text = None if phases is None else workflow_text(phases)

        async def produce(uow: UnitOfWork) -> str | None:
            p = await load_project(uow, caller, project, lock=True)
            b = await load_batch(uow, p, batch, lock=True)
            if b.workflow == text:
                return text
            if await uow.tasks.started_in_batch(b.id):
                raise Conflict(
                    f"work on batch {batch} of project {project} has started: its workflow cannot change",
                    "work-started",
                )
            await uow.batches.set_workflow(b.id, text)
            await record_event(
                uow, caller, p, b, "batch.workflow-set", workflow=None if text is None else text.split(",")
            )
            return text

        return await transact(self.db, produce, dry_run=dry_run)

    # -------------------------------------------------------------------------- taxonomies

    async def set_classes(
        self,
        caller: Caller,
        project: str,
        annotation_type: str,
        classes: Sequence[str],
        *,
        dry_run: bool = False,
    ) -> list[str]:
        """Staff set the classes an object of an annotation type may have in a project (empty: any
        class). Answers them as stored."""
        caller.require_staff("set a taxonomy")
        (atype,) = domain.normalize_annotation_types([annotation_type])
        clean = domain.normalize_classes(classes)

        async def produce(uow: UnitOfWork) -> list[str]:
            p = await load_project(uow, caller, project, lock=True)
            await uow.workforce.set_classes(p.id, atype, clean)
            await record_event(
                uow, caller, p, None, "project.classes-set", annotationType=atype, classes=clean
            )
            return clean

        return await transact(self.db, produce, dry_run=dry_run)

    async def classes(self, caller: Caller, project: str) -> dict[str, list[str]]:
        """The project's taxonomy: annotation type → classes (types without one: absent)."""
        async with reading(self.db) as uow:
            p = await load_project(uow, caller, project)
            return await uow.workforce.taxonomy(p.id)

    # -------------------------------------------------------------------------- error types

    async def error_types(self) -> list[ErrorTypeRecord]:
        """The installation's catalogue of review error types, in order."""
        async with reading(self.db) as uow:
            return await uow.workforce.error_types()

    async def put_error_type(
        self, caller: Caller, error_type_id: str, name: str, pin_allowed: bool, object_allowed: bool
    ) -> ErrorTypeRecord:
        """Staff add an error type to the catalogue (at its end) or change one. The catalogue is the
        installation's, not an organization's: no audit-log entry names it."""
        caller.require_staff("edit the error types")
        domain.validate_error_type_id(error_type_id)
        if not name.strip() or len(name) > 200:
            raise InvalidInput("an error type's name is 1-200 characters", "invalid-name")

        async def produce(uow: UnitOfWork) -> ErrorTypeRecord:
            await uow.workforce.put_error_type(error_type_id, name.strip(), pin_allowed, object_allowed)
            found = await uow.workforce.error_type(error_type_id)
            assert found is not None
            return found

        return await transact(self.db, produce)

    async def add_error_type(
        self, caller: Caller, error_type_id: str, name: str, pin_allowed: bool, object_allowed: bool
    ) -> ErrorTypeRecord:
        """Staff add a new error type at the end of the catalogue (409 if the id is taken)."""
        caller.require_staff("edit the error types")
        domain.validate_error_type_id(error_type_id)
        name = _error_type_name(name)

        async def produce(uow: UnitOfWork) -> ErrorTypeRecord:
            if await uow.workforce.error_type(error_type_id) is not None:
                raise Conflict(f"error type {error_type_id} exists already: edit it", "error-type-exists")
            await uow.workforce.put_error_type(error_type_id, name, pin_allowed, object_allowed)
            found = await uow.workforce.error_type(error_type_id)
            assert found is not None
            return found

        return await transact(self.db, produce)

    async def edit_error_type(
        self,
        caller: Caller,
        error_type_id: str,
        name: str | None = None,
        pin_allowed: bool | None = None,
        object_allowed: bool | None = None,
    ) -> ErrorTypeRecord:
        """Staff change an error type's name or what its feedback items may carry (what is not
        given stays); 404 for an unknown id. Reviews already made keep their items."""
        caller.require_staff("edit the error types")
        domain.validate_error_type_id(error_type_id)
        new_name = None if name is None else _error_type_name(name)

        async def produce(uow: UnitOfWork) -> ErrorTypeRecord:
            found = await uow.workforce.error_type(error_type_id)
            if found is None:
                raise NotFound(f"error type {error_type_id} not found", "error-type-not-found")
            await uow.workforce.put_error_type(
                error_type_id,
                new_name if new_name is not None else found.name,
                found.pin_allowed if pin_allowed is None else pin_allowed,
                found.object_allowed if object_allowed is None else object_allowed,
            )
            changed = await uow.workforce.error_type(error_type_id)
            assert changed is not None
            return changed

        return await transact(self.db, produce)


def _error_type_name(name: str) -> str:
    if not name.strip() or len(name) > 200:
        raise InvalidInput("an error type's name is 1-200 characters", "invalid-name")
    return name.strip()
