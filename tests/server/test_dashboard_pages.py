"""The dashboard's client and staff pages in process: an action that cannot be undone asks first
(without JavaScript, a confirmation page); a refused action shows the rule's message; bad filters
are refused with a message; tenancy: another organization's project or batch, and staff pages for
a client, answer the 404 page."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from litestar.testing import TestClient

from annobatch.domain import BatchAction
from annobatch.services import Services
from annobatch.services.accounts import NewCredential
from annobatch.services.identity import operator
from annobatch.settings import Settings
from annobatch.storage.blobs import open_blob_store
from conftest import World
from dashboard_forms import HTML, csrf_of, place_scene, sign_in


@pytest.fixture
def client_cred(world: World) -> NewCredential:
    org = world.org("acme")
    world.project(org, "highway", ["object-detection"])
    world.batch(org, "highway", "2024-w01")
    other = world.org("globex")
    world.project(other, "secret", ["object-detection"])
    world.batch(other, "secret", "b1")
    return world.credential(org)


@pytest.fixture
def signed_in(app_client: TestClient[Any], client_cred: NewCredential) -> str:
    """The session's CSRF token."""
    sign_in(app_client, client_cred)
    return csrf_of(app_client.get("/projects/highway", headers=HTML).text)


def test_publishing_without_javascript_asks_first_then_publishes(
    app_client: TestClient[Any], signed_in: str
) -> None:
    url = "/projects/highway/batches/2024-w01/publish"
    asked = app_client.post(url, data={"_csrf": signed_in}, headers=HTML)
    assert asked.status_code == 200
    assert "Publish batch 2024-w01: it will accept no more inputs." in asked.text
    assert 'name="confirmed" value="yes"' in asked.text
    assert "open" in app_client.get("/projects/highway/batches/2024-w01", headers=HTML).text
    done = app_client.post(url, data={"_csrf": csrf_of(asked.text), "confirmed": "yes"}, headers=HTML)
    assert done.status_code == 200  # followed to the project page
    assert "Batch 2024-w01 published: it accepts no more inputs." in done.text
    assert 'badge tone-ok">ready</span>' in app_client.get("/projects/highway/batches/2024-w01").text


def test_a_refused_action_shows_the_rules_message(app_client: TestClient[Any], signed_in: str) -> None:
    data = {"_csrf": signed_in, "batch": "2024-w01"}
    page = app_client.post("/projects/highway/batches", data=data, headers=HTML)
    assert page.status_code == 409
    assert "batch 2024-w01 already exists in project highway" in page.text
    htmx = app_client.post(
        "/projects/highway/batches", data=data, headers={"HX-Request": "true", "X-CSRF-Token": signed_in}
    )
    assert htmx.status_code == 409
    assert htmx.text.strip().startswith('<p class="refused" role="alert"')


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=lost", "unknown input status &#39;lost&#39;"),
        ("scene_type=video", "unknown scene type &#39;video&#39;"),
        ("stage=9", "invalid workflow stage &#39;9&#39;"),
        ("cursor=nonsense", "invalid cursor &#39;nonsense&#39;"),
    ],
)
def test_bad_filters_are_refused_with_a_message(
    app_client: TestClient[Any], signed_in: str, query: str, message: str
) -> None:
    r = app_client.get(f"/projects/highway/batches/2024-w01?{query}", headers=HTML)
    assert r.status_code == 400
    assert message in r.text


@pytest.mark.parametrize(
    "path",
    [
        "/projects/secret",
        "/projects/secret/batches/b1",
        "/projects/highway/batches/b1",
        "/staff/organizations",
        "/staff/tasks",
        "/staff/projects/highway",
    ],
)
def test_another_organizations_pages_and_staff_pages_are_not_found(
    app_client: TestClient[Any], signed_in: str, path: str
) -> None:
    r = app_client.get(path, headers=HTML)
    assert r.status_code == 404
    assert "<h1>Not found</h1>" in r.text


def test_another_organizations_batch_cannot_be_published(app_client: TestClient[Any], signed_in: str) -> None:
    r = app_client.post(
        "/projects/secret/batches/b1/publish", data={"_csrf": signed_in, "confirmed": "yes"}, headers=HTML
    )
    assert r.status_code == 404


def test_staff_act_for_another_organization(
    app_client: TestClient[Any], world: World, client_cred: NewCredential
) -> None:
    staff = world.credential(world.org("operators"), staff=True)
    sign_in(app_client, staff)
    token = csrf_of(app_client.get("/staff/organizations", headers=HTML).text)
    r = app_client.post("/staff/organizations/switch", data={"_csrf": token, "org": "1"}, headers=HTML)
    assert r.status_code == 200
    assert "Acting for acme." in r.text
    assert "highway" in r.text and "secret" not in r.text
    missing = app_client.post("/staff/organizations/switch", data={"_csrf": token, "org": "99"}, headers=HTML)
    assert missing.status_code == 404


def test_a_client_accepts_a_delivered_annotation(
    app_client: TestClient[Any], world: World, client_cred: NewCredential, settings: Settings
) -> None:
    org = client_cred.record.organization_id
    place_scene(world, org, "highway", "2024-w01", "scene-1")
    world.run(world.ops.batches.transition_batch(operator(org), "highway", "2024-w01", BatchAction.PUBLISH))
    ops = Services.over(world.ops.db, open_blob_store(settings.data_dir))
    doc = {"openlabel": {"metadata": {"schema_version": "1.0.0"}, "objects": {}}}
    files = {"scene-1.object-detection.json": json.dumps(doc).encode()}
    (outcome,) = world.run(ops.work.import_annotations(operator(org), "highway", "2024-w01", files))
    assert outcome.ok, outcome
    sign_in(app_client, client_cred)
    batch = app_client.get("/projects/highway/batches/2024-w01", headers=HTML).text
    review = re.search(r'href="([^"]+/annotations/[^"]+)">Review object-detection', batch)
    assert review is not None
    page = app_client.get(review.group(1), headers=HTML)
    assert page.status_code == 200 and "Review a delivered annotation" in page.text
    data = {"_csrf": csrf_of(page.text), "decision": "accept"}
    asked = app_client.post(review.group(1) + "/review", data=data, headers=HTML)
    assert "its input is completed" in asked.text  # asked first, without JavaScript
    done = app_client.post(review.group(1) + "/review", data={**data, "confirmed": "yes"}, headers=HTML)
    assert done.status_code == 200 and "accepted (review" in done.text
    again = app_client.post(review.group(1) + "/review", data={**data, "confirmed": "yes"}, headers=HTML)
    assert again.status_code == 200  # the same review again is answered as the first (idempotent)


def test_an_htmx_action_refused_or_not_found_gets_the_message_only(
    app_client: TestClient[Any], signed_in: str
) -> None:
    htmx = {"HX-Request": "true", "X-CSRF-Token": signed_in}
    r = app_client.post("/projects/secret/batches/b1/publish", data={"confirmed": "yes"}, headers=htmx)
    assert r.status_code == 404
    assert (
        r.text.strip() == '<p class="refused" role="alert" data-code="not-found">project secret not found</p>'
    )
    forged = app_client.post("/projects/highway/batches/2024-w01/publish", headers={"HX-Request": "true"})
    assert forged.status_code == 403 and forged.text.strip().startswith('<p class="refused"')


def test_staff_move_a_batch_without_javascript_after_a_confirmation_page(
    app_client: TestClient[Any], world: World, client_cred: NewCredential
) -> None:
    staff = world.credential(client_cred.record.organization_id, staff=True)
    sign_in(app_client, staff)
    token = csrf_of(app_client.get("/projects/highway/batches/2024-w01", headers=HTML).text)
    url = "/staff/projects/highway/batches/2024-w01/move"
    asked = app_client.post(url, data={"_csrf": token, "action": "publish"}, headers=HTML)
    assert "Publish batch 2024-w01: it will accept no more inputs." in asked.text
    data = {"_csrf": csrf_of(asked.text), "action": "publish", "confirmed": "yes"}
    done = app_client.post(url, data=data, headers=HTML)
    assert "Batch 2024-w01: publish → ready." in done.text
    refused = app_client.post(url, data={**data, "action": "open"}, headers=HTML)
    assert refused.status_code == 409
    assert "batch 2024-w01 of project highway cannot move from ready to open" in refused.text
