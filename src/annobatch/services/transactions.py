"""How an operation runs: one transaction, for real or as a dry run, once per idempotency key,
run again when the database aborts it.

## The lock order

Every write path takes the row locks it needs in this one order, so that no two writers can each
hold a lock the other waits for (on PostgreSQL; a SQLite writer holds the whole database from
`BEGIN IMMEDIATE` on, so nothing can interleave there):

1. the idempotency key (`run_write`, a transaction-scoped advisory lock);
2. projects, by id;
3. batches, by id — only ever with their project's lock held already;
4. scenes, by id;
5. a scene's files and its inputs (updated or deleted under the locks above);
6. an input's tasks (a work operation locks the input first, then the task);
7. annotation versions and reviews (only inserted, or updated under the input's lock);
8. the organization's project-list revision (`organizations.projects_revision`), bumped by a
   project's creation or status change after every other lock it takes (only inserts follow).

Rows are inserted last, and take no lock anyone waits for: every explicit lock is
`FOR NO KEY UPDATE`, which the key-share locks of foreign-key checks (an event naming a project and
a batch, an input naming a scene) never conflict with. The one exception is a plain batch create:
it locks its project `FOR SHARE`, which other creates share and every `FOR NO KEY UPDATE` excludes,
so that creates in one project never wait for each other's commit; it takes no other lock, and
never a stronger one on the project (two holders of a shared lock that both asked for more would
deadlock). On PostgreSQL every project lock, shared or not, also takes an advisory lock on the
project in the same mode just before the row's (`storage.queries.projects`): the lock manager
grants those in turn, so a stream of creates cannot keep a lone locker of the project waiting.
Nothing locks workspaces or credentials: they are only read or inserted; an organization's row is
only updated as the last lock (8).

A path that must find out what to lock (the scene's project, the batches of its inputs) reads it
first without a lock, takes the locks in order, and reads it again: if it changed meanwhile, it
raises `TransactionAborted` and runs again from the start (`transact`). The paths:

| operation | locks, in order |
| --- | --- |
| create a batch | project, shared (creates of other batches run beside it) |
| create a batch publishing the open ones, move a batch, set its annotation types | project → batch(es) |
| create a scene into a project (the scene is new: nothing of it to lock) | project → its batches |
| place a created scene in a batch (`create_input`) | project → its batches → the scene |
| commit | the scene's project → its batches → the scene → its files and inputs |
| the end of a commit (created or failed) | the scene → its inputs |
| retarget a pending scene | the new project → its batches → the scene |
| invalidate | the projects, then the batches, of the scenes' inputs → the scenes → their files and inputs |
| delete an input | its project → its batch → the input |
| record an upload, abandon a scene, the stale-scene sweep | the scene → its files |
| project set-up, status, default types | project (→ the organization's project-list revision) |
| project workforce, workflow, classes | project |
| batch workflow | project → batch |
| claim a task | (project → batch, if it starts a `ready` batch) → the task and its input, `SKIP LOCKED` |
| draft, give up, assign, submit, review | (project → batch, when the batch moves) → the input → the task |
| a client's review of a delivered annotation | (project → batch, when the batch moves) → the input |
| a task's lease runs out (the sweep) | the input → the task |
| import annotations (per input) | project → batch → the input |
| after a commit that failed (its own transaction) | the scene's projects → their batches |
| create, delete or import a pre-annotation | the pre-annotation (its scene is read, not locked) |
| an input from a pre-annotation | project → its batches → the scene (→ the input, if it exists) |
| change an input's pre-annotation | the input (its tasks read) |
| post an automatic review | the input |

A work operation that finds, under its locks, that it must move its batch (`ready → in-progress`,
`in-progress → completed`, or back) and does not hold the batch's lock rolls back and runs again
taking the project and the batch first (`services.work_transactions`); a claim takes its task and input with
`SKIP LOCKED`, so it never waits for a row at all.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec

from annobatch.domain import Conflict
from annobatch.services.identity import Caller
from annobatch.storage.database import Database, IntegrityError, TransactionAborted
from annobatch.storage.records import IdempotentAnswer, now_micros
from annobatch.storage.unit_of_work import UnitOfWork

R = TypeVar("R")

log = logging.getLogger("annobatch.services")

IDEMPOTENCY_WINDOW_MICROS = 24 * 3600 * 1_000_000
#: Stored answers past the window are deleted now and then, by the requests that store new ones.
PURGE_PROBABILITY = 0.01

#: How many times in all a transaction runs that the database keeps aborting, before the
#: operation gives up as unavailable (503, with Retry-After).
ATTEMPTS = 5
#: The first pause before a new attempt, doubled each time, jittered (a pause is uniformly
#: random up to it), so that the transactions that deadlocked do not meet again in step.
BACKOFF_SECONDS = 0.01


@dataclass(frozen=True, slots=True)
class Write:
    """How a mutation runs: for real or as a dry run, and under which idempotency key."""

    dry_run: bool = False
    idempotency_key: str | None = None


def fingerprint(*parts: Any) -> str:
    """What makes two requests under one idempotency key the same request."""
    return hashlib.sha256(msgspec.json.encode(parts)).hexdigest()


def _in_workspace(request: str, workspace_id: str) -> str:
    """Idempotency keys are the organization's: the same request from a credential bound to
    another workspace is another request, never answered with the first one's result."""
    return fingerprint(request, workspace_id)


@asynccontextmanager
async def reading(db: Database) -> AsyncIterator[UnitOfWork]:
    """A read-only transaction."""
    async with db.transaction() as tx:
        yield UnitOfWork(tx)


@asynccontextmanager
async def writing(db: Database, dry_run: bool = False) -> AsyncIterator[UnitOfWork]:
    """A write transaction; a dry run is always rolled back. It runs once: operations that lock
    rows go through `transact`, which runs the transaction again when the database aborts it."""
    ctx = db.dry_run() if dry_run else db.transaction(write=True)
    async with ctx as tx:
        yield UnitOfWork(tx)


async def transact(
    db: Database, produce: Callable[[UnitOfWork], Awaitable[R]], *, dry_run: bool = False
) -> R:
    """Run `produce` in one write transaction. When the database aborts the transaction to break a
    deadlock or a serialization failure (or `produce` finds what it locked changed), it runs again
    from the start, up to `ATTEMPTS` times in all with a jittered pause between, and then gives up
    with `TransactionAborted`, which is `Unavailable`: a 503, never a 500.

    `produce` may therefore run more than once: it must do nothing outside the transaction (files
    are deleted, mail is sent, after `transact` returns)."""
    attempt = 1
    while True:
        try:
            async with writing(db, dry_run) as uow:
                return await produce(uow)
        except TransactionAborted as e:
            if attempt >= ATTEMPTS:
                log.warning("transaction aborted %d times, giving up: %s", attempt, e)
                raise
            log.info("transaction aborted (attempt %d of %d), running it again: %s", attempt, ATTEMPTS, e)
        await asyncio.sleep(random.uniform(0, BACKOFF_SECONDS * 2 ** (attempt - 1)))
        attempt += 1


async def run_write(
    db: Database,
    caller: Caller,
    write: Write,
    fingerprint: str,
    result_type: type[R],
    produce: Callable[[UnitOfWork], Awaitable[R]],
) -> R:
    """Run `produce` in one write transaction (`transact`: run again if the database aborts it).
    With an idempotency key, the same key and request within 24 h answers the first result
    instead of running again; a different request under the same key is a conflict."""
    key = None if write.dry_run else write.idempotency_key
    if key is not None and caller.scope.workspace_id is not None:
        fingerprint = _in_workspace(fingerprint, caller.scope.workspace_id)

    async def once(uow: UnitOfWork) -> R:
        if key is not None:
            await uow.idempotency.lock(f"{caller.org}:{key}")
            prev = await uow.idempotency.get(caller.org, key)
            if prev is not None and prev.created > now_micros() - IDEMPOTENCY_WINDOW_MICROS:
                if prev.fingerprint != fingerprint:
                    raise Conflict(
                        f"Idempotency-Key {key!r} was already used for a different request; "
                        "use a new key for a new request",
                        "idempotency-key-reused",
                    )
                return msgspec.json.decode(prev.body, type=result_type)
        result = await produce(uow)
        if key is not None:
            now = now_micros()
            body = msgspec.json.encode(result)
            await uow.idempotency.put(caller.org, key, IdempotentAnswer(fingerprint, 200, body, now))
            if random.random() < PURGE_PROBABILITY:
                await uow.idempotency.purge(before=now - IDEMPOTENCY_WINDOW_MICROS)
        return result

    try:
        return await transact(db, once, dry_run=write.dry_run)
    except IntegrityError as e:
        # Constraints back the domain's checks up; reaching one means a concurrent writer won.
        raise Conflict(f"the change conflicts with a concurrent one: {e}", "conflict") from None
