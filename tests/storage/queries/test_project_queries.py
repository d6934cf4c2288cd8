"""A project's queries: the record round trip, its default types and its catalogue."""

from __future__ import annotations

import asyncio

from annobatch.storage.database import Database
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
