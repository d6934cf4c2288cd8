"""Bad input to the work services: each a clear 4xx naming the rule, and nothing changed. And
tenancy: another organization's tasks are not found, the workforce sees only its projects."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from annobatch.domain import Conflict, Forbidden, InvalidInput, NotFound
from annobatch.storage.database import Database
from work_world import WorkWorld, openlabel

DOCS = {"od": openlabel("car"), "lanes": openlabel()}


@pytest.fixture
def w(db: Database, runner: asyncio.Runner, tmp_path: Path) -> WorkWorld:
    world = WorkWorld(db, runner, tmp_path / "blobs")
    world.inputs(1)
    world.publish()
    return world


def snapshot(w: WorkWorld) -> tuple[object, ...]:
    tasks = [(t.id, t.status, t.holder, t.assignee, t.draft) for t in w.tasks()]
    return tuple(tasks), len(w.events()), tuple(sorted(w.store.keys("")))


@pytest.mark.parametrize(
    ("documents", "code", "words"),
    [
        (
            {"od": {"openlabel": {}}, "lanes": openlabel()},
            "invalid-openlabel",
            "annotation od is not valid OpenLABEL",
        ),
        (
            {"od": openlabel(), "lanes": openlabel(), "x": openlabel()},
            "annotation-type-not-in-batch",
            "type x",
        ),
        ({"od": openlabel()}, "annotation-type-missing", "lanes missing"),
        (
            {"od": openlabel("tree"), "lanes": openlabel()},
            "class-not-in-taxonomy",
            "object 1 has class 'tree'",
        ),
    ],
)
def test_a_bad_submission_is_refused_naming_the_rule_and_changes_nothing(
    w: WorkWorld, documents: dict[str, object], code: str, words: str
) -> None:
    w.run(w.ops.workforce.set_classes(w.staff, "p1", "od", ["car"]))
    ann = w.member()
    t = w.run(w.ops.work.claim(ann))
    before = snapshot(w)
    with pytest.raises(InvalidInput) as e:
        w.run(w.ops.work.submit(ann, t.task.id, documents))
    assert e.value.code == code
    assert words in e.value.message
    assert snapshot(w) == before


def test_only_the_holder_or_staff_save_submit_or_give_up(w: WorkWorld) -> None:
    a, b = w.member(), w.member()
    t = w.run(w.ops.work.claim(a))
    before = snapshot(w)
    for call in (
        w.ops.work.submit(b, t.task.id, DOCS),
        w.ops.work.save_draft(b, t.task.id, {}),
        w.ops.work.give_up(b, t.task.id),
    ):
        with pytest.raises(Forbidden) as e:
            w.run(call)
        assert e.value.code == "task-not-held"
    assert snapshot(w) == before
    w.run(w.ops.work.give_up(w.staff, t.task.id))


def test_a_task_that_is_not_ongoing_is_not_submitted(w: WorkWorld) -> None:
    a = w.member()
    (task,) = w.tasks()
    with pytest.raises(Conflict) as e:
        w.run(w.ops.work.submit(a, task.id, DOCS))
    assert e.value.code == "task-not-ongoing"


def test_review_and_submit_are_for_their_own_kinds_of_task(w: WorkWorld) -> None:
    a, r = w.member(), w.member("reviewer")
    t = w.run(w.ops.work.claim(a))
    with pytest.raises(Conflict, match="submit its annotations"):
        w.run(w.ops.work.review(a, t.task.id, True))
    w.run(w.ops.work.submit(a, t.task.id, DOCS))
    rt = w.run(w.ops.work.claim(r))
    with pytest.raises(Conflict, match="review it"):
        w.run(w.ops.work.submit(r, rt.task.id, DOCS))
    with pytest.raises(InvalidInput, match="at least one feedback item"):
        w.run(w.ops.work.review(r, rt.task.id, False, []))
    with pytest.raises(InvalidInput, match="unknown errorTypeId"):
        w.run(w.ops.work.review(r, rt.task.id, False, [{"errorTypeId": "nope"}]))


def test_assignments_only_to_members_only_of_todo_tasks(w: WorkWorld) -> None:
    a = w.member()
    outsider = w.member(project=None)
    client = w.client()
    (task,) = w.tasks()
    with pytest.raises(InvalidInput) as e:
        w.run(w.ops.work.assign(client, task.id, outsider.user_id))
    assert e.value.code == "not-a-member"
    assigned = w.run(w.ops.work.assign(client, task.id, a.user_id))
    assert assigned.assignee == a.user_id
    events = len(w.events())
    w.run(w.ops.work.assign(client, task.id, a.user_id))  # the same assignee: nothing changes
    assert len(w.events()) == events
    w.run(w.ops.work.claim(a))
    with pytest.raises(InvalidInput) as e:
        w.run(w.ops.work.assign(client, task.id, None))
    assert e.value.code == "task-not-todo"
    with pytest.raises(Forbidden):
        w.run(w.ops.work.assign(a, task.id, a.user_id))


def test_another_organizations_task_is_not_found_and_the_workforce_sees_only_its_projects(
    w: WorkWorld,
) -> None:
    (task,) = w.tasks()
    other_org = w.run(w.ops.accounts.create_organization("other"))[0].id
    from annobatch.services.identity import operator

    stranger = operator(other_org)
    with pytest.raises(NotFound):
        w.run(w.ops.work.task(stranger, task.id))
    with pytest.raises(NotFound):
        w.run(w.ops.work.assign(stranger, task.id, None))
    assert w.run(w.ops.work.list_tasks(stranger)) == []
    outsider = w.member(project=None)
    with pytest.raises(NotFound):
        w.run(w.ops.work.task(outsider, task.id))
    assert w.run(w.ops.work.list_tasks(outsider)) == []
    with pytest.raises(Conflict):
        w.run(w.ops.work.claim(outsider))
    with pytest.raises(NotFound):
        w.run(w.ops.work.claim(outsider, project="p1"))
    member = w.member()
    assert [t.id for t in w.run(w.ops.work.list_tasks(member))] == [task.id]


def test_a_client_does_not_claim_and_a_reviewer_does_not_annotate(w: WorkWorld) -> None:
    with pytest.raises(Forbidden):
        w.run(w.ops.work.claim(w.client()))
    with pytest.raises(InvalidInput):
        w.run(w.ops.work.claim(w.member("reviewer"), kind="annotate"))
    with pytest.raises(Conflict) as e:
        w.run(w.ops.work.claim(w.member("reviewer")))
    assert e.value.code == "nothing-to-claim"


def test_listing_filters_are_checked(w: WorkWorld) -> None:
    with pytest.raises(InvalidInput, match="unknown task status"):
        w.run(w.ops.work.list_tasks(w.staff, status="busy"))
    with pytest.raises(InvalidInput, match="name the project"):
        w.run(w.ops.work.list_tasks(w.staff, batch="b1"))
    with pytest.raises(NotFound):
        w.run(w.ops.work.list_tasks(w.staff, project="p1", batch="nope"))
    assert (
        len(w.run(w.ops.work.list_tasks(w.staff, project="p1", batch="b1", status="todo", kind="annotate")))
        == 1
    )


def test_a_credential_bound_to_a_workspace_sees_only_the_tasks_of_its_scenes(w: WorkWorld) -> None:
    from annobatch.domain import Role
    from annobatch.services.identity import Caller

    (task,) = w.tasks()
    other = w.run(w.ops.accounts.create_workspace(w.org, "elsewhere"))
    cred = w.run(w.ops.accounts.create_credential(w.org, workspace=other.id, staff=False)).record
    bound = Caller(cred.client_id, w.org, w.org, Role.CLIENT, other.id, cred.email, cred.user_id)
    with pytest.raises(NotFound):
        w.run(w.ops.work.task(bound, task.id))
    assert w.run(w.ops.work.list_tasks(bound)) == []
    assert [t.id for t in w.run(w.ops.work.list_tasks(w.client()))] == [task.id]


def test_an_internal_rejection_names_only_what_the_submission_has(w: WorkWorld) -> None:
    a, r = w.member(), w.member("reviewer")
    t = w.run(w.ops.work.claim(a))
    w.run(w.ops.work.submit(a, t.task.id, {"od": openlabel("car"), "lanes": openlabel()}))
    rt = w.run(w.ops.work.claim(r))
    before = snapshot(w)
    with pytest.raises(InvalidInput) as e:
        w.run(w.ops.work.review(r, rt.task.id, False, [{"errorTypeId": "wrong-class", "objectId": "7"}]))
    assert "object '7' is not in annotation" in e.value.message
    assert f"of input {rt.task.input_id}" in e.value.message
    assert snapshot(w) == before
    rejected = w.run(
        w.ops.work.review(r, rt.task.id, False, [{"errorTypeId": "wrong-class", "objectId": "1"}])
    )
    assert not rejected.accepted
