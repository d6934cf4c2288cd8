"""How an operation on annotation work runs: its transaction and its locks, the task it acts on,
and its audit-log entries.

## Locks

A work operation locks the input, then its task (`input → task` in the lock order of
`services.transactions`). One that moves the batch (a first claim in a `ready` batch, the last
input completed, a client's rejection reopening a completed batch) also needs the project's and
the batch's locks, which come first in the order: on PostgreSQL it finds out under its locks that
it needs them, rolls back, and runs again taking the project and batch first
(`run_work`, `NeedBatchLocks`). Where it can tell beforehand (a submission that completes the
input), it takes them from the start. SQLite serialises writers: nothing to escalate there.

A claim takes its task and the task's input with `FOR NO KEY UPDATE … SKIP LOCKED` (PostgreSQL):
it never waits for a row, so it cannot deadlock with anything, and concurrent claimers pass over
each other's picks; the move itself is a conditional UPDATE (`… WHERE status = 'todo'`) that
answers whether it won.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from annobatch.domain import BatchStatus, NotFound
from annobatch.services.identity import Caller
from annobatch.services.lookups import parse_uuid, to_json
from annobatch.services.transactions import Write, run_write, transact
from annobatch.services.work_progress import check_completion, move_batch
from annobatch.storage.database import Database, TransactionAborted
from annobatch.storage.records import InputRecord, TaskRecord
from annobatch.storage.scope import Scope
from annobatch.storage.unit_of_work import UnitOfWork

R = TypeVar("R")


class NeedBatchLocks(Exception):
    """The operation found it must move a batch it did not lock: run it again with the batch's
    project and the batch locked first (the lock order). Never leaves `run_work`."""

    def __init__(self, batch_id: int) -> None:
        super().__init__(f"batch {batch_id} must be locked first")
        self.batch_id = batch_id


def needs_escalation(uow: UnitOfWork, batch_id: int, held: frozenset[int]) -> bool:
    return uow.tx.dialect != "sqlite" and batch_id not in held


async def move_batch_locked(
    uow: UnitOfWork,
    held: frozenset[int],
    org: int,
    batch_id: int,
    decide: Callable[[str], BatchStatus | None],
    reason: str,
) -> None:
    """Move the batch where `decide` says; if it must move and its lock is not held, escalate."""
    if needs_escalation(uow, batch_id, held):
        status = (await uow.batches.record(batch_id)).status
        if decide(status) is not None:
            raise NeedBatchLocks(batch_id)
        return
    await move_batch(uow, org, batch_id, decide, reason)


async def check_completion_locked(uow: UnitOfWork, held: frozenset[int], org: int, batch_id: int) -> None:
    if needs_escalation(uow, batch_id, held):
        raise NeedBatchLocks(batch_id)
    await check_completion(uow, org, batch_id)


async def run_work(
    db: Database,
    op: Callable[[UnitOfWork, frozenset[int]], Awaitable[R]],
    lock_first: Sequence[int] = (),
    *,
    once_per: tuple[Caller, Write, str, Any] | None = None,
) -> R:
    """Run `op` in one write transaction (`transact`), with the projects and batches of
    `lock_first` locked first; when `op` finds it needs another batch's lock, run it again with
    that one too. `once_per`: (caller, write, fingerprint, result type) for a dry run or an
    idempotency key (`run_write`: the key's lock comes first, then the batches')."""
    held: set[int] = set(lock_first)
    for _ in range(10):
        batches = frozenset(held)

        async def once(uow: UnitOfWork, batches: frozenset[int] = batches) -> R:
            if batches and uow.tx.dialect != "sqlite":
                projects = [(await uow.batches.record(b)).project_id for b in sorted(batches)]
                await uow.projects.lock_ids(projects)
                await uow.batches.lock_ids(sorted(batches))
            return await op(uow, batches)

        try:
            if once_per is not None and (once_per[1].dry_run or once_per[1].idempotency_key):
                caller, write, fp, result_type = once_per
                result: R = await run_write(db, caller, write, fp, result_type, once)
                return result
            return await transact(db, once)
        except NeedBatchLocks as e:
            held.add(e.batch_id)
    raise TransactionAborted("the batches to lock kept changing; retry shortly")


# ------------------------------------------------------------------ the task acted on


async def lock_task(uow: UnitOfWork, caller: Caller, task_id: str) -> tuple[TaskRecord, InputRecord]:
    """The caller's task and its input, locked in the lock order (input, then task)."""
    seen = await visible_task(uow, caller, task_id)
    inp = await uow.inputs.get_any_org(seen.input_id, lock=True)
    task = await uow.tasks.get(caller.org, seen.id, lock=True)
    if inp is None or task is None:
        raise NotFound(f"task {task_id} not found", "task-not-found")
    return task, inp


async def visible_task(uow: UnitOfWork, caller: Caller, task_id: str) -> TaskRecord:
    """A task of the caller's organization; for the workforce, only of their projects."""
    tid = parse_uuid("task", task_id)
    task = await uow.tasks.get(caller.org, tid)
    if task is None or not await _sees(uow, caller, task):
        raise NotFound(f"task {task_id} not found", "task-not-found")
    return task


async def _sees(uow: UnitOfWork, caller: Caller, task: TaskRecord) -> bool:
    """The workforce sees its projects' tasks; a credential bound to a workspace, its scenes'."""
    if caller.is_workforce:
        return await uow.workforce.is_member(task.project_id, caller.user_id)
    if caller.scope.workspace_id is not None:
        return await uow.inputs.get(caller.scope, task.input_id) is not None
    return True


# ------------------------------------------------------------------ events


async def task_event(
    uow: UnitOfWork, actor: str, task: TaskRecord, inp: InputRecord, kind: str, **data: Any
) -> None:
    scene = await uow.scenes.get(Scope(inp.organization_id), inp.scene_id)
    body = {"task": task.id, "kind": task.kind, "phase": task.phase, "input": inp.id, **data}
    await uow.events.add(
        inp.organization_id, inp.project_id, inp.batch_id, kind, actor, to_json(body),
        scene.workspace_id if scene else None,
    )  # fmt: skip


async def input_event(uow: UnitOfWork, actor: str, inp: InputRecord, kind: str, **data: Any) -> None:
    scene = await uow.scenes.get(Scope(inp.organization_id), inp.scene_id)
    body = {"input": inp.id, "scene": inp.scene_id, **data}
    await uow.events.add(
        inp.organization_id, inp.project_id, inp.batch_id, kind, actor, to_json(body),
        scene.workspace_id if scene else None,
    )  # fmt: skip
