"""How an operation runs (`annobatch.services.transactions`): one unit of work, whose groups share
one transaction; a dry run or an error keeps nothing; an idempotency key answers a retry with the
first result; a transaction the database aborts (a deadlock) runs again, a bounded number of times."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from annobatch.domain import Conflict, InvalidInput
from annobatch.services import transactions
from annobatch.services.identity import Caller, operator
from annobatch.services.transactions import Write, reading, run_write, writing
from annobatch.storage.database import Database, Query, TransactionAborted, Unavailable
from annobatch.storage.unit_of_work import UnitOfWork


def an_organization(db: Database, runner: asyncio.Runner) -> Caller:
    async def go() -> int:
        async with writing(db) as uow:
            return (await uow.organizations.create("acme")).id

    return operator(runner.run(go()))


async def project_and_batch(uow: UnitOfWork, caller: Caller, project: str = "p1") -> str:
    """A project, its batch and an audit entry, through three groups of one unit of work."""
    p = await uow.projects.create(caller.org, project, "P", "", "ongoing")
    b = await uow.batches.create(p.id, "b1", "b1", "open")
    await uow.events.add(caller.org, p.id, b.id, "batch.created", caller.email, "{}")
    assert [x.external_id for x in await uow.batches.of(p.id)] == ["b1"]
    return project


async def projects(db: Database, caller: Caller) -> list[str]:
    async with reading(db) as uow:
        return [p.external_id for p in await uow.projects.of(caller.org)]


def test_a_write_commits_what_every_group_of_its_unit_wrote(db: Database, runner: asyncio.Runner) -> None:
    caller = an_organization(db, runner)

    async def go() -> None:
        result = await run_write(db, caller, Write(), "fp", str, lambda uow: project_and_batch(uow, caller))
        assert result == "p1"
        assert await projects(db, caller) == ["p1"]
        async with reading(db) as uow:
            p = await uow.projects.get(caller.org, "p1")
            assert p is not None and await uow.batches.list_version(caller.org, "p1") == (p.id, 0, 1)
            assert (
                len(await uow.events.page(caller.scope, project_id=p.id, batch_id=None, after=0, limit=10))
                == 1
            )

    runner.run(go())


def test_a_failing_operation_keeps_nothing_any_group_wrote(db: Database, runner: asyncio.Runner) -> None:
    caller = an_organization(db, runner)

    async def fail(uow: UnitOfWork) -> str:
        await project_and_batch(uow, caller)
        raise InvalidInput("refused after writing")

    async def go() -> None:
        with pytest.raises(InvalidInput):
            await run_write(db, caller, Write(idempotency_key="k1"), "fp", str, fail)
        assert await projects(db, caller) == []
        async with reading(db) as uow:  # nor the idempotency key's answer
            assert await uow.idempotency.get(caller.org, "k1") is None

    runner.run(go())


def test_a_dry_run_answers_the_result_and_keeps_nothing(db: Database, runner: asyncio.Runner) -> None:
    caller = an_organization(db, runner)

    async def go() -> None:
        write = Write(dry_run=True, idempotency_key="k1")
        result = await run_write(db, caller, write, "fp", str, lambda uow: project_and_batch(uow, caller))
        assert result == "p1"
        assert await projects(db, caller) == []
        async with reading(db) as uow:
            assert await uow.idempotency.get(caller.org, "k1") is None

    runner.run(go())


def test_a_retry_under_the_same_key_answers_the_first_result_without_running_again(
    db: Database, runner: asyncio.Runner
) -> None:
    caller = an_organization(db, runner)
    runs: list[str] = []

    async def produce(uow: UnitOfWork) -> str:
        runs.append("ran")
        return await project_and_batch(uow, caller, f"p{len(runs)}")

    async def go() -> None:
        write = Write(idempotency_key="k1")
        assert await run_write(db, caller, write, "fp", str, produce) == "p1"
        assert await run_write(db, caller, write, "fp", str, produce) == "p1"
        assert runs == ["ran"] and await projects(db, caller) == ["p1"]
        with pytest.raises(Conflict, match="different request"):
            await run_write(db, caller, write, "another fp", str, produce)

    runner.run(go())


def test_a_constraint_refusing_a_write_is_a_conflict(db: Database, runner: asyncio.Runner) -> None:
    caller = an_organization(db, runner)

    async def twice(uow: UnitOfWork) -> str:
        await project_and_batch(uow, caller)
        return await project_and_batch(uow, caller)

    async def go() -> None:
        with pytest.raises(Conflict, match="concurrent"):
            await run_write(db, caller, Write(), "fp", str, twice)
        assert await projects(db, caller) == []

    runner.run(go())


# ------------------------------------------------------------------ transactions the database aborts


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transactions, "BACKOFF_SECONDS", 0.0)


async def abort_once_in_the_database(uow: UnitOfWork) -> None:
    """What a deadlock looks like from the driver: PostgreSQL aborting the statement with
    SQLSTATE 40P01 (on SQLite, which never deadlocks, the error the driver's would become)."""
    if uow.tx.dialect == "postgresql":
        await uow.tx.execute(
            Query(
                "DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = 'deadlock_detected'; END $$"
            )
        )
    raise TransactionAborted("deadlock detected")


def test_a_transaction_the_database_aborts_once_runs_again_and_succeeds(
    db: Database, runner: asyncio.Runner, no_backoff: None
) -> None:
    caller = an_organization(db, runner)
    runs: list[int] = []

    async def produce(uow: UnitOfWork) -> str:
        runs.append(1)
        project = await project_and_batch(uow, caller)
        if len(runs) == 1:
            await abort_once_in_the_database(uow)
        return project

    async def go() -> None:
        assert await run_write(db, caller, Write(idempotency_key="k1"), "fp", str, produce) == "p1"
        # The first attempt's writes went with it: the second wrote p1 afresh, once.
        assert len(runs) == 2 and await projects(db, caller) == ["p1"]
        async with reading(db) as uow:
            assert (await uow.idempotency.get(caller.org, "k1")) is not None

    runner.run(go())


def test_a_transaction_the_database_keeps_aborting_gives_up_as_unavailable_after_the_bound(
    db: Database, runner: asyncio.Runner, no_backoff: None
) -> None:
    caller = an_organization(db, runner)
    runs: list[int] = []

    async def produce(uow: UnitOfWork) -> str:
        runs.append(1)
        await project_and_batch(uow, caller)
        await abort_once_in_the_database(uow)
        return "never"

    async def go() -> None:
        with pytest.raises(Unavailable, match="deadlock detected"):
            await run_write(db, caller, Write(), "fp", str, produce)
        assert len(runs) == transactions.ATTEMPTS and await projects(db, caller) == []

    runner.run(go())


def test_the_pauses_between_attempts_are_jittered_and_grow(monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    async def produce(uow: UnitOfWork) -> None:
        raise TransactionAborted("deadlock detected")

    class NoDatabase(Database):
        dialect, url = "none", "none://"

        async def connect(self) -> None: ...

        async def close(self) -> None: ...

        @asynccontextmanager
        async def transaction(self, write: bool = False) -> AsyncIterator[Any]:
            yield None

    monkeypatch.setattr(transactions.asyncio, "sleep", sleep)
    monkeypatch.setattr(transactions.random, "uniform", lambda low, high: high)
    with pytest.raises(TransactionAborted):
        asyncio.run(transactions.transact(NoDatabase(), produce))
    base = transactions.BACKOFF_SECONDS
    assert pauses == [base, 2 * base, 4 * base, 8 * base]
