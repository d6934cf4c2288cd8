"""The SDK against the app in process: the seed's calls, our extensions, and typed errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from litestar.testing import TestClient
from sdk_testing import sdk

from annobatch import (
    AuthenticationError,
    BadRequest,
    BatchDetail,
    Client,
    Conflict,
    NotFound,
    PermissionDenied,
    Project,
    ProjectBatch,
    ProjectBatchStatus,
)
from conftest import World

Http = TestClient[Any]


@pytest.fixture
def org(world: World) -> int:
    org = world.org("acme")
    world.project(org, "p1", ["object-detection", "lane-marking"], description="street scenes")
    world.project(org, "p2", [])
    return org


@pytest.fixture
def client(app_client: Http, world: World, org: int) -> Client:
    return sdk(app_client, world.credential(org))


def test_get_projects_returns_the_organizations_projects(client: Client) -> None:
    projects = client.project.get_projects()
    assert all(isinstance(p, Project) for p in projects)
    assert [(p.project, p.title, p.description, p.status) for p in projects] == [
        ("p1", "P1", "street scenes", "ongoing"),
        ("p2", "P2", "", "ongoing"),
    ]
    assert isinstance(projects[0].created, datetime)
    assert projects[0].created.tzinfo is not None


def test_another_organizations_projects_are_not_listed(
    app_client: Http, world: World, client: Client
) -> None:
    other = world.org("globex")
    world.project(other, "secret-project")
    assert "secret-project" not in [p.project for p in client.project.get_projects()]
    with pytest.raises(NotFound):
        client.project.get_project_batches("secret-project")


def test_get_project_returns_one_project(client: Client) -> None:
    assert client.project.get_project("p1").title == "P1"


def test_get_project_batches_lists_batches_with_typed_statuses(
    world: World, org: int, client: Client
) -> None:
    world.batch(org, "p1", "b1")
    (batch,) = client.project.get_project_batches("p1")
    assert isinstance(batch, ProjectBatch)
    assert (batch.project, batch.batch, batch.title) == ("p1", "b1", "b1")
    assert batch.status is ProjectBatchStatus.OPEN
    assert batch.status == "open"


def test_create_batch_inherits_the_projects_types_and_opens(client: Client) -> None:
    batch = client.project.create_batch("p1", "b1")
    assert (batch.batch, batch.status) == ("b1", ProjectBatchStatus.OPEN)
    assert client.project.get_annotation_types("p1", "b1") == ["object-detection", "lane-marking"]


def test_create_batch_with_nothing_to_inherit_is_pending(client: Client) -> None:
    assert client.project.create_batch("p2", "b1").status is ProjectBatchStatus.PENDING


def test_create_batch_can_set_a_title(client: Client) -> None:
    assert client.project.create_batch("p1", "b1", title="First drive").title == "First drive"


def test_create_batch_publishing_previous_batches_publishes_the_open_ones(client: Client) -> None:
    client.project.create_batch("p1", "b1")
    client.project.create_batch("p1", "b2", publish_previous_batches=True)
    statuses = {b.batch: b.status for b in client.project.get_project_batches("p1")}
    assert statuses == {"b1": "ready", "b2": "open"}


def test_creating_an_existing_batch_is_a_conflict_with_the_servers_message(client: Client) -> None:
    client.project.create_batch("p1", "b1")
    with pytest.raises(Conflict) as e:
        client.project.create_batch("p1", "b1")
    assert e.value.status == 409
    assert "b1" in str(e.value)
    assert e.value.code


def test_the_same_idempotency_key_answers_the_first_create(client: Client) -> None:
    first = client.project.create_batch("p1", "b1", idempotency_key="k-1")
    again = client.project.create_batch("p1", "b1", idempotency_key="k-1")
    assert again == first


def test_a_dry_run_create_answers_but_changes_nothing(client: Client) -> None:
    batch = client.project.create_batch("p1", "b1", dryrun=True)
    assert (batch.batch, batch.status) == ("b1", "open")
    assert client.project.get_project_batches("p1") == []


def test_publish_batch_makes_an_open_batch_ready(client: Client) -> None:
    client.project.create_batch("p1", "b1")
    assert client.project.publish_batch("p1", "b1").status is ProjectBatchStatus.READY


def test_publishing_a_ready_batch_again_returns_it_unchanged(client: Client) -> None:
    client.project.create_batch("p1", "b1")
    first = client.project.publish_batch("p1", "b1")
    assert client.project.publish_batch("p1", "b1") == first


def test_publishing_a_pending_batch_is_a_conflict_naming_its_status(client: Client) -> None:
    client.project.create_batch("p2", "b1")
    with pytest.raises(Conflict, match="pending"):
        client.project.publish_batch("p2", "b1")


def test_a_dry_run_publish_leaves_the_batch_open(client: Client) -> None:
    client.project.create_batch("p1", "b1")
    assert client.project.publish_batch("p1", "b1", dryrun=True).status == "ready"
    assert client.project.get_project_batches("p1")[0].status == "open"


def test_get_annotation_types_of_a_project_and_of_a_batch(world: World, org: int, client: Client) -> None:
    world.batch(org, "p1", "b1")
    assert client.project.get_annotation_types("p1") == ["object-detection", "lane-marking"]
    assert client.project.get_annotation_types("p1", batch="b1") == ["object-detection", "lane-marking"]


def test_get_batch_shows_types_and_input_counts(client: Client) -> None:
    client.project.create_batch("p1", "b1")
    detail = client.project.get_batch("p1", "b1")
    assert isinstance(detail, BatchDetail)
    assert detail.status is ProjectBatchStatus.OPEN
    assert detail.annotation_types == ["object-detection", "lane-marking"]
    assert (detail.input_counts.total, detail.input_counts.pending) == (0, 0)


def test_events_follow_the_cursor_across_pages(client: Client) -> None:
    client.project.create_batch("p1", "b1")
    client.project.create_batch("p1", "b2", publish_previous_batches=True)
    client.project.publish_batch("p1", "b2")
    whole = list(client.project.get_events("p1"))
    paged = list(client.project.get_events("p1", page_size=1))
    assert paged == whole
    assert len(whole) >= 4
    assert [e.id for e in whole] == sorted(e.id for e in whole)
    assert {e.kind for e in whole} >= {"project.created", "batch.created"}


def test_events_of_one_batch_are_only_that_batchs(client: Client) -> None:
    client.project.create_batch("p1", "b1")
    client.project.create_batch("p1", "b2")
    client.project.publish_batch("p1", "b2")
    events = list(client.project.get_events("p1", "b2"))
    assert events
    assert {e.batch for e in events} == {"b2"}


def test_an_unknown_project_is_not_found_with_the_servers_message(client: Client) -> None:
    with pytest.raises(NotFound) as e:
        client.project.get_project_batches("nope")
    assert (e.value.status, str(e.value)) == (404, "project nope not found")


def test_an_unknown_batch_is_not_found(client: Client) -> None:
    with pytest.raises(NotFound, match="batch nope not found in project p1"):
        client.project.publish_batch("p1", "nope")


def test_an_invalid_batch_id_is_a_bad_request(client: Client) -> None:
    with pytest.raises(BadRequest, match="invalid batch id"):
        client.project.create_batch("p1", "no spaces allowed")


def test_an_id_with_a_slash_cannot_reach_another_endpoint(world: World, org: int, client: Client) -> None:
    world.batch(org, "p1", "b1")
    with pytest.raises(BadRequest, match="invalid project id 'p1/batches/b1'") as e:
        client.project.get_annotation_types("p1/batches/b1")
    assert (e.value.status, e.value.code) == (400, "invalid-id")


def test_a_wrong_secret_is_an_authentication_error(app_client: Http, world: World, org: int) -> None:
    cred = world.credential(org)
    client = Client("http://testserver.local", (cred.record.client_id, "wrong"), http_client=app_client)
    with pytest.raises(AuthenticationError, match="authentication failed"):
        client.project.get_projects()


def test_acting_for_another_organization_without_staff_rights_is_permission_denied(
    app_client: Http, world: World, org: int
) -> None:
    other = world.org("globex")
    client = sdk(app_client, world.credential(org), client_organization_id=other)
    with pytest.raises(PermissionDenied) as e:
        client.project.get_projects()
    assert e.value.status == 403


def test_staff_act_for_the_organization_they_name(app_client: Http, world: World, org: int) -> None:
    ops_org = world.org("vendor")
    staff = sdk(app_client, world.credential(ops_org, staff=True), client_organization_id=org)
    assert [p.project for p in staff.project.get_projects()] == ["p1", "p2"]


def test_closing_the_sdk_leaves_a_handed_in_http_client_open(app_client: Http, client: Client) -> None:
    with client:
        client.project.get_projects()
    assert not app_client.is_closed
