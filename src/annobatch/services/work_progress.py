"""How an input's work starts, stops and moves its batch: shared by the work operations and by
the intake operations that create, invalidate or delete inputs (in their own transactions).

- An input whose scene is `created` gets its `annotate` task (todo, unassigned) in the transaction
  that creates it (or that finishes its scene's commit).
- Invalidating a scene or deleting an input cancels the input's open tasks.
- The batch follows its inputs (`domain.batch_move_on_*`): each automatic move is an audit-log
  entry with actor `system`. A move writes the batch row (and bumps its project's revision), so
  the caller holds the project's and the batch's locks already (see the lock order in
  `services.transactions`), or runs on SQLite, where a writer holds the whole database.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from annobatch import domain
from annobatch.domain import BatchStatus, InputWork, SceneStatus, TaskKind, TaskStatus
from annobatch.services.lookups import to_json
from annobatch.storage.records import InputRecord, TaskRecord, now_micros
from annobatch.storage.unit_of_work import UnitOfWork

#: The actor of the changes nobody asked for: batches moving with their inputs, leases running out.
SYSTEM = "system"


def new_task(inp: InputRecord, kind: TaskKind, phase: int, *, assignee: int | None = None,
             review_id: str | None = None) -> TaskRecord:  # fmt: skip
    return TaskRecord(
        str(uuid.uuid4()), inp.organization_id, inp.project_id, inp.batch_id, inp.id, kind.value, phase,
        TaskStatus.TODO.value, assignee, None, None, None, review_id, now_micros(), None,
    )  # fmt: skip


async def start_work(uow: UnitOfWork, inp: InputRecord, new: bool = False) -> TaskRecord | None:
    """Give an input whose scene is created its `annotate` task, unless it has tasks already
    (`new`: it was inserted in this transaction, and has none)."""
    if inp.status != SceneStatus.CREATED or (not new and await uow.tasks.of_input(inp.id)):
        return None
    return await uow.tasks.insert(new_task(inp, TaskKind.ANNOTATE, 0))


async def cancel_work(uow: UnitOfWork, inp: InputRecord) -> list[str]:
    """Cancel the input's open tasks (its scene was invalidated); answers their ids."""
    return await uow.tasks.cancel_of_input(inp.id, now_micros())


async def release_held_work(uow: UnitOfWork, inp: InputRecord) -> list[str]:
    """Hand back the input's held tasks (its scene was reindexed: the files an annotator is
    looking at are gone until it is imported again); drafts stay. Answers their ids. While the
    input is `indexed` no task of it can be claimed."""
    released = []
    for task in await uow.tasks.open_of_input(inp.id):
        if task.status == TaskStatus.ONGOING and await uow.tasks.release(task.id):
            released.append(task.id)
    return released


async def move_batch(
    uow: UnitOfWork,
    org: int,
    batch_id: int,
    decide: Callable[[str], BatchStatus | None],
    reason: str,
) -> BatchStatus | None:
    """Move the batch where `decide` says (one of `domain.batch_move_on_*`), with its audit-log
    entry (actor `system`); answers the new status, or None when it stays. The caller holds the
    batch's lock (or runs on SQLite)."""
    batch = await uow.batches.record(batch_id)
    target = decide(batch.status)
    if target is None:
        return None
    await uow.batches.set_status(batch_id, target.value)
    data = to_json({"from": batch.status, "to": target.value, "reason": reason})
    await uow.events.add(org, batch.project_id, batch_id, "batch.transitioned", SYSTEM, data)
    return target


async def check_completion(uow: UnitOfWork, org: int, batch_id: int) -> BatchStatus | None:
    """An in-progress batch whose inputs that count are all completed is completed."""
    unfinished = await uow.inputs.unfinished_in_batch(batch_id)
    return await move_batch(
        uow,
        org,
        batch_id,
        lambda status: domain.batch_move_on_input_completed(status, unfinished),
        "every input completed",
    )


def completes(work_status: str) -> bool:
    return work_status == InputWork.COMPLETED
