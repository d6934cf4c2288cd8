"""A project's batches: order, the latest one, and the revision that every change bumps."""

from __future__ import annotations

import asyncio

from annobatch.storage.database import Database
from annobatch.storage.unit_of_work import UnitOfWork


def test_the_latest_batch_is_the_newest_created_with_ties_broken_by_id(
    db: Database, runner: asyncio.Runner
) -> None:
    async def go() -> None:
        async with db.transaction(write=True) as tx:
            uow = UnitOfWork(tx)
            org = await uow.organizations.create("acme")
            p = await uow.projects.create(org.id, "p1", "P", "", "ongoing")
            await uow.batches.create(p.id, "b1", "b1", "open")
            b2 = await uow.batches.create(p.id, "b2", "b2", "open")
            assert await uow.batches.latest(p.id) == b2
            assert [b.external_id for b in await uow.batches.of(p.id)] == ["b1", "b2"]

    runner.run(go())


def test_every_change_to_a_projects_batches_bumps_its_batches_revision(
    db: Database, runner: asyncio.Runner
) -> None:
    async def go() -> None:
        async with db.transaction(write=True) as tx:
            uow = UnitOfWork(tx)
            org = await uow.organizations.create("acme")
            p = await uow.projects.create(org.id, "p1", "P", "", "ongoing")

            async def revision() -> int:
                found = await uow.projects.get(org.id, "p1")
                assert found is not None
                return found.batches_revision

            b = await uow.batches.create(p.id, "b1", "b1", "pending")
            assert await revision() == 1
            await uow.batches.set_types(b.id, ["x"])
            assert await revision() == 2
            await uow.batches.set_status(b.id, "open")
            assert await revision() == 3
            assert await uow.batches.by_id(b.id) == ("b1", "open", p.id)
            assert await uow.batches.types_by_batch([b.id, b.id + 1]) == {b.id: ["x"], b.id + 1: []}

    runner.run(go())
