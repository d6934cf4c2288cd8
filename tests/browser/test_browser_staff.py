"""Staff in a real browser: switching the organization acted for, moving a batch along its
lifecycle (each move confirmed; a refused one shows the rule's message), a project's members and
workflow, and the task queue. Each page is checked for accessibility and photographed."""

from __future__ import annotations

from typing import Any

import pytest
from browser_kit import (  # noqa: F401  (fixtures)
    Seeder,
    browser,
    check_accessibility,
    dialogs,
    page,
    screenshot,
    seed,
    sign_in,
)
from playwright.sync_api import expect

from conftest import Live, unique

#: The dashboard's queries run on both databases in tests/server; a browser adds nothing per database.
pytestmark = pytest.mark.sqlite_only


def staff_world(seed: Seeder) -> tuple[str, Any]:
    """A client organization with a project, an open batch of two inputs and a workforce member;
    and a staff credential of the installation's own organization."""
    client_org_name = unique("acme")
    client_org = seed.org(client_org_name)
    seed.project(client_org, "highway", ["object-detection"], title="Highway")
    seed.batch(client_org, "highway", "2024-w01")
    seed.inputs(client_org, "highway", "2024-w01", 2)
    seed.run(seed.ops.workforce.create_member(client_org, "annotator", "ann"))
    staff = seed.credential(seed.org(unique("operators")), staff=True)
    return client_org_name, staff


def act_for(page: Any, org_name: str) -> None:
    page.goto("/staff/organizations")
    page.get_by_role("button", name=f"Act for {org_name}").click()
    expect(page.get_by_role("status")).to_have_text(f"Acting for {org_name}.")


def test_staff_switch_organization_and_move_a_batch(page: Any, live: Live, seed: Seeder) -> None:
    org_name, staff = staff_world(seed)
    sign_in(page, staff.record.client_id, staff.secret)
    assert page.url.endswith("/staff/organizations")
    check_accessibility(page)
    screenshot(page, "staff-organizations")
    act_for(page, org_name)
    assert page.url.endswith("/projects")
    assert page.locator("header .org").inner_text() == org_name
    page.get_by_role("link", name="Highway").click()
    page.get_by_role("link", name="2024-w01").first.click()
    moves = page.get_by_role("group", name="Staff: move this batch")
    check_accessibility(page)
    screenshot(page, "staff-batch")

    moves.get_by_role("button", name="Complete batch 2024-w01").click()
    refusal = page.locator("#batch-refusal").get_by_role("alert")
    expect(refusal).to_contain_text("2024-w01")
    screenshot(page, "staff-batch-refused-move")

    for move, status in (("Publish", "ready"), ("Start", "in-progress")):
        moves.get_by_role("button", name=f"{move} batch 2024-w01").click()
        expect(page.get_by_role("status")).to_contain_text(f"→ {status}")
        expect(page.get_by_role("heading", level=1)).to_contain_text(status.replace("-", " "))
    assert dialogs(page)[0] == "Move batch 2024-w01: complete. This cannot be undone from here."


def test_staff_set_members_and_workflows(page: Any, live: Live, seed: Seeder) -> None:
    org_name, staff = staff_world(seed)
    sign_in(page, staff.record.client_id, staff.secret)
    act_for(page, org_name)
    page.get_by_role("link", name="Workforce").click()
    assert "annotator" in page.locator("table").first.inner_text()
    check_accessibility(page)
    screenshot(page, "staff-workforce")

    page.get_by_role("link", name="Highway").click()
    page.get_by_role("button", name="Add to project").click()
    expect(page.get_by_role("status")).to_contain_text("added to project highway")
    members = page.get_by_role("region", name="Members")
    assert "annotator" in members.locator("tbody").inner_text()
    check_accessibility(page)
    screenshot(page, "staff-project")

    page.get_by_label("Project workflow").fill("annotate, review, review")
    page.get_by_role("button", name="Set", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("annotate → review → review")
    page.get_by_label("Project workflow").fill("review")
    page.get_by_role("button", name="Set", exact=True).click()
    expect(page.locator("#workflow-refusal").get_by_role("alert")).to_be_visible()

    members.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_contain_text("removed from project highway")
    assert any(m.startswith("Remove member") for m in dialogs(page))


def test_staff_see_the_task_queue(page: Any, live: Live, seed: Seeder) -> None:
    org_name, staff = staff_world(seed)
    sign_in(page, staff.record.client_id, staff.secret)
    act_for(page, org_name)
    page.get_by_role("link", name="Task queue").click()
    assert page.get_by_role("heading", level=1).inner_text() == f"Task queue of {org_name}"
    check_accessibility(page)
    screenshot(page, "staff-tasks")


def test_a_client_cannot_reach_the_staff_pages(page: Any, live: Live, seed: Seeder) -> None:
    org = seed.org(unique("acme"))
    cred = seed.credential(org)
    sign_in(page, cred.record.client_id, cred.secret)
    for path in ("/staff/organizations", "/staff/workforce", "/staff/tasks"):
        assert page.goto(path).status == 404
