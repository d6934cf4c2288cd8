"""`GET /v2/requests`: a project's requests (one per batch) by the project's uuid or external id,
with their inputs counted by work status when asked."""

from __future__ import annotations

from work_testing import Work, work

from annobatch.services.deliveries import project_uuid, request_uid

__all__ = ["work"]  # the fixture


def test_a_projects_requests_are_its_batches_named_by_their_request_uids(work: Work) -> None:
    second = work.seed.batch(work.org, "p1", "b2")
    puid = project_uuid(work.project.id)
    body = work.ok(f"/v2/requests?projectId={puid}")
    assert "metadata" not in body
    assert [(r["id"], r["projectId"], r["title"]) for r in body["data"]] == [
        (request_uid(work.batch.id), puid, "First batch"),
        (request_uid(second.id), puid, "b2"),
    ]
    assert all("inputProgressCounts" not in r for r in body["data"])
    assert work.ok("/v2/requests?projectId=p1") == body


def test_progress_counts_count_the_inputs_that_take_part_by_work_status(work: Work) -> None:
    work.created_input("a")
    work.created_input("b", work_status="in_progress")
    work.created_input("c", work_status="completed")
    work.created_input("d", status="invalidated:duplicate")
    (r,) = work.ok("/v2/requests?projectId=p1&includeInputProgressCounts=true")["data"]
    assert r["inputProgressCounts"] == {"notStarted": 1, "inProgress": 1, "completed": 1, "total": 3}
    (r,) = work.ok("/v2/requests?projectId=p1&includeInputProgressCounts=false")["data"]
    assert "inputProgressCounts" not in r


def test_another_organizations_project_is_not_found(work: Work) -> None:
    r = work.get(f"/v2/requests?projectId={project_uuid(work.project.id)}", work.stranger)
    assert (r.status_code, r.json()["code"]) == (404, "project-not-found")


def test_bad_input_is_4xx_naming_the_rule(work: Work) -> None:
    r = work.get("/v2/requests")
    assert r.status_code == 400 and "projectId" in r.json()["message"]
    r = work.get("/v2/requests?projectId=p1&includeInputProgressCounts=maybe")
    assert r.status_code == 400 and "true or false" in r.json()["message"]
    assert work.get("/v2/requests?projectId=nope").status_code == 404
