"""`PATCH /v1/tasks/<task>`: a client assigns a todo task to a member of the project's workforce,
or unassigns it; anything else is refused naming the rule, and nothing changes."""

from __future__ import annotations

from crew_testing import Crew, api, crew

from conftest import bearer

__all__ = ["api", "crew"]  # the fixtures


def current_task(crew: Crew, scene: str) -> dict[str, object]:
    (inp,) = [i for i in crew.api.query() if i["sceneUuid"] == scene]
    details = crew.request_input(inp["uuid"])["progressDetails"]
    return dict(details.get("currentTask") or {})


def assign(crew: Crew, task: object, user: object, headers: dict[str, str] | None = None) -> object:
    return crew.client.patch(
        f"/v1/tasks/{task}", json={"assignedUserId": user}, headers=headers or crew.api.headers
    )


def test_a_client_assigns_and_unassigns_a_todo_task(crew: Crew) -> None:
    task = current_task(crew, crew.scenes[1])["taskId"]
    r = assign(crew, task, crew.annotator_id)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["assignee"] == crew.annotator_id
    assert current_task(crew, crew.scenes[1])["assignedUserId"] == crew.annotator_id
    assert assign(crew, task, crew.annotator_id).status_code == 200  # the same again changes nothing
    # the assignee claims it first, though the other input is older
    crew.publish()
    assert crew.claim(crew.annotator)["task"]["id"] == task
    r = assign(crew, task, None)
    assert (r.status_code, r.json()["code"]) == (400, "task-not-todo")


def test_unassigning_clears_the_assignee(crew: Crew) -> None:
    task = current_task(crew, crew.scenes[0])["taskId"]
    assign(crew, task, crew.reviewer_id)
    r = assign(crew, task, None)
    assert r.status_code == 200 and r.json()["data"]["assignee"] is None
    assert "assignedUserId" not in current_task(crew, crew.scenes[0])


def test_only_members_of_the_projects_workforce_may_be_assigned(crew: Crew) -> None:
    task = current_task(crew, crew.scenes[0])["taskId"]
    cred, _ = crew.member("annotator", project=None)
    for user in (cred.record.user_id, 999_999):
        r = assign(crew, task, user)
        assert (r.status_code, r.json()["code"]) == (400, "not-a-member"), r.text
    assert "assignedUserId" not in current_task(crew, crew.scenes[0])


def test_another_organizations_client_and_the_workforce_find_no_task(crew: Crew) -> None:
    task = current_task(crew, crew.scenes[0])["taskId"]
    stranger = bearer(crew.client, crew.world.credential(crew.world.org("globex")))
    r = assign(crew, task, crew.annotator_id, stranger)
    assert (r.status_code, r.json()["code"]) == (404, "task-not-found")
    r = assign(crew, task, crew.annotator_id, crew.annotator)
    assert r.status_code == 404
    assert "assignedUserId" not in current_task(crew, crew.scenes[0])


def test_bad_input_is_400_naming_the_rule(crew: Crew) -> None:
    task = current_task(crew, crew.scenes[0])["taskId"]
    for body in ({}, {"assignedUserId": "me"}, {"assignedUserId": 2**64}):
        r = crew.client.patch(f"/v1/tasks/{task}", json=body, headers=crew.api.headers)
        assert r.status_code == 400 and "assignedUserId" in r.json()["message"], (body, r.text)
    r = crew.client.patch("/v1/tasks/nope", json={"assignedUserId": None}, headers=crew.api.headers)
    assert r.status_code == 400 and "nope" in r.json()["message"]


def test_a_dry_run_assignment_answers_what_would_happen_and_changes_nothing(crew: Crew) -> None:
    task = current_task(crew, crew.scenes[0])["taskId"]
    dry = {**crew.api.headers, "X-Dryrun": ""}
    r = crew.client.patch(f"/v1/tasks/{task}", json={"assignedUserId": crew.annotator_id}, headers=dry)
    assert r.status_code == 200 and r.json()["data"]["assignee"] == crew.annotator_id
    assert "assignedUserId" not in current_task(crew, crew.scenes[0])


def test_a_client_bound_to_another_workspace_finds_no_task(crew: Crew) -> None:
    task = current_task(crew, crew.scenes[0])["taskId"]
    crew.world.run(crew.world.ops.accounts.create_workspace(crew.api.org, "lidar"))
    lidar = bearer(crew.client, crew.world.credential(crew.api.org, workspace="lidar"))
    r = assign(crew, task, crew.annotator_id, lidar)
    assert (r.status_code, r.json()["code"]) == (404, "task-not-found")
    assert "assignedUserId" not in current_task(crew, crew.scenes[0])
