"""Rows of the annotation work written straight into the tables (scenes, inputs, tasks, delivered
annotation versions, reviews), for the tests of the client's reads: they read what the write side
leaves behind, whatever path wrote it."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from pathlib import Path
from typing import Any

import msgspec
import sqlalchemy as sa

from annobatch.domain import Role
from annobatch.services import Services
from annobatch.services.identity import Caller, operator
from annobatch.storage import tables as t
from annobatch.storage.blobs import LocalBlobStore
from annobatch.storage.database import Database, Query
from annobatch.storage.queries._sql import b, insert
from annobatch.storage.records import BatchRecord, ProjectRecord, now_micros
from annobatch.storage.unit_of_work import UnitOfWork


def openlabel(note: str) -> bytes:
    return msgspec.json.encode({"openlabel": {"metadata": {"schema_version": "1.0.0", "note": note}}})


def client_of(org: int, workspace_id: str | None = None) -> Caller:
    return dataclasses.replace(operator(org), client_id="client", role=Role.CLIENT, workspace_id=workspace_id)


def workforce_of(org: int) -> Caller:
    return dataclasses.replace(operator(org), client_id="annotator", role=Role.ANNOTATOR)


class Seed:
    """An organization's world of work, written row by row; each call is its own transaction.
    `clock` hands out increasing times so that orders are deterministic."""

    def __init__(self, db: Database, runner: asyncio.Runner, blobs: Path) -> None:
        self.db, self.runner = db, runner
        self.store = LocalBlobStore(blobs)
        self.ops = Services.over(db, self.store)
        self._clock = now_micros()

    def tick(self) -> int:
        self._clock += 1000
        return self._clock

    def run(self, coro: Any) -> Any:
        return self.runner.run(coro)

    async def _write(self, table: Any, **row: Any) -> None:
        async with self.db.transaction(write=True) as tx:
            await tx.execute(insert(table), row)

    # -------------------------------------------------------------- the organization's set-up

    def org(self, name: str) -> tuple[int, str]:
        """An organization and its default workspace's id."""
        org, ws = self.run(self.ops.accounts.create_organization(name))
        return org.id, ws.id

    def workspace(self, org: int, name: str) -> str:
        return str(self.run(self.ops.accounts.create_workspace(org, name)).id)

    def project(self, org: int, project: str, types: list[str]) -> ProjectRecord:
        staff = operator(org)
        return self.run(
            self.ops.projects.create_project(staff, project, title=project.upper(), annotation_types=types)
        )

    def batch(self, org: int, project: str, batch: str, title: str | None = None) -> BatchRecord:
        return self.run(self.ops.batches.create_batch(operator(org), project, batch, title=title))

    def set_workflow(self, batch: BatchRecord, workflow: str) -> None:
        async def go() -> None:
            async with self.db.transaction(write=True) as tx:
                q = Query(sa.update(t.batches).where(t.batches.c.id == b("id")).values(workflow=b("w")))
                await tx.execute(q, {"id": batch.id, "w": workflow})

        self.run(go())

    def batch_types(self, batch: BatchRecord, types: list[str]) -> None:
        async def go() -> None:
            async with self.db.transaction(write=True) as tx:
                await UnitOfWork(tx).batches.set_types(batch.id, types)

        self.run(go())

    # -------------------------------------------------------------- scenes, inputs, work

    def scene(self, org: int, workspace: str, external_id: str = "scene", status: str = "created") -> str:
        sid = str(uuid.uuid4())
        now = self.tick()
        row = {
            "id": sid, "organization_id": org, "workspace_id": workspace, "external_id": external_id,
            "scene_type": "cameras", "status": status, "calibration_id": None, "imu_id": None,
            "project_id": None, "batch_id": None, "motion_compensate": False,
            "spec": '{"frames":[],"metadata":{}}', "fingerprint": "x", "error_message": None,
            "created": now, "updated": now, "batch_named": False,
        }  # fmt: skip
        self.run(self._write(t.scenes, **row))
        return sid

    def input(
        self,
        batch: BatchRecord,
        scene: str,
        *,
        org: int,
        status: str = "created",
        work_status: str = "not_started",
        phase: int = 0,
        completed: int | None = None,
    ) -> str:
        iid = str(uuid.uuid4())
        now = self.tick()
        row = {
            "id": iid, "organization_id": org, "project_id": batch.project_id, "batch_id": batch.id,
            "scene_id": scene, "status": status, "created": now, "work_status": work_status,
            "phase": phase, "work_updated": None if work_status == "not_started" else now,
            "completed": completed,
        }  # fmt: skip
        self.run(self._write(t.inputs, **row))
        return iid

    def task(
        self,
        batch: BatchRecord,
        input_id: str,
        *,
        org: int,
        kind: str = "annotate",
        phase: int = 0,
        status: str = "todo",
        assignee: int | None = None,
        holder: int | None = None,
    ) -> str:
        tid = str(uuid.uuid4())
        now = self.tick()
        row = {
            "id": tid, "organization_id": org, "project_id": batch.project_id, "batch_id": batch.id,
            "input_id": input_id, "kind": kind, "phase": phase, "status": status, "assignee": assignee,
            "holder": holder, "touched": now if status == "ongoing" else None, "draft": None,
            "review_id": None, "created": now, "finished": now if status in ("done", "cancelled") else None,
        }  # fmt: skip
        self.run(self._write(t.tasks, **row))
        return tid

    def version(
        self,
        batch: BatchRecord,
        input_id: str,
        scene: str,
        annotation_type: str,
        *,
        org: int,
        delivered: bool = True,
        preliminary: bool = False,
        current: bool = True,
        note: str = "",
    ) -> str:
        """An annotation version with its blob; delivered (and current) unless told otherwise.
        Making a current one does not clear the previous current: the test says which is."""
        aid = str(uuid.uuid4())
        content = openlabel(note or aid)

        async def go() -> None:
            key = f"annotations/{aid}.json"
            await self.store.put(key, _chunks(content))
            now = self.tick()
            await self._write(
                t.annotation_versions,
                id=aid, organization_id=org, project_id=batch.project_id, batch_id=batch.id,
                input_id=input_id, scene_id=scene, annotation_type=annotation_type, task_id=None,
                blob_key=key, size=len(content), created=now, delivered=now if delivered else None,
                preliminary=preliminary, current=current and delivered,
            )  # fmt: skip

        self.run(go())
        return aid

    def review(
        self,
        input_id: str,
        *,
        org: int,
        project_id: int,
        annotation_id: str | None = None,
        accepted: bool = False,
        phase: int = 1,
        feedback: list[dict[str, Any]] | None = None,
        workflow: str | None = None,
    ) -> str:
        rid = str(uuid.uuid4())
        row = {
            "id": rid, "organization_id": org, "project_id": project_id, "input_id": input_id,
            "task_id": None, "annotation_id": annotation_id, "phase": phase, "accepted": accepted,
            "workflow": workflow, "feedback": msgspec.json.encode(feedback or []).decode(),
            "actor": "someone", "created": self.tick(),
        }  # fmt: skip
        self.run(self._write(t.reviews, **row))
        return rid


async def _chunks(data: bytes) -> Any:
    yield data
