"""A project's queries: the record round trip, its default types and its catalogue."""

from __future__ import annotations

import asyncio

import pytest

from annobatch.storage.database import Database, Query
from annobatch.storage.unit_of_work import UnitOfWork


def test_a_project_round_trips_as_a_record(db: Database, runner: asyncio.Runner) -> None:
    async def go() -> None:
        async with db.transaction(write=True) as tx:
            uow = UnitOfWork(tx)
            org = await uow.organizations.create("acme")
            p = await uow.projects.create(org.id, "p1", "P one", "", "ongoing")
            await uow.projects.set_default_types(p.id, ["b-type", "a-type"])
        async with db.transaction() as tx:
            uow = UnitOfWork(tx)
            assert await uow.projects.get(org.id, "p1") == p
            assert await uow.projects.get(org.id + 1, "p1") is None
            assert await uow.projects.default_types(p.id) == ["b-type", "a-type"]

    runner.run(go())


def test_the_catalogue_holds_defaults_then_batch_types_once_each(
    db: Database, runner: asyncio.Runner
) -> None:
    async def go() -> None:
        async with db.transaction(write=True) as tx:
            uow = UnitOfWork(tx)
            org = await uow.organizations.create("acme")
            p = await uow.projects.create(org.id, "p1", "P", "", "ongoing")
            await uow.projects.set_default_types(p.id, ["object-detection"])
            b = await uow.batches.create(p.id, "b1", "b1", "open")
            await uow.batches.set_types(b.id, ["lane-marking", "object-detection"])
            assert await uow.projects.catalogue(p.id) == ["object-detection", "lane-marking"]

    runner.run(go())


def test_projects_are_listed_per_organization_oldest_first_or_all_together(
    db: Database, runner: asyncio.Runner
) -> None:
    async def go() -> None:
        async with db.transaction(write=True) as tx:
            uow = UnitOfWork(tx)
            acme = await uow.organizations.create("acme")
            globex = await uow.organizations.create("globex")
            a1 = await uow.projects.create(acme.id, "a1", "A1", "", "ongoing")
            g1 = await uow.projects.create(globex.id, "g1", "G1", "", "ongoing")
            a2 = await uow.projects.create(acme.id, "a2", "A2", "", "ongoing")
            assert await uow.projects.of(acme.id) == [a1, a2]
            assert await uow.projects.all() == [a1, a2, g1]
            assert await uow.projects.external_id(g1.id) == "g1"

    runner.run(go())


_PID = Query("SELECT pg_backend_pid()")
_WAITING = Query("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid")


def test_a_lone_lock_waiting_for_shared_ones_is_granted_before_shared_ones_asked_after_it(
    db: Database, runner: asyncio.Runner
) -> None:
    """Creates of batches lock their project shared; a change of the project that waits for them
    must not wait for every create that comes after it too (PostgreSQL grants a free row lock to
    a sharer at once: the project's advisory lock makes them queue)."""
    if db.dialect != "postgresql":
        pytest.skip("SQLite write transactions never interleave")

    async def go() -> list[str]:
        async with db.transaction(write=True) as tx:
            org = (await UnitOfWork(tx).organizations.create("acme")).id
            await UnitOfWork(tx).projects.create(org, "p1", "P", "", "ongoing")
        order: list[str] = []
        first_holds, release_first = asyncio.Event(), asyncio.Event()
        pids: dict[str, int] = {}

        async def locker(name: str, shared: bool) -> None:
            async with db.transaction(write=True) as tx:
                pids[name] = (await tx.fetch_all(_PID))[0][0]
                uow = UnitOfWork(tx)
                await uow.projects.get(org, "p1", lock=True, shared=shared)
                order.append(name)
                if name == "first":
                    first_holds.set()
                    await release_first.wait()

        async def waiting(name: str) -> None:
            async with db.transaction() as tx:
                while name not in pids or not (await tx.fetch_all(_WAITING, {"pid": pids[name]}))[0][0]:
                    assert name not in order, f"{name} was granted its lock without waiting"
                    await asyncio.sleep(0.01)

        tasks = [asyncio.create_task(locker("first", shared=True))]
        try:
            await first_holds.wait()
            tasks.append(asyncio.create_task(locker("alone", shared=False)))
            await waiting("alone")
            tasks.append(asyncio.create_task(locker("later", shared=True)))
            await waiting("later")
        finally:
            release_first.set()
            await asyncio.gather(*tasks)
        return order

    assert runner.run(go()) == ["first", "alone", "later"]
