"""Batches: listing, creating (with inheritance and publish-previous), and every lifecycle move.
One method per operation, each one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from msgspec.structs import replace

from annobatch import domain
from annobatch.domain import BatchAction, BatchStatus, Conflict
from annobatch.services.identity import Caller
from annobatch.services.lookups import load_batch, load_project, project_not_found, record_event, to_json
from annobatch.services.transactions import Write, fingerprint, reading, run_write
from annobatch.storage.database import Database
from annobatch.storage.queries.batches import Audit, ListVersion
from annobatch.storage.records import BatchRecord, ProjectRecord
from annobatch.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class BatchView:
    """One batch with its annotation types and its inputs counted by status."""

    project: str
    batch: BatchRecord
    annotation_types: list[str]
    input_counts: dict[str, int]


class BatchService:
    """A project's batches and their lifecycle (`domain.decide_transition`)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -------------------------------------------------------------------------- batches

    async def list_batches(self, caller: Caller, project: str) -> list[BatchRecord]:
        async with reading(self.db) as uow:
            p = await load_project(uow, caller, project)
            return await uow.batches.of(p.id)

    async def list_batches_unless(
        self, caller: Caller, project: str, known: ListVersion | None
    ) -> tuple[ListVersion, list[BatchRecord] | None]:
        """The project's batches, unless `known` (the version of its list: project id, batches
        revision, number of batches) is still current: then None, at the cost of one read.
        Answers the current version either way."""
        domain.validate_external_id("project", project)
        async with reading(self.db) as uow:
            now = await uow.batches.list_version(caller.org, project)
            if now is None:
                raise project_not_found(project)
            if known == now:
                return now, None
            return now, await uow.batches.of(now[0])

    async def get_batch(self, caller: Caller, project: str, batch: str) -> BatchView:
        async with reading(self.db) as uow:
            p = await load_project(uow, caller, project)
            b = await load_batch(uow, p, batch)
            counts = await uow.batches.input_counts(b.id, caller.scope)
            return BatchView(project, b, await uow.batches.types(b.id), counts)

    async def batch_annotation_types(self, caller: Caller, project: str, batch: str) -> list[str]:
        async with reading(self.db) as uow:
            p = await load_project(uow, caller, project)
            b = await load_batch(uow, p, batch)
            return await uow.batches.types(b.id)

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
        transaction.

        A plain create locks its project shared (the lock order): creates in one project run and
        commit side by side, while every other change of the project, which locks it alone, waits
        for them and they for it. What a new batch inherits changes only under that lone lock
        (the types of a batch, the project's defaults), or by a concurrent create, whose batch
        has the very types this one inherits. A create that publishes the open batches locks the
        project alone, and so sees every batch created before it."""
        domain.validate_external_id("project", project)
        domain.validate_external_id("batch", batch)
        if title is not None:
            domain.validate_title("batch", title)

        async def produce(uow: UnitOfWork) -> BatchRecord:
            p = await load_project(uow, caller, project, lock=True, shared=not publish_previous_batches)
            domain.require_project_accepts_work(project, p.status)
            facts = await uow.batches.creation_facts(p.id)
            plan = domain.plan_new_batch(facts.inherited, facts.defaults)
            published: list[str] = []
            if publish_previous_batches:
                batches = await uow.batches.of(p.id)
                open_ids = [b.external_id for b in batches if b.status == BatchStatus.OPEN]
                for ext in domain.batches_to_publish_with(open_ids, batch):
                    prev = next(b for b in batches if b.external_id == ext)
                    await apply_action(uow, caller, p, prev, BatchAction.PUBLISH)
                    published.append(ext)
            data = {"status": plan.status.value, "annotationTypes": plan.annotation_types}
            audit = Audit(
                caller.org, "batch.created", caller.email, to_json({**data, "publishedBatches": published})
            )
            rec = await uow.batches.create_with_types(
                p.id, batch, title or batch, plan.status.value, plan.annotation_types, audit
            )
            if rec is None:  # the project has that batch (a concurrent create's, maybe): nothing written
                raise Conflict(f"batch {batch} already exists in project {project}", "duplicate-batch")
            return rec

        fp = fingerprint("create_batch", project, batch, publish_previous_batches, title)
        return await run_write(self.db, caller, write, fp, BatchRecord, produce)

    async def transition_batch(
        self, caller: Caller, project: str, batch: str, action: BatchAction, write: Write = Write()
    ) -> BatchRecord:
        """Move a batch along its lifecycle (see `domain.decide_transition`)."""

        async def produce(uow: UnitOfWork) -> BatchRecord:
            p = await load_project(uow, caller, project, lock=True)
            b = await load_batch(uow, p, batch, lock=True)
            return await apply_action(uow, caller, p, b, action)

        fp = fingerprint("transition", project, batch, action)
        return await run_write(self.db, caller, write, fp, BatchRecord, produce)

    async def set_batch_annotation_types(
        self, caller: Caller, project: str, batch: str, types: list[str], write: Write = Write()
    ) -> list[str]:
        """Staff set a batch's annotation types; only before annotation starts."""
        caller.require_staff("configure annotation types")
        clean = domain.normalize_annotation_types(types)

        async def produce(uow: UnitOfWork) -> list[str]:
            p = await load_project(uow, caller, project, lock=True)
            b = await load_batch(uow, p, batch, lock=True)
            domain.require_batch_types_editable(project, batch, b.status)
            await uow.batches.set_types(b.id, clean)
            await record_event(uow, caller, p, b, "batch.annotation-types-set", annotationTypes=clean)
            return clean

        fp = fingerprint("batch-types", project, batch, clean)
        return await run_write(self.db, caller, write, fp, list[str], produce)


async def apply_action(
    uow: UnitOfWork, caller: Caller, p: ProjectRecord, b: BatchRecord, action: BatchAction
) -> BatchRecord:
    """Move one batch, if the domain allows it, with its audit-log entry; a no-op move changes nothing."""
    types = await uow.batches.types(b.id) if action is BatchAction.OPEN else []
    decision = domain.decide_transition(
        p.external_id, b.external_id, b.status, action, caller.role, len(types)
    )
    if not decision.changed:
        return b
    updated = await uow.batches.set_status(b.id, decision.target.value)
    await record_event(
        uow,
        caller,
        p,
        b,
        "batch.transitioned",
        action=action.value,
        **{"from": b.status, "to": decision.target.value},
    )
    return replace(b, status=decision.target.value, updated=updated)
