"""A client's day in a real browser: projects, a project, a batch; creating and publishing a batch
and seeing its status change; a refused action showing the rule's message; filtering a batch's
inputs; reviewing a delivered annotation; and another organization's project answering 404. Each
page is checked for accessibility and photographed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from browser_kit import (  # noqa: F401  (fixtures)
    VIEWPORT,
    Seeder,
    browser,
    check_accessibility,
    dialogs,
    keyboard_reaches,
    page,
    screenshot,
    seed,
    sign_in,
)
from playwright.sync_api import expect

from conftest import Live, unique

#: The dashboard's queries run on both databases in tests/server; a browser adds nothing per database.
pytestmark = pytest.mark.sqlite_only

CAR = "5b2f1f4e-3c1a-4f3e-9a51-1c0ffee00001"


def client_world(seed: Seeder) -> tuple[int, Any]:
    org = seed.org(unique("acme"))
    seed.project(org, "highway", ["object-detection"], title="Highway")
    seed.batch(org, "highway", "2024-w01")
    seed.inputs(org, "highway", "2024-w01", 3)
    seed.inputs(org, "highway", "2024-w01", 1, status="failed", error="image front.jpg is not a JPEG")
    return org, seed.credential(org)


def test_a_client_creates_and_publishes_a_batch_and_sees_its_status_change(
    page: Any, live: Live, seed: Seeder
) -> None:
    _, cred = client_world(seed)
    sign_in(page, cred.record.client_id, cred.secret)
    assert page.url.endswith("/projects")
    row = page.get_by_role("row", name="Highway")
    assert "open" in row.inner_text()
    assert "4 inputs: 3 not started, 1 failed" in row.inner_text()
    check_accessibility(page)
    screenshot(page, "client-projects")

    page.get_by_role("link", name="Highway").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Highway")
    check_accessibility(page)
    screenshot(page, "client-project")

    page.get_by_text("Create a batch").click()
    page.get_by_label("Batch id").fill("2024-w02")
    page.get_by_label("Publish the open batches").check()
    page.get_by_role("button", name="Create batch").click()
    expect(page.get_by_role("status")).to_contain_text("Batch 2024-w02 created (open)")
    assert "ready" in page.locator("tr", has_text="2024-w01").inner_text()

    page.get_by_role("button", name="Publish batch 2024-w02").click()
    expect(page.get_by_role("status")).to_contain_text("Batch 2024-w02 published")
    assert dialogs(page) == ["Publish batch 2024-w02: it will accept no more inputs."]
    assert "ready" in page.locator("tr", has_text="2024-w02").inner_text()
    timeline = page.get_by_role("list").filter(has_text="batch.created")
    assert "batch.transitioned" in timeline.inner_text()
    screenshot(page, "client-project-published")


def test_a_refused_action_shows_the_rules_message_where_the_button_was(
    page: Any, live: Live, seed: Seeder
) -> None:
    _, cred = client_world(seed)
    sign_in(page, cred.record.client_id, cred.secret, "/projects/highway")
    page.get_by_text("Create a batch").click()
    page.get_by_label("Batch id").fill("2024-w01")
    page.get_by_role("button", name="Create batch").click()
    refusal = page.locator("#create-refusal").get_by_role("alert")
    expect(refusal).to_have_text("batch 2024-w01 already exists in project highway")
    check_accessibility(page)
    screenshot(page, "client-project-refused")


def test_a_batch_lists_its_inputs_and_filters_them(page: Any, live: Live, seed: Seeder) -> None:
    _, cred = client_world(seed)
    sign_in(page, cred.record.client_id, cred.secret, "/projects/highway/batches/2024-w01")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Batch 2024-w01")
    assert page.locator("tbody tr").count() == 4
    check_accessibility(page)
    screenshot(page, "client-batch")
    # the form sent as a browser without JavaScript sends it: the server asks first, on a page
    with page.expect_navigation():  # a script's submit is not awaited as a click is
        page.eval_on_selector("form[action$='/publish']", "f => f.submit()")
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Confirm"
    check_accessibility(page)
    screenshot(page, "client-confirm")
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_load_state()

    page.get_by_label("Status").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    assert "image front.jpg is not a JPEG" in rows.inner_text()
    assert "status=failed" in page.url
    page.get_by_label("With an error only").check()
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    assert page.locator("tbody tr").count() == 1
    scene = rows.get_by_role("link").first.get_attribute("href")
    assert scene is not None and scene.startswith("/view/")
    assert keyboard_reaches(page, "Filter")
    screenshot(page, "client-batch-filtered")


def test_a_batch_pages_its_inputs_with_a_cursor(page: Any, live: Live, seed: Seeder) -> None:
    org = seed.org(unique("acme"))
    seed.project(org, "highway", ["object-detection"])
    seed.batch(org, "highway", "big")
    names = seed.inputs(org, "highway", "big", 55)
    cred = seed.credential(org)
    sign_in(page, cred.record.client_id, cred.secret, "/projects/highway/batches/big")
    assert page.locator("tbody tr").count() == 50
    page.get_by_role("link", name="Next page").click()
    page.wait_for_load_state()
    assert page.locator("tbody tr").count() == 5
    assert names[-1] in page.locator("tbody").inner_text()
    assert page.get_by_role("link", name="Next page").count() == 0


def test_a_client_rejects_a_delivered_annotation_with_feedback_on_an_object(
    page: Any, live: Live, seed: Seeder
) -> None:
    org, cred = client_world(seed)
    seed.run(seed.ops.batches.transition_batch(_staff(org), "highway", "2024-w01", _publish()))
    doc = {
        "openlabel": {
            "metadata": {"schema_version": "1.0.0"},
            "objects": {CAR: {"name": "car-1", "type": "car"}},
        }
    }
    outcomes = seed.deliver(
        org, "highway", "2024-w01", {"scene-001.object-detection.json": json.dumps(doc).encode()}
    )
    assert all(o.ok for o in outcomes), outcomes
    sign_in(page, cred.record.client_id, cred.secret, "/projects/highway/batches/2024-w01")
    page.get_by_role("link", name="Review object-detection of scene-001").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Review a delivered annotation"
    check_accessibility(page)
    screenshot(page, "client-review")
    page.get_by_label("Error type").select_option(label="Wrong class")
    page.get_by_label("Object (in the annotation)").select_option(CAR)
    page.get_by_label("Description").fill("this is a truck")
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_role("status")).to_contain_text("rejected")


def test_another_organizations_project_answers_the_404_page(page: Any, live: Live, seed: Seeder) -> None:
    _, cred = client_world(seed)
    other = seed.org(unique("globex"))
    seed.project(other, "secret-project", ["object-detection"])
    seed.batch(other, "secret-project", "b1")
    sign_in(page, cred.record.client_id, cred.secret, "/projects")
    for path in ("/projects/secret-project", "/projects/secret-project/batches/b1", "/staff/organizations"):
        response = page.goto(path)
        assert response.status == 404, path
        assert page.get_by_role("heading", level=1).inner_text() == "Not found"
    assert "secret-project" not in page.goto("/projects").text()


def _staff(org: int) -> Any:
    from annobatch.services.identity import operator

    return operator(org)


def _publish() -> Any:
    from annobatch.domain import BatchAction

    return BatchAction.PUBLISH


def test_a_batch_is_created_from_the_keyboard_alone(page: Any, live: Live, seed: Seeder) -> None:
    _, cred = client_world(seed)
    sign_in(page, cred.record.client_id, cred.secret, "/projects/highway")
    assert keyboard_reaches(page, "Create a batch")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.type("2024-w09")
    assert keyboard_reaches(page, "Create batch")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Batch 2024-w09 created")


def test_pages_that_only_show_things_work_without_javascript_and_publishing_asks_first(
    browser: Any, live: Live, seed: Seeder
) -> None:
    _, cred = client_world(seed)
    context = browser.new_context(base_url=live.url, java_script_enabled=False, viewport=VIEWPORT)
    try:
        page = context.new_page()
        sign_in(page, cred.record.client_id, cred.secret, "/projects/highway")
        assert page.get_by_role("heading", level=1).inner_text().startswith("Highway")
        page.get_by_role("link", name="2024-w01").first.click()
        assert page.locator("tbody tr").count() == 4
        page.get_by_role("button", name="Publish").click()
        assert page.get_by_text("Publish batch 2024-w01: it will accept no more inputs.").is_visible()
        screenshot(page, "client-confirm-without-javascript")
        page.get_by_role("button", name="Publish").click()
        assert "Batch 2024-w01 published" in page.get_by_role("status").inner_text()
        assert page.get_by_role("heading", level=1).inner_text() == "Batch 2024-w01 ready"
    finally:
        context.close()
