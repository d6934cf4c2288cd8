"""An organization's project-list revision: every change to what the list shows bumps it in the
same transaction, and a change rolled back leaves it as it was."""

from __future__ import annotations

import asyncio

import pytest

from annobatch.storage.database import Database
from annobatch.storage.unit_of_work import UnitOfWork


def test_every_change_to_the_project_list_bumps_the_revision_in_its_transaction(
    db: Database, runner: asyncio.Runner
) -> None:
    async def go() -> None:
        async with db.transaction(write=True) as tx:
            uow = UnitOfWork(tx)
            org = (await uow.organizations.create("acme")).id
            other = (await uow.organizations.create("globex")).id
            assert await uow.projects.list_revision(org) == 0
            p = await uow.projects.create(org, "p1", "P", "", "ongoing")
            assert await uow.projects.list_revision(org) == 1
            await uow.projects.set_status(p.id, "completed")
            assert await uow.projects.list_revision(org) == 2
            await uow.projects.set_workflow(p.id, "annotate")  # not shown in the list
            assert await uow.projects.list_revision(org) == 2
            assert await uow.projects.list_revision(other) == 0

        with pytest.raises(RuntimeError):
            async with db.transaction(write=True) as tx:
                uow = UnitOfWork(tx)
                await uow.projects.create(org, "p2", "P", "", "ongoing")
                assert await uow.projects.list_revision(org) == 3
                raise RuntimeError("rolled back")
        async with db.transaction() as tx:
            assert await UnitOfWork(tx).projects.list_revision(org) == 2

    runner.run(go())
