"""The life of an input through the work services: claimed, annotated, reviewed (rejected,
corrected, accepted), delivered and completed, with the batch following on its own."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest

from annobatch.domain import Conflict
from annobatch.storage.database import Database
from work_world import WorkWorld, openlabel

DOCS = {"od": openlabel("car"), "lanes": openlabel()}


@pytest.fixture
def w(db: Database, runner: asyncio.Runner, tmp_path: Path) -> WorkWorld:
    return WorkWorld(db, runner, tmp_path / "blobs")


def input_state(w: WorkWorld, input_id: str) -> tuple[str, int]:
    async def go() -> tuple[str, int]:
        async with w.db.transaction() as tx:
            from annobatch.storage.unit_of_work import UnitOfWork

            inp = await UnitOfWork(tx).inputs.get_any_org(input_id)
            assert inp is not None
            return inp.work_status, inp.phase

    return w.run(go())


def test_a_created_input_gets_its_annotate_task_and_an_open_batch_hands_out_nothing(w: WorkWorld) -> None:
    (iid,) = w.inputs(1)
    (task,) = w.tasks()
    assert (task.input_id, task.kind, task.status, task.phase, task.assignee) == (
        iid,
        "annotate",
        "todo",
        0,
        None,
    )
    ann = w.member()
    with pytest.raises(Conflict) as e:
        w.run(w.ops.work.claim(ann))
    assert e.value.code == "nothing-to-claim"
    assert input_state(w, iid) == ("not_started", 0)


def test_a_processing_input_gets_no_task_until_its_scene_is_created(w: WorkWorld) -> None:
    w.inputs(1, status="processing")
    assert w.tasks() == []


def test_the_whole_path_annotate_reject_correct_accept_deliver_complete(w: WorkWorld) -> None:
    (iid,) = w.inputs(1)
    w.publish()
    ann, rev = w.member("annotator"), w.member("reviewer")
    assert w.batch_status() == "ready"

    claimed = w.run(w.ops.work.claim(ann))
    assert (claimed.task.kind, claimed.task.status, claimed.task.holder) == (
        "annotate",
        "ongoing",
        ann.user_id,
    )
    assert (claimed.project, claimed.batch, claimed.annotation_types) == ("p1", "b1", ["od", "lanes"])
    assert claimed.workflow == ["annotate", "review"]
    assert w.batch_status() == "in-progress"
    assert input_state(w, iid) == ("in_progress", 0)

    w.run(w.ops.work.save_draft(ann, claimed.task.id, {"od": openlabel("car")}))
    assert w.run(w.ops.work.task(ann, claimed.task.id)).draft == {"od": openlabel("car")}
    versions = w.run(w.ops.work.submit(ann, claimed.task.id, DOCS))
    assert sorted(v.annotation_type for v in versions) == ["lanes", "od"]
    assert all(v.delivered is None and not v.current for v in versions)
    content = w.run(w.ops.work.annotation_content(versions[0].id))
    assert msgspec.json.decode(content) == DOCS[versions[0].annotation_type]

    review = w.run(w.ops.work.claim(rev))
    assert (review.task.kind, review.task.phase) == ("review", 1)
    assert set(review.versions) == {"od", "lanes"}
    rejected = w.run(
        w.ops.work.review(rev, review.task.id, False, [{"errorTypeId": "wrong-class", "objectId": "1"}])
    )
    assert not rejected.accepted
    assert json.loads(rejected.feedback)[0]["errorTypeName"] == "Wrong class"

    correct = w.run(w.ops.work.claim(ann))
    assert (correct.task.kind, correct.task.phase, correct.task.assignee) == ("correct", 1, ann.user_id)
    assert correct.review is not None and correct.review.id == rejected.id
    w.run(w.ops.work.submit(ann, correct.task.id, {"od": openlabel("car", "car"), "lanes": openlabel()}))

    again = w.run(w.ops.work.claim(rev))
    assert (again.task.kind, again.task.phase) == ("review", 1)
    w.run(w.ops.work.review(rev, again.task.id, True))

    assert input_state(w, iid)[0] == "completed"
    assert w.batch_status() == "completed"
    assert [t.status for t in w.tasks()] == ["done"] * 4
    system_moves = [json.loads(d)["to"] for k, a, d in w.events("batch.transitioned") if a == "system"]
    assert system_moves == ["in-progress", "completed"]
    kinds = [k for k, _, _ in w.events() if k.startswith(("task.", "annotation.", "input.completed"))]
    assert kinds.count("task.claimed") == 4
    assert "annotation.delivered" in kinds and "input.completed" in kinds


def test_delivery_makes_the_latest_version_of_each_type_current(w: WorkWorld) -> None:
    w.run(w.ops.workforce.set_project_workflow(w.staff, "p1", ["annotate"]))
    (iid,) = w.inputs(1)
    w.publish()
    ann = w.member()
    t = w.run(w.ops.work.claim(ann))
    versions = w.run(w.ops.work.submit(ann, t.task.id, DOCS))
    detail = w.run(w.ops.work.task(w.staff, t.task.id))
    assert {v.id for v in detail.versions.values()} == {v.id for v in versions}
    assert all(v.current and v.delivered is not None and not v.preliminary for v in detail.versions.values())
    assert input_state(w, iid)[0] == "completed"
    assert w.batch_status() == "completed"


def test_a_batch_completes_only_when_its_last_counting_input_completes(w: WorkWorld) -> None:
    w.run(w.ops.workforce.set_project_workflow(w.staff, "p1", ["annotate"]))
    w.inputs(2)
    w.inputs(1, status="failed")
    w.publish()
    ann = w.member()
    first = w.run(w.ops.work.claim(ann))
    w.run(w.ops.work.submit(ann, first.task.id, DOCS))
    assert w.batch_status() == "in-progress"
    second = w.run(w.ops.work.claim(ann))
    w.run(w.ops.work.submit(ann, second.task.id, DOCS))
    assert w.batch_status() == "completed"


def test_own_assignments_come_first_then_the_oldest_input(w: WorkWorld) -> None:
    ids = w.inputs(3)
    w.publish()
    ann, other = w.member(), w.member()
    tasks = {t.input_id: t for t in w.tasks()}
    w.run(w.ops.work.assign(w.staff, tasks[ids[2]].id, ann.user_id))
    w.run(w.ops.work.assign(w.staff, tasks[ids[0]].id, other.user_id))
    assert w.run(w.ops.work.claim(ann)).input.id == ids[2]
    assert w.run(w.ops.work.claim(ann)).input.id == ids[1]
    with pytest.raises(Conflict):
        w.run(w.ops.work.claim(ann))  # the last one is someone else's
    assert w.run(w.ops.work.claim(other)).input.id == ids[0]


def test_giving_up_returns_the_task_to_todo_for_anyone(w: WorkWorld) -> None:
    w.inputs(1)
    w.publish()
    a, b = w.member(), w.member()
    t = w.run(w.ops.work.claim(a))
    w.run(w.ops.work.save_draft(a, t.task.id, {"od": openlabel("car")}))
    given = w.run(w.ops.work.give_up(a, t.task.id))
    assert (given.status, given.holder) == ("todo", None)
    again = w.run(w.ops.work.claim(b))
    assert again.task.id == t.task.id
    assert again.draft == {"od": openlabel("car")}


def test_an_expired_lease_returns_the_task_to_todo_and_a_save_renews_it(w: WorkWorld) -> None:
    w.inputs(2)
    w.publish()
    a = w.member()
    t1 = w.run(w.ops.work.claim(a))
    t2 = w.run(w.ops.work.claim(a))
    w.run(w.ops.work.save_draft(a, t2.task.id, {}))
    saved = w.run(w.ops.work.task(a, t2.task.id)).task.touched
    assert saved is not None
    # Past t1's lease but within t2's, renewed by its save.
    assert t1.task.touched is not None
    now = t1.task.touched + 3600 * 1_000_000 + 1
    assert saved > t1.task.touched
    expired = w.run(w.ops.work.expire_leases(now=now))
    assert expired == 1
    statuses = {t.id: t.status for t in w.tasks()}
    assert statuses == {t1.task.id: "todo", t2.task.id: "ongoing"}
    assert [a for k, a, _ in w.events("task.lease-expired")] == ["system"]


def test_integration_review_delivers_preliminary_and_the_clients_acceptance_completes(w: WorkWorld) -> None:
    w.run(w.ops.workforce.set_project_workflow(w.staff, "p1", ["annotate", "integration-review"]))
    (iid,) = w.inputs(1)
    w.publish()
    ann, client = w.member(), w.client()
    t = w.run(w.ops.work.claim(ann))
    versions = w.run(w.ops.work.submit(ann, t.task.id, DOCS))
    assert input_state(w, iid) == ("in_progress", 1)
    assert w.batch_status() == "in-progress"
    detail = w.run(w.ops.work.task(w.staff, t.task.id))
    assert all(v.preliminary and v.current for v in detail.versions.values())
    w.run(w.ops.work.client_review(client, versions[0].id, True))
    assert input_state(w, iid)[0] == "completed"
    assert w.batch_status() == "completed"
    detail = w.run(w.ops.work.task(w.staff, t.task.id))
    assert not any(v.preliminary for v in detail.versions.values())


def test_a_clients_rejection_reopens_the_input_and_the_completed_batch(w: WorkWorld) -> None:
    w.run(w.ops.workforce.set_project_workflow(w.staff, "p1", ["annotate", "review"]))
    (iid,) = w.inputs(1)
    w.publish()
    ann, rev, client = w.member(), w.member("reviewer"), w.client()
    t = w.run(w.ops.work.claim(ann))
    w.run(w.ops.work.submit(ann, t.task.id, DOCS))
    r = w.run(w.ops.work.claim(rev))
    w.run(w.ops.work.review(rev, r.task.id, True))
    assert w.batch_status() == "completed"
    current = w.run(w.ops.work.task(w.staff, t.task.id)).versions["od"]
    review = w.run(
        w.ops.work.client_review(
            client, current.id, False, [{"errorTypeId": "missing-object"}], "correct-review-loop"
        )
    )
    assert (review.workflow, review.annotation_id) == ("correct-review-loop", current.id)
    assert w.batch_status() == "in-progress"
    assert input_state(w, iid) == ("in_progress", 1)
    fix = w.run(w.ops.work.claim(ann))
    assert (fix.task.kind, fix.task.phase, fix.review and fix.review.id) == ("correct", 1, review.id)
    w.run(w.ops.work.submit(ann, fix.task.id, DOCS))
    r2 = w.run(w.ops.work.claim(rev))
    w.run(w.ops.work.review(rev, r2.task.id, True))
    assert w.batch_status() == "completed"
    now_current = w.run(w.ops.work.task(w.staff, t.task.id)).versions["od"]
    assert now_current.id != current.id and now_current.current
    with pytest.raises(Conflict) as e:
        w.run(w.ops.work.client_review(client, current.id, True))
    assert e.value.code == "annotation-not-current"
    assert now_current.id in e.value.message


def test_the_sweep_expires_task_leases(w: WorkWorld) -> None:
    from annobatch.domain import SweepPolicy

    w.inputs(1)
    w.publish()
    t = w.run(w.ops.work.claim(w.member()))
    assert t.task.touched is not None
    sweeper = type(w.ops.housekeeping)(w.db, w.store, task_lease_seconds=0)
    report = w.run(sweeper.sweep(SweepPolicy(stale_scene_after_seconds=0)))
    assert report is not None and report.expired_tasks == 1
    assert [x.status for x in w.tasks()] == ["todo"]


def test_the_sweep_keeps_annotation_blobs_that_versions_refer_to(w: WorkWorld) -> None:
    import os
    import time

    from annobatch.domain import SweepPolicy

    w.inputs(1)
    w.publish()
    ann = w.member()
    t = w.run(w.ops.work.claim(ann))
    w.run(w.ops.work.submit(ann, t.task.id, DOCS))
    stray = w.run(w.store.put("annotations/nobody/stray.json", _one(b"{}")))
    old = time.time() - 3 * 24 * 3600
    for key in w.store.keys("annotations/"):
        os.utime(w.store.path(key), (old, old))
    report = w.run(w.ops.housekeeping.sweep(SweepPolicy(stale_scene_after_seconds=0)))
    assert report is not None and report.orphans == [stray.key]
    assert len(w.store.keys("annotations/")) == 2


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data
