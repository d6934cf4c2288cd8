"""Leases: a task held past its lease without a save goes back to `todo`, for anyone who may claim
it. The sweep (`services.housekeeping`) runs it; its draft stays with the task."""

from __future__ import annotations

from annobatch.services.transactions import reading, transact
from annobatch.services.work_progress import SYSTEM
from annobatch.services.work_transactions import task_event
from annobatch.storage.database import Database
from annobatch.storage.records import now_micros
from annobatch.storage.unit_of_work import UnitOfWork


async def expire_leases(db: Database, lease_seconds: int, now: int | None = None) -> int:
    """Return every task held past its lease without a save to `todo`, each in a transaction of
    its own (input, then task: the lock order), with an event (actor `system`). The sweep runs it."""
    cutoff = (now if now is not None else now_micros()) - lease_seconds * 1_000_000
    expired = 0
    while True:
        async with reading(db) as uow:
            candidates = await uow.tasks.expired(cutoff)
        if not candidates:
            return expired
        for task_id, input_id in candidates:

            async def one(uow: UnitOfWork, task_id: str = task_id, input_id: str = input_id) -> bool:
                inp = await uow.inputs.get_any_org(input_id, lock=True)
                task = await uow.tasks.get_any_org(task_id)
                if inp is None or task is None or not await uow.tasks.expire(task_id, cutoff):
                    return False
                await task_event(uow, SYSTEM, task, inp, "task.lease-expired", holder=task.holder)
                return True

            expired += await transact(db, one)
        if len(candidates) < 500:
            return expired
