"""A world for the annotation-work tests: an organization with a project and a batch, created
scenes placed in it through the services' own placement (so that each input gets its task as in
production), and workforce members."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any, TypeVar

from annobatch.domain import BatchAction, Role, SceneStatus
from annobatch.services import Services
from annobatch.services.identity import Caller, operator
from annobatch.services.placement import insert_input
from annobatch.services.transactions import writing
from annobatch.storage.blobs import LocalBlobStore
from annobatch.storage.database import Database
from annobatch.storage.records import SceneRecord, TaskRecord, now_micros

T = TypeVar("T")


def openlabel(*classes: str) -> dict[str, Any]:
    """A valid OpenLABEL document with one object per class."""
    return {
        "openlabel": {
            "metadata": {"schema_version": "1.0.0"},
            "objects": {str(n): {"name": f"o{n}", "type": c} for n, c in enumerate(classes, 1)},
        }
    }


class WorkWorld:
    """Organization `acme` (staff: `self.staff`), project `p1` with types `od` and `lanes`, batch `b1`."""

    def __init__(self, db: Database, runner: asyncio.Runner, blobs: Path, lease_seconds: int = 3600) -> None:
        self.db, self.runner = db, runner
        self.store = LocalBlobStore(blobs)
        self.ops = Services.over(db, self.store, task_lease_seconds=lease_seconds)
        self.org = self.run(self.ops.accounts.create_organization("acme"))[0].id
        self.staff: Caller = operator(self.org)
        self.run(
            self.ops.projects.create_project(self.staff, "p1", title="P", annotation_types=["od", "lanes"])
        )
        self.run(self.ops.batches.create_batch(self.staff, "p1", "b1"))
        self._n = 0

    def run(self, coro: Any) -> Any:
        return self.runner.run(coro)

    def member(self, role: str = "annotator", project: str | None = "p1", name: str | None = None) -> Caller:
        cred = self.run(
            self.ops.workforce.create_member(self.org, role, name or f"{role}-{uuid.uuid4().hex[:6]}")
        )
        r = cred.record
        if project is not None:
            self.run(self.ops.workforce.add_to_project(self.staff, project, r.user_id))
        return Caller(r.client_id, self.org, self.org, Role(role), None, r.email, r.user_id)

    def client(self) -> Caller:
        cred = self.run(self.ops.accounts.create_credential(self.org, workspace=None, staff=False))
        r = cred.record
        return Caller(r.client_id, self.org, self.org, Role.CLIENT, None, r.email, r.user_id)

    def inputs(self, n: int, project: str = "p1", batch: str = "b1", status: str = "created") -> list[str]:
        """`n` scenes of the given status placed in the batch; answers their inputs' ids, oldest first."""

        async def go() -> list[str]:
            ids = []
            async with writing(self.db) as uow:
                p = await uow.projects.get(self.org, project)
                assert p is not None
                b = await uow.batches.get(p.id, batch)
                assert b is not None
                ws = (await uow.workspaces.of(self.org))[0]
                for _ in range(n):
                    self._n += 1
                    now = now_micros()
                    scene = SceneRecord(
                        str(uuid.uuid4()), self.org, ws.id, f"scene-{self._n}", "cameras", status, None, None,
                        p.id, b.id, False, "{}", "fp", None, now, now, True,
                    )  # fmt: skip
                    await uow.scenes.create(scene, [])
                    ids.append((await insert_input(uow, self.staff, p, b.id, scene, status)).id)
            return ids

        return self.run(go())

    def publish(self, batch: str = "b1", project: str = "p1") -> None:
        self.run(self.ops.batches.transition_batch(self.staff, project, batch, BatchAction.PUBLISH))

    def batch_status(self, batch: str = "b1", project: str = "p1") -> str:
        return self.run(self.ops.batches.get_batch(self.staff, project, batch)).batch.status

    def tasks(self, **kw: Any) -> list[TaskRecord]:
        return self.run(self.ops.work.list_tasks(self.staff, **kw))

    def events(self, kind: str | None = None) -> list[tuple[str, str, str]]:
        async def go() -> list[tuple[str, str, str]]:
            async with writing(self.db) as uow:
                p = await uow.projects.get(self.org, "p1")
                assert p is not None
                from annobatch.storage.scope import Scope

                found = await uow.events.page(
                    Scope(self.org), project_id=p.id, batch_id=None, after=0, limit=10_000
                )
            return [(e.kind, e.actor, e.data) for e in found if kind is None or e.kind == kind]

        return self.run(go())


__all__ = ["SceneStatus", "WorkWorld", "openlabel"]
