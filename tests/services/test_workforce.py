"""The workforce: members, project memberships, workflows, taxonomies and error types."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from annobatch.domain import Conflict, Forbidden, InvalidInput, NotFound
from annobatch.storage.database import Database
from work_world import WorkWorld


@pytest.fixture
def w(db: Database, runner: asyncio.Runner, tmp_path: Path) -> WorkWorld:
    return WorkWorld(db, runner, tmp_path / "blobs")


def test_a_workforce_member_is_a_credential_with_a_role_and_a_user_id_of_its_own(w: WorkWorld) -> None:
    a = w.run(w.ops.workforce.create_member(w.org, "annotator", "Ann"))
    r = w.run(w.ops.workforce.create_member(w.org, "reviewer", "Rev"))
    assert (a.record.role, a.record.email) == ("annotator", "Ann")
    assert a.record.user_id != r.record.user_id
    assert [m.client_id for m in w.run(w.ops.workforce.list_members(w.org))] == [
        a.record.client_id,
        r.record.client_id,
    ]
    with pytest.raises(InvalidInput, match="unknown workforce role"):
        w.run(w.ops.workforce.create_member(w.org, "client", "X"))


def test_staff_add_and_remove_members_of_a_project_with_events(w: WorkWorld) -> None:
    ann = w.member(project=None)
    assert w.run(w.ops.workforce.add_to_project(w.staff, "p1", ann.user_id)) is True
    assert w.run(w.ops.workforce.add_to_project(w.staff, "p1", ann.user_id)) is False
    assert [m.user_id for m in w.run(w.ops.workforce.project_members(w.staff, "p1"))] == [ann.user_id]
    assert w.run(w.ops.workforce.remove_from_project(w.staff, "p1", ann.user_id)) is True
    assert w.run(w.ops.workforce.remove_from_project(w.staff, "p1", ann.user_id)) is False
    assert w.run(w.ops.workforce.project_members(w.staff, "p1")) == []
    kinds = [k for k, _, _ in w.events() if k.startswith("project.member")]
    assert kinds == ["project.member-added", "project.member-removed"]


def test_only_workforce_credentials_of_the_organization_become_members(w: WorkWorld) -> None:
    client = w.client()
    with pytest.raises(InvalidInput, match="not a workforce member"):
        w.run(w.ops.workforce.add_to_project(w.staff, "p1", client.user_id))
    with pytest.raises(NotFound):
        w.run(w.ops.workforce.add_to_project(w.staff, "p1", 123))
    other_org = w.run(w.ops.accounts.create_organization("other"))[0].id
    foreign = w.run(w.ops.workforce.create_member(other_org, "annotator", "F")).record
    with pytest.raises(NotFound):
        w.run(w.ops.workforce.add_to_project(w.staff, "p1", foreign.user_id))


def test_only_staff_manage_the_workforce(w: WorkWorld) -> None:
    client = w.client()
    with pytest.raises(Forbidden):
        w.run(w.ops.workforce.add_to_project(client, "p1", 1))
    with pytest.raises(Forbidden):
        w.run(w.ops.workforce.set_project_workflow(client, "p1", ["annotate"]))
    ann = w.member()
    with pytest.raises(Forbidden):
        w.run(w.ops.workforce.project_members(ann, "p1"))
    assert [m.user_id for m in w.run(w.ops.workforce.project_members(client, "p1"))] == [ann.user_id]


def test_workflows_are_checked_and_set_on_projects_and_batches(w: WorkWorld) -> None:
    assert w.run(w.ops.workforce.set_project_workflow(w.staff, "p1", ["annotate"])) == "annotate"
    with pytest.raises(InvalidInput, match="starts with the annotate phase"):
        w.run(w.ops.workforce.set_project_workflow(w.staff, "p1", ["review"]))
    text = w.run(w.ops.workforce.set_batch_workflow(w.staff, "p1", "b1", ["annotate", "integration-review"]))
    assert text == "annotate,integration-review"
    assert w.run(w.ops.workforce.set_batch_workflow(w.staff, "p1", "b1", None)) is None
    kinds = [k for k, _, _ in w.events() if k.endswith("workflow-set")]
    assert kinds == ["project.workflow-set", "batch.workflow-set", "batch.workflow-set"]


def test_a_batch_workflow_cannot_change_once_work_has_started(w: WorkWorld) -> None:
    w.inputs(1)
    w.publish()
    ann = w.member()
    w.run(w.ops.work.claim(ann))
    with pytest.raises(Conflict) as e:
        w.run(w.ops.workforce.set_batch_workflow(w.staff, "p1", "b1", ["annotate"]))
    assert e.value.code == "work-started"


def test_classes_are_set_per_type_and_cleared_with_an_empty_list(w: WorkWorld) -> None:
    assert w.run(w.ops.workforce.set_classes(w.staff, "p1", "od", ["car", "pedestrian", "car"])) == [
        "car",
        "pedestrian",
    ]
    assert w.run(w.ops.workforce.classes(w.staff, "p1")) == {"od": ["car", "pedestrian"]}
    w.run(w.ops.workforce.set_classes(w.staff, "p1", "od", []))
    assert w.run(w.ops.workforce.classes(w.staff, "p1")) == {}


def test_the_error_type_catalogue_is_seeded_and_staff_edit_it(w: WorkWorld) -> None:
    ids = [e.id for e in w.run(w.ops.workforce.error_types())]
    assert ids[:3] == ["missing-object", "extra-object", "wrong-class"]
    added = w.run(w.ops.workforce.put_error_type(w.staff, "blurry", "Blurry", True, False))
    assert (added.id, added.pin_allowed, added.object_allowed, added.position) == (
        "blurry",
        True,
        False,
        len(ids),
    )
    changed = w.run(w.ops.workforce.put_error_type(w.staff, "other", "Something else", False, False))
    assert (changed.name, changed.position) == ("Something else", ids.index("other"))
    with pytest.raises(Forbidden):
        w.run(w.ops.workforce.put_error_type(w.client(), "x", "X", True, True))


def test_a_workforce_member_sees_only_the_scenes_and_projects_it_works_on(w: WorkWorld) -> None:
    w.inputs(1)
    (task,) = w.tasks()
    scene_id = w.run(w.ops.work.task(w.staff, task.id)).scene.id
    member, outsider = w.member(), w.member(project=None)
    assert w.run(w.ops.workforce.may_see_scene(member, scene_id)) is True
    assert w.run(w.ops.workforce.may_see_scene(outsider, scene_id)) is False
    assert w.run(w.ops.workforce.may_see_scene(w.client(), scene_id)) is True
    assert [p.external_id for p in w.run(w.ops.workforce.member_projects(member))] == ["p1"]
    assert w.run(w.ops.workforce.member_projects(outsider)) == []
