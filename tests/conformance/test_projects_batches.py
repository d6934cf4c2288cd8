"""The official `kognic-io` client against a real annobatch server: every call of the seed, and
the failures a user meets, asserted on what the client itself returns or raises."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from kognic.io.client import KognicIOClient
from kognic.io.model.projects import ProjectBatchStatus
from requests import HTTPError

from annobatch.services.accounts import NewCredential
from annobatch.services.identity import operator
from conftest import Live, unique


@dataclass
class Tenant:
    org: int
    cred: NewCredential


def tenant(live: Live, *, staff: bool = False) -> Tenant:
    org = live.world.org(unique("org"))
    return Tenant(org, live.world.credential(org, staff=staff))


def official_client(live: Live, cred: NewCredential, **kw: object) -> KognicIOClient:
    return KognicIOClient(
        auth=(cred.record.client_id, cred.secret),
        host=live.url,
        auth_host=live.url,
        workspace_api_host=live.url,
        **kw,  # type: ignore[arg-type]
    )


def set_batch_types(live: Live, org: int, project: str, batch: str, types: list[str]) -> None:
    live.world.run(live.world.ops.batches.set_batch_annotation_types(operator(org), project, batch, types))


def status_of(response_error: HTTPError) -> int:
    assert response_error.response is not None
    return response_error.response.status_code


# ------------------------------------------------------------------------------- the seed calls


def test_get_projects_returns_the_organizations_projects_with_every_field(live: Live) -> None:
    t = tenant(live)
    live.world.project(t.org, "p1", ["object-detection"], title="Highway", description="cameras only")
    live.world.project(t.org, "p2", title="City")
    projects = official_client(live, t.cred).project.get_projects()
    assert [(p.project, p.title, p.description, p.status) for p in projects] == [
        ("p1", "Highway", "cameras only", "ongoing"),
        ("p2", "City", "", "ongoing"),
    ]
    now = datetime.now(UTC)
    assert all(now - timedelta(minutes=5) < p.created <= now + timedelta(minutes=1) for p in projects)


def test_get_project_batches_lists_every_batch_of_the_project(live: Live) -> None:
    t = tenant(live)
    live.world.project(t.org, "p1", ["lane-marking"])
    live.world.batch(t.org, "p1", "b1")
    live.world.batch(t.org, "p1", "b2")
    batches = official_client(live, t.cred).project.get_project_batches("p1")
    assert [(b.project, b.batch, b.title, b.status) for b in batches] == [
        ("p1", "b1", "b1", ProjectBatchStatus.OPEN),
        ("p1", "b2", "b2", ProjectBatchStatus.OPEN),
    ]
    assert all(b.created <= b.updated for b in batches)


def test_a_projects_first_batch_inherits_the_projects_default_types_and_opens(live: Live) -> None:
    t = tenant(live)
    live.world.project(t.org, "p1", ["object-detection", "lane-marking"])
    client = official_client(live, t.cred)
    batch = client.project.create_batch("p1", "b1")
    assert (batch.project, batch.batch, batch.title, batch.status) == (
        "p1",
        "b1",
        "b1",
        ProjectBatchStatus.OPEN,
    )
    assert client.project.get_annotation_types("p1", "b1") == ["object-detection", "lane-marking"]


def test_a_new_batch_inherits_the_latest_previous_batchs_types(live: Live) -> None:
    t = tenant(live)
    live.world.project(t.org, "p1", ["object-detection"])
    live.world.batch(t.org, "p1", "b1")
    set_batch_types(live, t.org, "p1", "b1", ["lane-marking", "segmentation"])
    client = official_client(live, t.cred)
    assert client.project.create_batch("p1", "b2").status == ProjectBatchStatus.OPEN
    assert client.project.get_annotation_types("p1", "b2") == ["lane-marking", "segmentation"]


def test_a_batch_with_nothing_to_inherit_starts_pending(live: Live) -> None:
    t = tenant(live)
    live.world.project(t.org, "p1")
    client = official_client(live, t.cred)
    assert client.project.create_batch("p1", "b1").status == ProjectBatchStatus.PENDING
    assert client.project.get_annotation_types("p1", "b1") == []


def test_create_batch_without_publishing_leaves_previous_batches_open(live: Live) -> None:
    t = tenant(live)
    live.world.project(t.org, "p1", ["object-detection"])
    live.world.batch(t.org, "p1", "b1")
    client = official_client(live, t.cred)
    client.project.create_batch("p1", "b2", publish_previous_batches=False)
    statuses = {b.batch: b.status for b in client.project.get_project_batches("p1")}
    assert statuses == {"b1": ProjectBatchStatus.OPEN, "b2": ProjectBatchStatus.OPEN}


def test_create_batch_publishing_previous_batches_makes_every_open_batch_ready(live: Live) -> None:
    t = tenant(live)
    live.world.project(t.org, "p1", ["object-detection"])
    for b in ("b1", "b2"):
        live.world.batch(t.org, "p1", b)
    client = official_client(live, t.cred)
    new = client.project.create_batch("p1", "b3", publish_previous_batches=True)
    assert new.status == ProjectBatchStatus.OPEN
    statuses = {b.batch: b.status for b in client.project.get_project_batches("p1")}
    assert statuses == {
        "b1": ProjectBatchStatus.READY,
        "b2": ProjectBatchStatus.READY,
        "b3": ProjectBatchStatus.OPEN,
    }


def test_publishing_previous_batches_leaves_pending_batches_pending(live: Live) -> None:
    t = tenant(live)
    live.world.project(t.org, "p1")
    live.world.batch(t.org, "p1", "b1")  # nothing to inherit: pending
    client = official_client(live, t.cred)
    client.project.create_batch("p1", "b2", publish_previous_batches=True)
    statuses = {b.batch: b.status for b in client.project.get_project_batches("p1")}
    assert statuses == {"b1": ProjectBatchStatus.PENDING, "b2": ProjectBatchStatus.PENDING}


def test_publish_batch_makes_an_open_batch_ready_and_publishing_again_changes_nothing(live: Live) -> None:
    t = tenant(live)
    live.world.project(t.org, "p1", ["object-detection"])
    live.world.batch(t.org, "p1", "b1")
    client = official_client(live, t.cred)
    first = client.project.publish_batch("p1", "b1")
    assert (first.batch, first.status) == ("b1", ProjectBatchStatus.READY)
    again = client.project.publish_batch("p1", "b1")
    assert (again.status, again.created, again.updated) == (first.status, first.created, first.updated)
    assert [b.status for b in client.project.get_project_batches("p1")] == [ProjectBatchStatus.READY]


def test_project_annotation_types_are_the_defaults_then_every_type_its_batches_use(live: Live) -> None:
    t = tenant(live)
    live.world.project(t.org, "p1", ["object-detection"])
    live.world.batch(t.org, "p1", "b1")
    set_batch_types(live, t.org, "p1", "b1", ["object-detection", "lane-marking"])
    client = official_client(live, t.cred)
    assert client.project.get_annotation_types("p1") == ["object-detection", "lane-marking"]
    assert client.project.get_annotation_types("p1", batch="b1") == ["object-detection", "lane-marking"]


# ------------------------------------------------------------------------------- the failures


def test_an_unknown_project_is_a_404_for_every_call(live: Live) -> None:
    t = tenant(live)
    client = official_client(live, t.cred)
    calls = [
        lambda: client.project.get_project_batches("nope"),
        lambda: client.project.create_batch("nope", "b1"),
        lambda: client.project.publish_batch("nope", "b1"),
        lambda: client.project.get_annotation_types("nope"),
        lambda: client.project.get_annotation_types("nope", "b1"),
    ]
    for call in calls:
        with pytest.raises(HTTPError) as e:
            call()
        assert status_of(e.value) == 404
        assert "project nope not found" in str(e.value)


def test_an_unknown_batch_is_a_404(live: Live) -> None:
    t = tenant(live)
    live.world.project(t.org, "p1", ["object-detection"])
    client = official_client(live, t.cred)
    with pytest.raises(HTTPError) as e:
        client.project.publish_batch("p1", "nope")
    assert status_of(e.value) == 404
    assert "batch nope not found in project p1" in str(e.value)


def test_creating_a_batch_that_exists_is_a_409_and_changes_nothing(live: Live) -> None:
    t = tenant(live)
    live.world.project(t.org, "p1", ["object-detection"])
    live.world.batch(t.org, "p1", "b1")
    client = official_client(live, t.cred)
    client.project.publish_batch("p1", "b1")
    with pytest.raises(HTTPError) as e:
        client.project.create_batch("p1", "b1", publish_previous_batches=True)
    assert status_of(e.value) == 409
    assert "batch b1 already exists in project p1" in str(e.value)
    assert [(b.batch, b.status) for b in client.project.get_project_batches("p1")] == [
        ("b1", ProjectBatchStatus.READY)
    ]


def test_publishing_a_pending_batch_is_a_409_naming_its_status(live: Live) -> None:
    t = tenant(live)
    live.world.project(t.org, "p1")
    live.world.batch(t.org, "p1", "b1")
    client = official_client(live, t.cred)
    with pytest.raises(HTTPError) as e:
        client.project.publish_batch("p1", "b1")
    assert status_of(e.value) == 409
    assert "batch b1 of project p1 is pending" in str(e.value)


@pytest.mark.parametrize("bad", ["bad id!", "-leading-dash", "x" * 129])
def test_an_invalid_id_raises_the_clients_runtime_error_with_our_message(live: Live, bad: str) -> None:
    t = tenant(live)
    live.world.project(t.org, "p1", ["object-detection"])
    client = official_client(live, t.cred)
    with pytest.raises(RuntimeError) as e:
        client.project.create_batch("p1", bad)
    assert str(e.value) == (
        f"invalid batch id {bad!r}: a batch id is 1-128 characters: a letter or digit first, "
        "then letters, digits, '.', '_' or '-'"
    )
    with pytest.raises(RuntimeError) as e:
        client.project.get_project_batches(bad)
    assert str(e.value).startswith(f"invalid project id {bad!r}: a project id is 1-128 characters")
    assert client.project.get_project_batches("p1") == []


def test_a_client_may_not_open_a_batch(live: Live) -> None:
    t = tenant(live)
    live.world.project(t.org, "p1")
    live.world.batch(t.org, "p1", "b1")
    client = official_client(live, t.cred)
    # The official client has no call for staff moves; its HTTP client reaches the endpoint.
    with pytest.raises(HTTPError) as e:
        client.project._client.post("v1/projects/p1/batches/b1/actions/open")
    assert status_of(e.value) == 403
