"""Races, with real concurrency (a thread, an event loop and a database connection per party):
claimers never share a task, a submission racing its lease's expiry and a review racing a second
review each end one way, whole."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from annobatch.domain import DomainError
from annobatch.services import Services
from annobatch.storage.blobs import LocalBlobStore
from annobatch.storage.database import open_database
from work_world import WorkWorld, openlabel

DOCS = {"od": openlabel("car"), "lanes": openlabel()}


def race(url: str, blobs: Path, parties: list[Callable[[Services], Coroutine[Any, Any, Any]]]) -> list[Any]:
    """Run each party in a thread of its own, each on its own connection, released together.
    Answers each one's result or the exception it raised."""
    results: list[Any] = [None] * len(parties)
    barrier = threading.Barrier(len(parties))

    def run(i: int) -> None:
        async def go() -> Any:
            db = open_database(url)
            await db.connect()
            try:
                ops = Services.over(db, LocalBlobStore(blobs), task_lease_seconds=3600)
                barrier.wait()
                return await parties[i](ops)
            finally:
                await db.close()

        try:
            results[i] = asyncio.run(go())
        except Exception as e:
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(parties))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


@pytest.fixture
def w(db: Any, runner: asyncio.Runner, tmp_path: Path) -> WorkWorld:
    return WorkWorld(db, runner, tmp_path / "blobs")


def test_twenty_concurrent_claimers_never_share_a_task(
    w: WorkWorld, database_url: str, tmp_path: Path
) -> None:
    w.inputs(15)
    w.publish()
    members = [w.member() for _ in range(20)]

    def claimer(i: int) -> Callable[[Services], Coroutine[Any, Any, Any]]:
        return lambda ops: ops.work.claim(members[i])

    results = race(database_url, tmp_path / "blobs", [claimer(i) for i in range(20)])
    claimed = [r.task.id for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(claimed) == 15 and len(set(claimed)) == 15
    assert len(refused) == 5 and all(getattr(e, "code", None) == "nothing-to-claim" for e in refused), refused
    holders = {t.id: t.holder for t in w.tasks()}
    assert sorted(holders[t] or 0 for t in claimed) == sorted(
        m.user_id for m, r in zip(members, results, strict=True) if not isinstance(r, Exception)
    )
    assert w.batch_status() == "in-progress"
    assert len([1 for _, a, _ in w.events("batch.transitioned") if a == "system"]) == 1


def test_a_submission_racing_its_leases_expiry_ends_one_way(
    w: WorkWorld, database_url: str, tmp_path: Path
) -> None:
    for _ in range(5):
        w.inputs(1)
    w.publish()
    ann = w.member()
    outcomes = []
    for _ in range(5):
        t = w.run(w.ops.work.claim(ann))
        assert t.task.touched is not None
        later = t.task.touched + 3600 * 1_000_000 + 1

        async def submit(ops: Services, tid: str = t.task.id) -> Any:
            return await ops.work.submit(ann, tid, DOCS)

        async def expire(ops: Services, now: int = later) -> Any:
            return await ops.work.expire_leases(now=now)

        submitted, expired = race(database_url, tmp_path / "blobs", [submit, expire])
        task = next(x for x in w.tasks() if x.id == t.task.id)
        if isinstance(submitted, DomainError):
            assert expired == 1 and task.status == "todo" and submitted.code == "task-not-ongoing"
            w.run(w.ops.work.give_up(w.staff, w.run(w.ops.work.claim(ann)).task.id))
        else:
            assert not isinstance(submitted, Exception), submitted
            assert expired == 0 and task.status == "done"
        outcomes.append(task.status)
    # Whatever won, no annotation blob is left without its version row.
    versions = w.store.keys("annotations/")
    assert len(versions) == 2 * outcomes.count("done")


def test_a_review_racing_a_second_review_ends_one_way(
    w: WorkWorld, database_url: str, tmp_path: Path
) -> None:
    w.inputs(1)
    w.publish()
    ann, rev = w.member(), w.member("reviewer")
    t = w.run(w.ops.work.claim(ann))
    w.run(w.ops.work.submit(ann, t.task.id, DOCS))
    r = w.run(w.ops.work.claim(rev))

    async def accept(ops: Services) -> Any:
        return await ops.work.review(rev, r.task.id, True)

    async def reject(ops: Services) -> Any:
        return await ops.work.review(w.staff, r.task.id, False, [{"errorTypeId": "other"}])

    results = race(database_url, tmp_path / "blobs", [accept, reject])
    won = [x for x in results if not isinstance(x, Exception)]
    lost = [x for x in results if isinstance(x, Exception)]
    assert len(won) == 1 and len(lost) == 1
    assert getattr(lost[0], "code", None) == "task-not-ongoing", lost
    tasks = w.tasks()
    if won[0].accepted:
        assert [x.kind for x in tasks] == ["annotate", "review"] and w.batch_status() == "completed"
    else:
        assert [x.kind for x in tasks] == ["annotate", "review", "correct"]
    assert len(w.events("task.reviewed")) == 1
