"""The work's mutations honour X-Dryrun and Idempotency-Key like every other: a dry run changes
nothing (not even a blob), a repeated key answers the first result without doing it again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from annobatch.domain import Conflict
from annobatch.services.transactions import Write
from annobatch.storage.database import Database
from work_world import WorkWorld, openlabel

DOCS = {"od": openlabel("car"), "lanes": openlabel()}


@pytest.fixture
def w(db: Database, runner: asyncio.Runner, tmp_path: Path) -> WorkWorld:
    world = WorkWorld(db, runner, tmp_path / "blobs")
    world.inputs(2)
    world.publish()
    return world


def test_a_dry_run_claim_and_submit_change_nothing(w: WorkWorld) -> None:
    ann = w.member()
    events = len(w.events())
    dry = w.run(w.ops.work.claim(ann, write=Write(dry_run=True)))
    assert dry.task.status == "ongoing"
    assert {t.status for t in w.tasks()} == {"todo"} and w.batch_status() == "ready"
    assert len(w.events()) == events
    t = w.run(w.ops.work.claim(ann))
    versions = w.run(w.ops.work.submit(ann, t.task.id, DOCS, write=Write(dry_run=True)))
    assert len(versions) == 2
    assert w.store.keys("annotations/") == []
    assert next(x for x in w.tasks() if x.id == t.task.id).status == "ongoing"


def test_a_repeated_idempotency_key_answers_the_first_result(w: WorkWorld) -> None:
    ann = w.member()
    first = w.run(w.ops.work.claim(ann, write=Write(idempotency_key="claim-1")))
    again = w.run(w.ops.work.claim(ann, write=Write(idempotency_key="claim-1")))
    assert again.task.id == first.task.id
    assert len(w.events("task.claimed")) == 1
    key = Write(idempotency_key="submit-1")
    v1 = w.run(w.ops.work.submit(ann, first.task.id, DOCS, write=key))
    v2 = w.run(w.ops.work.submit(ann, first.task.id, DOCS, write=key))
    assert [v.id for v in v1] == [v.id for v in v2]
    assert len(w.store.keys("annotations/")) == 2
    with pytest.raises(Conflict) as e:
        w.run(w.ops.work.submit(ann, first.task.id, {"od": openlabel(), "lanes": openlabel()}, write=key))
    assert e.value.code == "idempotency-key-reused"
    assert len(w.store.keys("annotations/")) == 2
