"""A project's batches: order, the latest one, and the version of the list that every change changes."""

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


def test_every_change_to_a_projects_batches_changes_the_version_of_its_list(
    db: Database, runner: asyncio.Runner
) -> None:
    async def go() -> None:
        async with db.transaction(write=True) as tx:
            uow = UnitOfWork(tx)
            org = await uow.organizations.create("acme")
            p = await uow.projects.create(org.id, "p1", "P", "", "ongoing")

            async def version() -> tuple[int, int, int] | None:
                return await uow.batches.list_version(org.id, "p1")

            assert await version() == (p.id, 0, 0)
            # A new batch adds a row and writes nothing to the project's row: the count tells.
            b = await uow.batches.create(p.id, "b1", "b1", "pending")
            assert await version() == (p.id, 0, 1)
            await uow.batches.set_types(b.id, ["x"])
            assert await version() == (p.id, 1, 1)
            await uow.batches.set_status(b.id, "open")
            assert await version() == (p.id, 2, 1)
            assert await uow.batches.list_version(org.id, "p2") is None
            assert await uow.batches.by_id(b.id) == ("b1", "open", p.id)
            assert await uow.batches.types_by_batch([b.id, b.id + 1]) == {b.id: ["x"], b.id + 1: []}

    runner.run(go())
