"""How an operation runs: one transaction, for real or as a dry run, once per idempotency key."""

from __future__ import annotations

import hashlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec

from annobatch.domain import Conflict
from annobatch.services.identity import Caller
from annobatch.storage.database import Database, IntegrityError
from annobatch.storage.records import IdempotentAnswer, now_micros
from annobatch.storage.unit_of_work import UnitOfWork

R = TypeVar("R")

IDEMPOTENCY_WINDOW_MICROS = 24 * 3600 * 1_000_000
#: Stored answers past the window are deleted now and then, by the requests that store new ones.
PURGE_PROBABILITY = 0.01


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
    """A write transaction; a dry run is always rolled back."""
    ctx = db.dry_run() if dry_run else db.transaction(write=True)
    async with ctx as tx:
        yield UnitOfWork(tx)


async def run_write(
    db: Database,
    caller: Caller,
    write: Write,
    fingerprint: str,
    result_type: type[R],
    produce: Callable[[UnitOfWork], Awaitable[R]],
) -> R:
    """Run `produce` in one write transaction. With an idempotency key, the same key and request
    within 24 h answers the first result instead of running again; a different request under
    the same key is a conflict."""
    key = None if write.dry_run else write.idempotency_key
    if key is not None and caller.scope.workspace_id is not None:
        fingerprint = _in_workspace(fingerprint, caller.scope.workspace_id)
    try:
        async with writing(db, write.dry_run) as uow:
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
    except IntegrityError as e:
        # Constraints back the domain's checks up; reaching one means a concurrent writer won.
        raise Conflict(f"the change conflicts with a concurrent one: {e}", "conflict") from None
