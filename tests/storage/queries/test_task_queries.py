"""Task queries: the claim's pick (what it may hand out, in which order), moves that say whether
they won, leases, listing pages."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from annobatch.storage.database import Database
from annobatch.storage.queries.tasks import ClaimFilter
from annobatch.storage.records import InputRecord, SceneRecord, TaskRecord, WorkspaceRecord
from annobatch.storage.unit_of_work import UnitOfWork


async def seed(uow: UnitOfWork, batch_status: str = "ready", n: int = 3) -> dict[str, Any]:
    org = await uow.organizations.create("acme")
    ws = await uow.workspaces.create(WorkspaceRecord(str(uuid.uuid4()), "ws", org.id, "default", 0))
    p = await uow.projects.create(org.id, "p1", "P", "", "ongoing")
    b = await uow.batches.create(p.id, "b1", "b1", batch_status)
    tasks = []
    for i in range(n):
        scene = SceneRecord(
            str(uuid.uuid4()), org.id, ws.id, f"s{i}", "cameras", "created", None, None, p.id, b.id,
            False, "{}", "fp", None, i, i, True,
        )  # fmt: skip
        await uow.scenes.create(scene, [])
        inp = InputRecord(str(uuid.uuid4()), org.id, p.id, b.id, scene.id, "created", 100 + i)
        await uow.inputs.create(inp)
        t = TaskRecord(
            str(uuid.uuid4()), org.id, p.id, b.id, inp.id, "annotate", 0, "todo",
            None, None, None, None, None, 1000 - i, None,
        )  # fmt: skip
        tasks.append(await uow.tasks.insert(t))
    await uow.workforce.add(p.id, 42, 0)
    return {"org": org.id, "project": p.id, "batch": b.id, "tasks": tasks}


def member(org: int, **kw: Any) -> ClaimFilter:
    return ClaimFilter(org, 42, member=True, any_assignee=False, kinds=("annotate", "correct"), **kw)


def test_the_pick_is_the_oldest_input_first_and_a_start_wins_once(
    db: Database, runner: asyncio.Runner
) -> None:
    async def go() -> None:
        async with db.transaction(write=True) as tx:
            uow = UnitOfWork(tx)
            s = await seed(uow)
            first = s["tasks"][0]
            picked = await uow.tasks.pick(member(s["org"]))
            assert picked == (first.id, first.input_id, s["batch"], "ready")
            started = await uow.tasks.start(first.id, 42, 5)
            assert started is not None and (started.status, started.holder, started.touched) == (
                "ongoing",
                42,
                5,
            )
            assert await uow.tasks.start(first.id, 43, 6) is None
            assert (await uow.tasks.pick(member(s["org"])) or ("",))[0] == s["tasks"][1].id

    runner.run(go())


def test_the_pick_prefers_own_assignments_and_skips_others(db: Database, runner: asyncio.Runner) -> None:
    async def go() -> None:
        async with db.transaction(write=True) as tx:
            uow = UnitOfWork(tx)
            s = await seed(uow)
            t0, t1, t2 = s["tasks"]
            assert await uow.tasks.set_assignee(t2.id, 42)
            assert await uow.tasks.set_assignee(t0.id, 7)
            assert (await uow.tasks.pick(member(s["org"])) or ("",))[0] == t2.id
            await uow.tasks.start(t2.id, 42, 1)
            assert (await uow.tasks.pick(member(s["org"])) or ("",))[0] == t1.id
            await uow.tasks.start(t1.id, 42, 1)
            assert await uow.tasks.pick(member(s["org"])) is None
            staff = ClaimFilter(s["org"], 1, member=False, any_assignee=True, kinds=("annotate",))
            assert (await uow.tasks.pick(staff) or ("",))[0] == t0.id

    runner.run(go())


def test_nothing_is_handed_out_of_an_open_batch_nor_to_non_members(
    db: Database, runner: asyncio.Runner
) -> None:
    async def go() -> None:
        async with db.transaction(write=True) as tx:
            uow = UnitOfWork(tx)
            s = await seed(uow, batch_status="open")
            assert await uow.tasks.pick(member(s["org"])) is None
            await uow.batches.set_status(s["batch"], "in-progress")
            assert await uow.tasks.pick(member(s["org"])) is not None
            stranger = ClaimFilter(s["org"], 99, member=True, any_assignee=False, kinds=("annotate",))
            assert await uow.tasks.pick(stranger) is None
            reviews_only = ClaimFilter(s["org"], 42, member=True, any_assignee=False, kinds=("review",))
            assert await uow.tasks.pick(reviews_only) is None

    runner.run(go())


def test_moves_answer_whether_they_happened(db: Database, runner: asyncio.Runner) -> None:
    async def go() -> None:
        async with db.transaction(write=True) as tx:
            uow = UnitOfWork(tx)
            s = await seed(uow, n=2)
            t0, t1 = s["tasks"]
            assert not await uow.tasks.release(t0.id)
            assert not await uow.tasks.finish(t0.id, 1)
            await uow.tasks.start(t0.id, 42, 10)
            assert await uow.tasks.save_draft(t0.id, "{}", 20)
            assert await uow.tasks.expired(cutoff=20) == []
            assert await uow.tasks.expired(cutoff=21) == [(t0.id, t0.input_id)]
            assert not await uow.tasks.expire(t0.id, cutoff=20)
            assert await uow.tasks.expire(t0.id, cutoff=21)
            assert await uow.tasks.set_assignee(t0.id, 5)
            await uow.tasks.start(t1.id, 42, 10)
            assert not await uow.tasks.set_assignee(t1.id, 5)
            assert await uow.tasks.cancel_of_input(t1.input_id, 30) == [t1.id]
            assert await uow.tasks.open_of_input(t1.input_id) == []

    runner.run(go())


def test_pages_follow_creation_order_after_a_task(db: Database, runner: asyncio.Runner) -> None:
    async def go() -> None:
        async with db.transaction(write=True) as tx:
            uow = UnitOfWork(tx)
            s = await seed(uow, n=3)
            ids = [t.id for t in sorted(s["tasks"], key=lambda t: (t.created, t.id))]
            page = await uow.tasks.page(s["org"], limit=2)
            assert [t.id for t in page] == ids[:2]
            rest = await uow.tasks.page(s["org"], after=page[-1].id, limit=2)
            assert [t.id for t in rest] == ids[2:]
            assert [t.id for t in await uow.tasks.page(s["org"], member_of=42, status="todo")] == ids
            assert await uow.tasks.page(s["org"], member_of=99) == []
            assert await uow.tasks.started_in_batch(s["batch"]) is False

    runner.run(go())
