"""A unit of work's query groups share its one transaction: what one writes the others see, and
they commit or roll back together."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from annobatch.storage.database import Database, IntegrityError
from annobatch.storage.records import WorkspaceRecord, now_micros
from annobatch.storage.scope import Scope
from annobatch.storage.unit_of_work import UnitOfWork

GROUPS = (
    "organizations", "workspaces", "credentials", "server_keys", "projects", "batches",
    "events", "idempotency", "scenes", "inputs", "calibrations", "imu",
)  # fmt: skip


async def write_through_every_kind(uow: UnitOfWork) -> int:
    """An organization, its workspace, a project, a batch and an audit entry, each through its own
    group; each group reads what the others wrote."""
    org = await uow.organizations.create("acme")
    ws = WorkspaceRecord(str(uuid.uuid4()), "default-1", org.id, "default", now_micros())
    await uow.workspaces.create(ws)  # its foreign key needs the organization of this transaction
    p = await uow.projects.create(org.id, "p1", "P", "", "ongoing")
    b = await uow.batches.create(p.id, "b1", "b1", "open")
    await uow.events.add(org.id, p.id, b.id, "batch.created", "test", "{}")
    assert await uow.workspaces.of(org.id) == [ws]
    assert await uow.batches.get(p.id, "b1") == b
    page = await uow.events.page(Scope(org.id), project_id=p.id, batch_id=None, after=0, limit=10)
    assert [e.batch for e in page] == ["b1"]
    assert await uow.batches.list_version(org.id, "p1") == (p.id, 0, 1)  # the batches group counts it
    return org.id


async def nothing_stayed(db: Database) -> None:
    async with db.transaction() as tx:
        uow = UnitOfWork(tx)
        assert await uow.organizations.all() == []
        assert await uow.projects.all() == []


def test_what_one_group_writes_the_others_see_and_all_of_it_commits(
    db: Database, runner: asyncio.Runner
) -> None:
    async def go() -> None:
        async with db.transaction(write=True) as tx:
            org = await write_through_every_kind(UnitOfWork(tx))
        async with db.transaction() as tx:
            uow = UnitOfWork(tx)
            assert [p.external_id for p in await uow.projects.of(org)] == ["p1"]
            assert len(await uow.workspaces.of(org)) == 1

    runner.run(go())


def test_an_error_rolls_back_what_every_group_wrote(db: Database, runner: asyncio.Runner) -> None:
    async def go() -> None:
        with pytest.raises(RuntimeError):
            async with db.transaction(write=True) as tx:
                await write_through_every_kind(UnitOfWork(tx))
                raise RuntimeError("boom")
        await nothing_stayed(db)

    runner.run(go())


def test_a_constraint_refusing_one_groups_write_rolls_back_the_others(
    db: Database, runner: asyncio.Runner
) -> None:
    async def go() -> None:
        with pytest.raises(IntegrityError):
            async with db.transaction(write=True) as tx:
                uow = UnitOfWork(tx)
                org = await write_through_every_kind(uow)
                await uow.projects.create(org, "p1", "again", "", "ongoing")
        await nothing_stayed(db)

    runner.run(go())


def test_a_dry_run_sees_every_groups_writes_and_keeps_none(db: Database, runner: asyncio.Runner) -> None:
    async def go() -> None:
        async with db.dry_run() as tx:
            await write_through_every_kind(UnitOfWork(tx))
        await nothing_stayed(db)

    runner.run(go())


def test_a_group_is_made_on_first_use_over_the_units_transaction_and_kept(
    db: Database, runner: asyncio.Runner
) -> None:
    async def go() -> None:
        async with db.transaction() as tx:
            uow = UnitOfWork(tx)
            assert not set(GROUPS) & set(vars(uow))  # nothing made before it is used
            for name in GROUPS:
                group = getattr(uow, name)
                assert group.tx is tx and getattr(uow, name) is group
            assert set(GROUPS) <= set(vars(uow))
            assert UnitOfWork(tx).projects is not uow.projects  # kept per unit, not shared

    runner.run(go())
