"""One method per operation, each one transaction: load the facts, let the domain decide, write.

The HTTP routes and the operator CLI both call these; neither holds a rule of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from msgspec.structs import replace

from annobatch import domain
from annobatch.domain import BatchAction, BatchStatus, Conflict
from annobatch.server.accounts import AccountOperations, NewCredential, operator
from annobatch.server.auth import Caller
from annobatch.server.transactions import Write, fingerprint
from annobatch.storage.store import (
    BatchRecord,
    EventRecord,
    ProjectRecord,
    Store,
)

__all__ = ["BatchView", "NewCredential", "Operations", "Write", "operator"]

MAX_EVENT_PAGE = 1000


@dataclass(frozen=True, slots=True)
class BatchView:
    project: str
    batch: BatchRecord
    annotation_types: list[str]
    input_counts: dict[str, int]


class Operations(AccountOperations):
    """Projects, batches and the audit log, on top of the account operations."""

    # -------------------------------------------------------------------------- projects

    async def list_projects(self, caller: Caller) -> list[ProjectRecord]:
        async with self._reading() as store:
            return await store.list_projects(caller.org)

    async def list_all_projects(self) -> list[ProjectRecord]:
        async with self._reading() as store:
            return await store.list_projects(None)

    async def get_project(self, caller: Caller, project: str) -> ProjectRecord:
        async with self._reading() as store:
            return await self.load_project(store, caller, project)

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

        async def produce(store: Store) -> ProjectRecord:
            if await store.get_project(caller.org, project) is not None:
                raise Conflict(f"project {project} already exists", "duplicate-project")
            rec = await store.create_project(caller.org, project, title, description, st.value)
            await store.set_project_default_types(rec.id, types)
            await self._event(
                store, caller, rec, None, "project.created", status=st.value, annotationTypes=types
            )
            return rec

        fp = fingerprint("create_project", project, title, description, types, st.value)
        return await self.mutate(caller, write, fp, ProjectRecord, produce)

    async def set_project_status(
        self, caller: Caller, project: str, status: str, write: Write = Write()
    ) -> ProjectRecord:
        caller.require_staff("change a project's status")
        st = domain.parse_project_status(status)

        async def produce(store: Store) -> ProjectRecord:
            p = await self.load_project(store, caller, project, lock=True)
            if p.status != st.value:
                await store.set_project_status(p.id, st.value)
                await self._event(
                    store, caller, p, None, "project.status-changed", **{"from": p.status, "to": st.value}
                )
            return replace(p, status=st.value)

        return await self.mutate(
            caller, write, fingerprint("project-status", project, st), ProjectRecord, produce
        )

    async def set_project_annotation_types(
        self, caller: Caller, project: str, types: list[str], write: Write = Write()
    ) -> list[str]:
        """Staff set the project's default annotation types (what its first batch inherits)."""
        caller.require_staff("configure annotation types")
        clean = domain.normalize_annotation_types(types)

        async def produce(store: Store) -> list[str]:
            p = await self.load_project(store, caller, project, lock=True)
            await store.set_project_default_types(p.id, clean)
            await self._event(store, caller, p, None, "project.annotation-types-set", annotationTypes=clean)
            return await store.project_catalogue(p.id)

        return await self.mutate(
            caller, write, fingerprint("project-types", project, clean), list[str], produce
        )

    async def project_annotation_types(self, caller: Caller, project: str) -> list[str]:
        async with self._reading() as store:
            p = await self.load_project(store, caller, project)
            return await store.project_catalogue(p.id)

    # -------------------------------------------------------------------------- batches

    async def list_batches(self, caller: Caller, project: str) -> list[BatchRecord]:
        async with self._reading() as store:
            p = await self.load_project(store, caller, project)
            return await store.list_batches(p.id)

    async def list_batches_unless(
        self, caller: Caller, project: str, known: tuple[int, int] | None
    ) -> tuple[tuple[int, int], list[BatchRecord] | None]:
        """The project's batches, unless `known` (project id, batches revision) is still current:
        then None, at the cost of one row read. Answers the current (id, revision) either way."""
        async with self._reading() as store:
            p = await self.load_project(store, caller, project)
            now = (p.id, p.batches_revision)
            if known == now:
                return now, None
            return now, await store.list_batches(p.id)

    async def get_batch(self, caller: Caller, project: str, batch: str) -> BatchView:
        async with self._reading() as store:
            p = await self.load_project(store, caller, project)
            b = await self.load_batch(store, p, batch)
            return BatchView(project, b, await store.batch_types(b.id), await store.input_counts(b.id))

    async def batch_annotation_types(self, caller: Caller, project: str, batch: str) -> list[str]:
        async with self._reading() as store:
            p = await self.load_project(store, caller, project)
            b = await self.load_batch(store, p, batch)
            return await store.batch_types(b.id)

    async def create_batch(
        self,
        caller: Caller,
        project: str,
        batch: str,
        *,
        publish_previous_batches: bool = False,
        title: str | None = None,
        write: Write = Write(),
    ) -> BatchRecord:
        """A new batch; it inherits the latest previous batch's annotation types (the project's
        defaults for the first batch) and starts `open`, or `pending` with nothing to inherit.
        With `publish_previous_batches` every other open batch is published in the same
        transaction."""
        domain.validate_external_id("project", project)
        domain.validate_external_id("batch", batch)
        if title is not None:
            domain.validate_title("batch", title)

        async def produce(store: Store) -> BatchRecord:
            p = await self.load_project(store, caller, project, lock=True)
            domain.require_project_accepts_work(project, p.status)
            if await store.get_batch(p.id, batch) is not None:
                raise Conflict(f"batch {batch} already exists in project {project}", "duplicate-batch")
            latest = await store.latest_batch(p.id)
            inherited = await store.batch_types(latest.id) if latest else None
            plan = domain.plan_new_batch(inherited, await store.project_default_types(p.id))
            published: list[str] = []
            if publish_previous_batches:
                batches = await store.list_batches(p.id)
                open_ids = [b.external_id for b in batches if b.status == BatchStatus.OPEN]
                for ext in domain.batches_to_publish_with(open_ids, batch):
                    prev = next(b for b in batches if b.external_id == ext)
                    await self._apply(store, caller, p, prev, BatchAction.PUBLISH)
                    published.append(ext)
            rec = await store.create_batch(p.id, batch, title or batch, plan.status.value)
            rec = replace(rec, updated=await store.set_batch_types(rec.id, plan.annotation_types))
            await self._event(
                store,
                caller,
                p,
                rec,
                "batch.created",
                status=plan.status.value,
                annotationTypes=plan.annotation_types,
                publishedBatches=published,
            )
            return rec

        fp = fingerprint("create_batch", project, batch, publish_previous_batches, title)
        return await self.mutate(caller, write, fp, BatchRecord, produce)

    async def transition_batch(
        self, caller: Caller, project: str, batch: str, action: BatchAction, write: Write = Write()
    ) -> BatchRecord:
        """Move a batch along its lifecycle (see `domain.decide_transition`)."""

        async def produce(store: Store) -> BatchRecord:
            p = await self.load_project(store, caller, project, lock=True)
            b = await self.load_batch(store, p, batch, lock=True)
            return await self._apply(store, caller, p, b, action)

        fp = fingerprint("transition", project, batch, action)
        return await self.mutate(caller, write, fp, BatchRecord, produce)

    async def _apply(
        self, store: Store, caller: Caller, p: ProjectRecord, b: BatchRecord, action: BatchAction
    ) -> BatchRecord:
        types = await store.batch_types(b.id) if action is BatchAction.OPEN else []
        decision = domain.decide_transition(
            p.external_id, b.external_id, b.status, action, caller.role, len(types)
        )
        if not decision.changed:
            return b
        updated = await store.set_batch_status(b.id, decision.target.value)
        await self._event(
            store,
            caller,
            p,
            b,
            "batch.transitioned",
            action=action.value,
            **{"from": b.status, "to": decision.target.value},
        )
        return replace(b, status=decision.target.value, updated=updated)

    async def set_batch_annotation_types(
        self, caller: Caller, project: str, batch: str, types: list[str], write: Write = Write()
    ) -> list[str]:
        """Staff set a batch's annotation types; only before annotation starts."""
        caller.require_staff("configure annotation types")
        clean = domain.normalize_annotation_types(types)

        async def produce(store: Store) -> list[str]:
            p = await self.load_project(store, caller, project, lock=True)
            b = await self.load_batch(store, p, batch, lock=True)
            domain.require_batch_types_editable(project, batch, b.status)
            await store.set_batch_types(b.id, clean)
            await self._event(store, caller, p, b, "batch.annotation-types-set", annotationTypes=clean)
            return clean

        fp = fingerprint("batch-types", project, batch, clean)
        return await self.mutate(caller, write, fp, list[str], produce)

    # -------------------------------------------------------------------------- audit log

    async def list_events(
        self, caller: Caller, project: str, batch: str | None, after: int, limit: int
    ) -> tuple[list[EventRecord], int | None]:
        """A page of the audit log, oldest first, and the cursor of the next page (None at the end)."""
        limit = max(1, min(limit, MAX_EVENT_PAGE))
        async with self._reading() as store:
            p = await self.load_project(store, caller, project)
            b = await self.load_batch(store, p, batch) if batch is not None else None
            rows = await store.list_events(
                project_id=p.id, batch_id=b.id if b else None, after=after, limit=limit + 1
            )
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (rows[-1].id if more else None)
