"""Our extensions: Idempotency-Key, X-Dryrun and the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import World, bearer


@pytest.fixture
def h(app_client: TestClient[Any], world: World) -> dict[str, str]:
    org = world.org("acme")
    world.project(org, "p1", ["object-detection"])
    return bearer(app_client, world.credential(org))


@pytest.fixture
def staff(app_client: TestClient[Any], world: World, h: dict[str, str]) -> dict[str, str]:
    org = world.run(world.ops.accounts.find_organization("acme")).id
    return bearer(app_client, world.credential(org, staff=True))


def _batches(c: TestClient[Any], h: dict[str, str]) -> list[str]:
    return [b["batch"] for b in c.get("/v1/projects/p1/batches", headers=h).json()["data"]]


def test_a_retried_create_with_the_same_key_answers_the_first_result(app_client, h) -> None:
    hk = {**h, "Idempotency-Key": "k-1"}
    first = app_client.post("/v1/projects/p1/batches/b1", json={"publishPreviousBatches": False}, headers=hk)
    again = app_client.post("/v1/projects/p1/batches/b1", json={"publishPreviousBatches": False}, headers=hk)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert _batches(app_client, h) == ["b1"]


def test_the_same_key_for_a_different_request_is_a_conflict(app_client, h) -> None:
    hk = {**h, "Idempotency-Key": "k-1"}
    app_client.post("/v1/projects/p1/batches/b1", json={}, headers=hk)
    r = app_client.post("/v1/projects/p1/batches/b2", json={}, headers=hk)
    assert r.status_code == 409 and r.json()["code"] == "idempotency-key-reused"
    assert _batches(app_client, h) == ["b1"]


def test_keys_belong_to_one_organization(app_client, world: World, h) -> None:
    other = world.org("globex")
    world.project(other, "p1", ["x"])
    ho = bearer(app_client, world.credential(other))
    app_client.post("/v1/projects/p1/batches/b1", json={}, headers={**h, "Idempotency-Key": "shared"})
    r = app_client.post("/v1/projects/p1/batches/b9", json={}, headers={**ho, "Idempotency-Key": "shared"})
    assert r.status_code == 200 and r.json()["data"]["batch"] == "b9"


def test_a_failed_create_is_not_remembered_under_its_key(app_client, h) -> None:
    hk = {**h, "Idempotency-Key": "k-2"}
    app_client.post("/v1/projects/p1/batches/b1", json={}, headers=h)
    assert app_client.post("/v1/projects/p1/batches/b1", json={}, headers=hk).status_code == 409
    assert app_client.post("/v1/projects/p1/batches/b1", json={}, headers=hk).status_code == 409


def test_a_dry_run_create_answers_what_would_happen_and_writes_nothing(app_client, h) -> None:
    app_client.post("/v1/projects/p1/batches/b1", json={}, headers=h)
    r = app_client.post(
        "/v1/projects/p1/batches/b2", json={"publishPreviousBatches": True}, headers={**h, "X-Dryrun": ""}
    )
    assert r.status_code == 200 and r.json()["data"]["status"] == "open"
    statuses = {
        b["batch"]: b["status"] for b in app_client.get("/v1/projects/p1/batches", headers=h).json()["data"]
    }
    assert statuses == {"b1": "open"}
    assert [e["kind"] for e in app_client.get("/v1/projects/p1/events", headers=h).json()["data"]] == [
        "project.created",
        "batch.created",
    ]


def test_a_dry_run_still_reports_what_would_fail(app_client, h) -> None:
    app_client.post("/v1/projects/p1/batches/b1", json={}, headers=h)
    r = app_client.post("/v1/projects/p1/batches/b1", json={}, headers={**h, "X-Dryrun": "true"})
    assert r.status_code == 409


def test_a_dry_run_publish_leaves_the_batch_open(app_client, h) -> None:
    app_client.post("/v1/projects/p1/batches/b1", json={}, headers=h)
    r = app_client.post("/v1/projects/p1/batches/b1/publish", headers={**h, "X-Dryrun": ""})
    assert r.json()["data"]["status"] == "ready"
    assert app_client.get("/v1/projects/p1/batches/b1", headers=h).json()["data"]["status"] == "open"


def test_every_transition_is_in_the_audit_log(app_client, h, staff) -> None:
    app_client.post("/v1/projects/p1/batches/b1", json={}, headers=h)
    app_client.post("/v1/projects/p1/batches/b1/publish", headers=h)
    app_client.post("/v1/projects/p1/batches/b1/actions/start", headers=staff)
    events = app_client.get("/v1/projects/p1/batches/b1/events", headers=h).json()
    moves = [
        (e["data"]["from"], e["data"]["to"]) for e in events["data"] if e["kind"] == "batch.transitioned"
    ]
    assert moves == [("open", "ready"), ("ready", "in-progress")]
    assert all(e["batch"] == "b1" and e["actor"] and e["created"] for e in events["data"])
    assert events["metadata"] == {"nextCursorId": None}


def test_the_audit_log_pages_with_a_cursor(app_client, h) -> None:
    for i in range(5):
        app_client.post(f"/v1/projects/p1/batches/b{i}", json={}, headers=h)
    seen, cursor = [], None
    while True:
        q = "?limit=2" + (f"&cursorId={cursor}" if cursor else "")
        page = app_client.get("/v1/projects/p1/events" + q, headers=h).json()
        assert len(page["data"]) <= 2
        seen += [e["id"] for e in page["data"]]
        cursor = page["metadata"]["nextCursorId"]
        if cursor is None:
            break
    assert len(seen) == 6 and seen == sorted(seen)
