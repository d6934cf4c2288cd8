"""What the workforce API shows a member beside their tasks: the projects they work on."""

from __future__ import annotations

from annobatch.services.identity import Caller
from annobatch.services.transactions import reading
from annobatch.storage.database import Database
from annobatch.storage.records import ProjectRecord


class WorkforceViews:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def projects(self, caller: Caller) -> list[ProjectRecord]:
        """A member's projects (those of the organization they are a member of); staff and clients
        see the organization's."""
        async with reading(self.db) as uow:
            projects = await uow.projects.of(caller.org)
            if not caller.is_workforce:
                return projects
            mine = set(await uow.workforce.projects_of(caller.user_id))
        return [p for p in projects if p.id in mine]
