"""The client's reads of the annotation work (`uow.deliveries`): what each finds, in which order,
and that the scope (organization, workspace) is part of every one of them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
import sqlalchemy as sa

from annobatch.storage import tables
from annobatch.storage.database import Database, Query
from annobatch.storage.queries._sql import insert
from annobatch.storage.queries.deliveries import InputCursor
from annobatch.storage.scope import Scope
from annobatch.storage.unit_of_work import UnitOfWork
from delivery_seeds import Seed

T = TypeVar("T")


@pytest.fixture
def seed(db: Database, runner: asyncio.Runner, tmp_path: Path) -> Seed:
    return Seed(db, runner, tmp_path / "blobs")


def read(seed: Seed, f: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    async def go() -> T:
        async with seed.db.transaction() as tx:
            return await f(UnitOfWork(tx))

    return seed.run(go())


def test_progress_counts_group_a_projects_inputs_by_batch_and_work_status(seed: Seed) -> None:
    org, ws = seed.org("acme")
    other_ws = seed.workspace(org, "second")
    p = seed.project(org, "p1", ["object-detection"])
    b1 = seed.batch(org, "p1", "b1")
    b2 = seed.batch(org, "p1", "b2")
    for status in ("not_started", "not_started", "in_progress", "completed"):
        seed.input(b1, seed.scene(org, ws), org=org, work_status=status)
    seed.input(b1, seed.scene(org, ws), org=org, status="processing")  # not started yet: counts
    seed.input(b1, seed.scene(org, ws), org=org, status="failed")  # no work: left out
    seed.input(b1, seed.scene(org, ws), org=org, status="invalidated:duplicate", work_status="completed")
    seed.input(b2, seed.scene(org, other_ws), org=org, work_status="completed")

    everything = read(seed, lambda uow: uow.deliveries.progress_counts(Scope(org), p.id))
    assert everything == {
        b1.id: {"not_started": 3, "in_progress": 1, "completed": 1},
        b2.id: {"completed": 1},
    }
    first_ws = read(seed, lambda uow: uow.deliveries.progress_counts(Scope(org, ws), p.id))
    assert first_ws == {b1.id: {"not_started": 3, "in_progress": 1, "completed": 1}}
    assert read(seed, lambda uow: uow.deliveries.progress_counts(Scope(org, other_ws), p.id)) == {
        b2.id: {"completed": 1}
    }


def test_request_inputs_are_paged_in_creation_order_within_the_scope(seed: Seed) -> None:
    org, ws = seed.org("acme")
    other_ws = seed.workspace(org, "second")
    seed.project(org, "p1", ["object-detection"])
    b1 = seed.batch(org, "p1", "b1")
    scenes = [seed.scene(org, ws if i % 2 == 0 else other_ws, f"s{i}") for i in range(5)]
    ids = [seed.input(b1, s, org=org) for s in scenes]
    seed.input(b1, seed.scene(org, ws), org=org, status="invalidated:broken-input")
    seed.input(b1, seed.scene(org, ws), org=org, status="failed")

    def page(scope: Scope, after: InputCursor | None, limit: int, scene: str | None = None) -> list[str]:
        rows = read(seed, lambda uow: uow.deliveries.request_inputs(scope, b1.id, scene, after, limit))
        return [r.id for r in rows]

    assert page(Scope(org), None, 10) == ids
    first = read(seed, lambda uow: uow.deliveries.request_inputs(Scope(org), b1.id, None, None, 2))
    assert [r.id for r in first] == ids[:2]
    assert page(Scope(org), InputCursor(first[-1].created, first[-1].id), 10) == ids[2:]
    assert page(Scope(org, ws), None, 10) == [ids[0], ids[2], ids[4]]
    assert page(Scope(org, other_ws), None, 10) == [ids[1], ids[3]]
    assert page(Scope(org), None, 10, scenes[3]) == [ids[3]]
    assert page(Scope(org, ws), None, 10, scenes[3]) == []
    stranger, _ = seed.org("globex")
    assert page(Scope(stranger), None, 10) == []


def test_an_inputs_open_task_is_its_todo_or_ongoing_one(seed: Seed) -> None:
    org, ws = seed.org("acme")
    seed.project(org, "p1", ["object-detection"])
    b1 = seed.batch(org, "p1", "b1")
    a, b, c = (seed.input(b1, seed.scene(org, ws), org=org) for _ in range(3))
    seed.task(b1, a, org=org, status="done")
    ongoing = seed.task(b1, a, org=org, kind="review", phase=1, status="ongoing", holder=7)
    todo = seed.task(b1, b, org=org, status="todo", assignee=9)
    seed.task(b1, c, org=org, status="cancelled")

    found = read(seed, lambda uow: uow.deliveries.open_tasks([a, b, c]))
    assert set(found) == {a, b}
    assert (found[a].id, found[a].kind, found[a].phase, found[a].status, found[a].holder) == (
        ongoing,
        "review",
        1,
        "ongoing",
        7,
    )
    assert (found[b].id, found[b].assignee) == (todo, 9)
    assert read(seed, lambda uow: uow.deliveries.open_tasks([])) == {}


def test_only_delivered_versions_are_found_and_lists_take_the_current_ones(seed: Seed) -> None:
    org, ws = seed.org("acme")
    other_ws = seed.workspace(org, "second")
    seed.project(org, "p1", ["object-detection", "lanes"])
    b1 = seed.batch(org, "p1", "b1")
    s1, s2 = seed.scene(org, ws), seed.scene(org, other_ws)
    i1, i2 = seed.input(b1, s1, org=org), seed.input(b1, s2, org=org)
    old = seed.version(b1, i1, s1, "object-detection", org=org, current=False)
    cur = seed.version(b1, i1, s1, "object-detection", org=org, preliminary=True)
    lanes = seed.version(b1, i1, s1, "lanes", org=org)
    submitted = seed.version(b1, i1, s1, "object-detection", org=org, delivered=False)
    elsewhere = seed.version(b1, i2, s2, "object-detection", org=org)

    def by_id(scope: Scope, aid: str) -> str | None:
        row = read(seed, lambda uow: uow.deliveries.delivered(scope, aid))
        return None if row is None else row.id

    assert by_id(Scope(org), old) == old  # superseded, still delivered
    assert by_id(Scope(org), submitted) is None  # never shown before delivery
    assert by_id(Scope(org, ws), elsewhere) is None
    assert by_id(Scope(org, other_ws), elsewhere) == elsewhere
    stranger, _ = seed.org("globex")
    assert by_id(Scope(stranger), cur) is None

    row = read(seed, lambda uow: uow.deliveries.delivered(Scope(org), cur))
    assert row is not None and row.preliminary is True and row.current is True
    assert (row.input_id, row.scene_id, row.batch_id, row.annotation_type) == (
        i1,
        s1,
        b1.id,
        "object-detection",
    )

    current = read(seed, lambda uow: uow.deliveries.current_of_inputs([i1, i2]))
    assert sorted(r.id for r in current) == sorted([cur, lanes, elsewhere])

    of_scene = read(seed, lambda uow: uow.deliveries.current_of_scene(Scope(org), s1))
    assert [r.id for r in of_scene] == [cur, lanes]  # oldest delivery first
    typed = read(seed, lambda uow: uow.deliveries.current_of_scene(Scope(org), s1, "lanes"))
    assert [r.id for r in typed] == [lanes]
    assert read(seed, lambda uow: uow.deliveries.current_of_scene(Scope(org, other_ws), s1)) == []


def test_a_projects_annotations_of_a_type_are_paged_by_id(seed: Seed) -> None:
    org, ws = seed.org("acme")
    other_ws = seed.workspace(org, "second")
    p = seed.project(org, "p1", ["object-detection", "lanes"])
    b1, b2 = seed.batch(org, "p1", "b1"), seed.batch(org, "p1", "b2")
    made: dict[str, tuple[int, str]] = {}
    for i in range(7):
        batch = b1 if i < 4 else b2
        space = ws if i != 3 else other_ws
        s = seed.scene(org, space)
        inp = seed.input(batch, s, org=org)
        made[seed.version(batch, inp, s, "object-detection", org=org)] = (batch.id, space)
        seed.version(batch, inp, s, "lanes", org=org)
        seed.version(batch, inp, s, "object-detection", org=org, current=False)
        seed.version(batch, inp, s, "object-detection", org=org, delivered=False)
    ids = sorted(made)

    def page(
        scope: Scope, batch_id: int | None, after: str | None, limit: int, kind: str = "object-detection"
    ) -> list[str]:
        rows = read(seed, lambda uow: uow.deliveries.project_page(scope, p.id, kind, batch_id, after, limit))
        return [r.id for r in rows]

    assert page(Scope(org), None, None, 100) == ids
    assert page(Scope(org), None, None, 3) == ids[:3]
    assert page(Scope(org), None, ids[2], 3) == ids[3:6]
    assert page(Scope(org), None, ids[-1], 3) == []
    assert page(Scope(org), b1.id, None, 100) == [a for a in ids if made[a][0] == b1.id]
    assert page(Scope(org), b2.id, ids[0], 100) == [a for a in ids[1:] if made[a][0] == b2.id]
    assert page(Scope(org, other_ws), None, None, 100) == [a for a in ids if made[a][1] == other_ws]
    assert page(Scope(org, ws), None, None, 100) == [a for a in ids if made[a][1] == ws]
    assert len(page(Scope(org), None, None, 100, "lanes")) == 7
    assert page(Scope(org), None, None, 100, "no-such-type") == []
    stranger, _ = seed.org("globex")
    assert page(Scope(stranger), None, None, 100) == []


def test_reviews_are_found_in_the_scope_of_their_inputs_scene(seed: Seed) -> None:
    org, ws = seed.org("acme")
    other_ws = seed.workspace(org, "second")
    p = seed.project(org, "p1", ["object-detection"])
    b1 = seed.batch(org, "p1", "b1")
    s = seed.scene(org, ws)
    i = seed.input(b1, s, org=org)
    a = seed.version(b1, i, s, "object-detection", org=org)
    feedback = [{"errorTypeId": "missing-object", "description": "a car"}]
    rid = seed.review(
        i, org=org, project_id=p.id, annotation_id=a, accepted=False, feedback=feedback, workflow="correct"
    )

    found = read(seed, lambda uow: uow.deliveries.review(Scope(org, ws), rid))
    assert found is not None
    assert (found.input_id, found.annotation_id, found.accepted, found.workflow) == (i, a, False, "correct")
    assert "missing-object" in found.feedback
    assert read(seed, lambda uow: uow.deliveries.review(Scope(org, other_ws), rid)) is None
    stranger, _ = seed.org("globex")
    assert read(seed, lambda uow: uow.deliveries.review(Scope(stranger), rid)) is None


def test_the_error_type_catalogue_is_read_in_its_order(seed: Seed) -> None:
    # The migration seeds the catalogue; the PostgreSQL suite empties every table between tests,
    # so the test writes its own.
    async def catalogue() -> None:
        async with seed.db.transaction(write=True) as tx:
            await tx.execute(Query(sa.delete(tables.error_types)))
            rows = [
                ("zeta", "Zeta", True, False, 0),
                ("alpha", "Alpha", False, True, 1),
                ("mid", "Mid", True, True, 2),
            ]
            for i, n, pin, obj, pos in rows:
                values = {"id": i, "name": n, "pin_allowed": pin, "object_allowed": obj, "position": pos}
                await tx.execute(insert(tables.error_types), values)

    seed.run(catalogue())
    found = read(seed, lambda uow: uow.deliveries.error_types())
    assert [(e.id, e.name, e.pin_allowed, e.object_allowed) for e in found] == [
        ("zeta", "Zeta", True, False),
        ("alpha", "Alpha", False, True),
        ("mid", "Mid", True, True),
    ]


def test_an_organizations_projects_and_batches_by_id(seed: Seed) -> None:
    org, _ = seed.org("acme")
    other, _ = seed.org("globex")
    p = seed.project(org, "p1", ["object-detection"])
    q = seed.project(other, "p1", ["object-detection"])
    b1 = seed.batch(org, "p1", "b1")
    b2 = seed.batch(other, "p1", "b1")
    assert read(seed, lambda uow: uow.deliveries.project_ids(org)) == [p.id]
    assert read(seed, lambda uow: uow.deliveries.project_ids(other)) == [q.id]
    assert read(seed, lambda uow: uow.deliveries.batch_ids(org)) == [b1.id]
    assert read(seed, lambda uow: uow.deliveries.batch(org, b1.id)) == b1
    assert read(seed, lambda uow: uow.deliveries.batch(org, b2.id)) is None


def test_the_census_of_an_organizations_projects_and_batches(seed: Seed) -> None:
    org, _ = seed.org("acme")
    assert read(seed, lambda uow: uow.deliveries.project_census(org)) == (0, 0)
    assert read(seed, lambda uow: uow.deliveries.batch_census(org)) == (0, 0)
    p = seed.project(org, "p1", ["object-detection"])
    seed.batch(org, "p1", "b1")
    b2 = seed.batch(org, "p1", "b2")
    assert read(seed, lambda uow: uow.deliveries.project_census(org)) == (1, p.id)
    assert read(seed, lambda uow: uow.deliveries.batch_census(org)) == (2, b2.id)
