"""The workforce's main paths in a real browser: an annotator claims a task, draws two boxes (one
with the mouse, one with the keyboard only), saves and submits; a reviewer accepts; the batch
completes and the client sees both boxes over the image on the scene page. A rejection with a pin
shows its feedback in the editor of the correction that follows. Every page is screenshotted and
checked with axe."""

from __future__ import annotations

from typing import Any

import pytest
from browser_kit import (  # noqa: F401  (fixtures)
    browser,
    check_accessibility,
    outside_playwright,
    page,
    screenshot,
    sign_in,
)

from annobatch.storage.blobs import open_blob_store
from conftest import Live
from work_pages_world import BATCH, PROJECT, TYPE, StreetWorld, boxes, street_world

#: The dashboard's queries run on both databases in tests/server; a browser adds nothing per database.
pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def streets(live: Live) -> StreetWorld:
    with outside_playwright():
        store = open_blob_store(live.server.data_dir)
        return street_world(live.world.ops.db, store, live.world.runner, lidar=True)


def runner_of(live: Live) -> Any:
    """Runs a service call on the live server's database while the browser runs."""

    def run(coro: Any) -> Any:
        with outside_playwright():
            return live.world.runner.run(coro)

    return run


def sign_in_as(page: Any, cred: Any, path: str) -> None:
    if page.get_by_role("button", name="Sign out").count():
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_load_state()
    sign_in(page, cred.record.client_id, cred.secret, path=path)


def editor_ready(page: Any) -> None:
    page.wait_for_url("**/work/tasks/*")
    page.wait_for_function("() => document.getElementById('frame-image').naturalWidth > 0")
    page.wait_for_function("() => window.annobatchEditor !== undefined")


def on_screen(page: Any, x: float, y: float) -> tuple[float, float]:
    """Where image pixel (x, y) is on the page, at the editor's zoom and pan."""
    found = page.evaluate(
        "([x, y]) => { const v = window.annobatchEditor.state.view;"
        " const r = document.getElementById('stage').getBoundingClientRect();"
        " return [r.left + v.tx + x * v.s, r.top + v.ty + y * v.s]; }",
        [x, y],
    )
    return found[0], found[1]


def drawn(page: Any) -> list[tuple[str, list[float]]]:
    """The editor's boxes of the first annotation type: (class, [x, y, w, h] from the top left)."""
    return page.evaluate(
        "(t) => { const ol = window.annobatchEditor.documents[t].openlabel; const out = [];"
        " for (const [uid, o] of Object.entries((ol.frames['0'] || {}).objects || {}))"
        "   for (const b of o.object_data.bbox || []) { const [cx, cy, w, h] = b.val;"
        "     out.push([ol.objects[uid].type, [cx - w / 2, cy - h / 2, w, h]]); }"
        " return out.sort(); }",
        TYPE,
    )


def test_an_annotator_draws_two_boxes_a_reviewer_accepts_and_the_client_sees_them(
    page: Any, live: Live, streets: StreetWorld
) -> None:
    ops, run = streets.ops, runner_of(live)
    sign_in_as(page, streets.annotator, "/work")
    assert page.get_by_role("heading", level=1).inner_text() == "My work"
    check_accessibility(page)
    screenshot(page, "work-my-work")

    page.get_by_role("button", name="Claim next").click()
    editor_ready(page)
    check_accessibility(page)
    screenshot(page, "work-editor-empty")

    # With the mouse: class 1 (car), a drag around the car.
    page.get_by_role("button", name="1 car").click()
    page.mouse.move(*on_screen(page, 248, 248))
    page.mouse.down()
    page.mouse.move(*on_screen(page, 300, 290), steps=4)
    page.mouse.move(*on_screen(page, 372, 322), steps=4)
    page.mouse.up()
    # With the keyboard only: Esc (nothing selected), class 2 (pedestrian), N, Enter (a box in the
    # middle), then moved and resized with the arrows.
    page.locator("#stage").focus()
    # The middle box is 128 x 80 at (256, 160); the pedestrian stands at (470, 200), 30 x 100.
    keys = ["Escape", "2", "n", "Enter", *["Shift+ArrowRight"] * 21, *["ArrowRight"] * 4]
    keys += [*["Shift+ArrowDown"] * 4, *["Alt+Shift+ArrowLeft"] * 9, *["Alt+ArrowLeft"] * 8]
    keys += ["Alt+Shift+ArrowDown"] * 2
    for key in keys:
        page.keyboard.press(key)
    ((car_class, car), (ped_class, ped)) = drawn(page)
    assert car_class == "car" and car == pytest.approx([248, 248, 124, 74], abs=1.5)
    assert ped_class == "pedestrian" and ped == [470, 200, 30, 100]
    assert page.locator("#object-list li").count() == 2
    assert page.locator("#overlay g.box").count() == 2

    page.keyboard.press("Control+s")
    page.get_by_text("Draft saved at").wait_for()
    check_accessibility(page)
    screenshot(page, "work-editor-two-boxes")
    page.keyboard.press("?")
    assert page.get_by_role("dialog").is_visible()
    screenshot(page, "work-editor-shortcuts")
    page.keyboard.press("Escape")

    page.locator("#stage").focus()
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"{live.url}/work")
    assert page.get_by_role("status").first.inner_text().startswith("Submitted: object-detection")

    sign_in_as(page, streets.reviewer, "/work")
    page.get_by_role("button", name="Claim next").click()
    editor_ready(page)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Review street-001")
    assert page.locator("#overlay g.box").count() == 2
    check_accessibility(page)
    screenshot(page, "work-review")
    page.get_by_role("button", name="Accept").click()
    page.wait_for_url(f"{live.url}/work")
    assert page.get_by_role("status").first.inner_text() == "Accepted."

    # The lidar scene's input is the batch's other one: it is delivered through the API.
    task = run(ops.work.claim(streets.caller(streets.annotator), PROJECT))
    run(ops.work.submit(streets.caller(streets.annotator), task.task.id, {TYPE: boxes()}))
    review = run(ops.work.claim(streets.caller(streets.reviewer), PROJECT))
    run(ops.work.review(streets.caller(streets.reviewer), review.task.id, True, []))
    assert run(ops.batches.get_batch(streets.staff, PROJECT, BATCH)).batch.status == "completed"

    sign_in_as(page, streets.client, f"/view/{streets.scenes[0]}")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Scene street-001")
    svg = page.locator("svg.boxes")
    assert svg.get_attribute("data-boxes") == "2"
    assert sorted(page.locator("svg.boxes g.box").evaluate_all("gs => gs.map(g => g.dataset.class)")) == [
        "car",
        "pedestrian",
    ]
    rect = page.locator("svg.boxes g[data-class=pedestrian] rect")
    assert [rect.get_attribute(a) for a in ("x", "y", "width", "height")] == [
        "470.0",
        "200.0",
        "30.0",
        "100.0",
    ]
    check_accessibility(page)
    screenshot(page, "scene-camera")

    page.goto(f"/view/{streets.lidar_scene}")
    assert "2,000 points" in page.locator("figure.cloud figcaption").inner_text()
    assert page.locator("figure.cloud img").evaluate("i => i.naturalWidth") > 100
    assert "annotated through the workforce API" in page.content()
    check_accessibility(page)
    screenshot(page, "scene-lidar")


def test_a_rejection_with_a_pin_shows_its_feedback_in_the_correction(
    page: Any, live: Live, streets: StreetWorld
) -> None:
    ops, run = streets.ops, runner_of(live)
    annotator = streets.caller(streets.annotator)
    task = run(ops.work.claim(annotator, PROJECT))
    run(ops.work.submit(annotator, task.task.id, {TYPE: boxes(("car", 250, 250, 120, 70))}))

    sign_in_as(page, streets.reviewer, "/work")
    page.get_by_role("button", name="Claim next").click()
    editor_ready(page)
    page.mouse.click(*on_screen(page, 485, 250))  # the pedestrian nobody boxed
    assert page.locator("#pin-label").inner_text().startswith("Pin at 485, 250")
    page.get_by_label("Error type").select_option("missing-object")
    page.get_by_label("Message").fill("the pedestrian has no box")
    page.get_by_role("button", name="Add item").click()
    item = page.locator("#review-items li").inner_text()
    assert item == "Missing object · pinned: the pedestrian has no box"
    assert page.locator("#overlay g.pin").count() == 1
    check_accessibility(page)
    screenshot(page, "work-review-rejecting")
    page.get_by_role("button", name="Reject with 1 item").click()
    page.wait_for_url(f"{live.url}/work")
    assert page.get_by_role("status").first.inner_text().startswith("Rejected with 1 item")

    sign_in_as(page, streets.annotator, "/work")
    row = page.get_by_role("row").filter(has_text="street-001")
    assert "correct" in row.inner_text() and "assigned to you" in row.inner_text()
    check_accessibility(page)
    screenshot(page, "work-my-work-correction")
    row.get_by_role("button", name="Claim").click()
    editor_ready(page)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Correct street-001")
    feedback = page.locator("ol.feedback li")
    assert feedback.count() == 1
    assert "Missing object" in feedback.inner_text() and "the pedestrian has no box" in feedback.inner_text()
    assert page.locator("#overlay g.pin").count() == 1
    assert page.locator("#overlay g.box").count() == 1  # the rejected annotation is where it starts
    check_accessibility(page)
    screenshot(page, "work-editor-correction")


def test_a_member_of_another_project_is_shown_no_task_and_no_scene(
    page: Any, live: Live, streets: StreetWorld
) -> None:
    ops, run = streets.ops, runner_of(live)
    task = run(ops.work.claim(streets.caller(streets.annotator), PROJECT))
    outsider = run(ops.workforce.create_member(streets.org, "annotator", "elsewhere"))
    sign_in_as(page, outsider, "/work")
    assert page.get_by_text("You are not a member of any project yet").is_visible()
    for path in (
        f"/work/tasks/{task.task.id}",
        f"/view/{streets.scenes[0]}",
        f"/view/{streets.scenes[0]}/images/0",
        f"/view/{streets.lidar_scene}/clouds/0",
    ):
        response = page.goto(path)
        assert response.status == 404, path
        assert page.get_by_role("heading", level=1).inner_text() == "Not found"


def test_a_lidar_task_shows_its_point_cloud_from_above_and_where_it_is_annotated(
    page: Any, live: Live, streets: StreetWorld
) -> None:
    ops, run = streets.ops, runner_of(live)
    annotator = streets.caller(streets.annotator)
    run(ops.work.claim(annotator, PROJECT))  # the camera scene's, the oldest input
    lidar = run(ops.work.claim(annotator, PROJECT))
    assert lidar.scene.id == streets.lidar_scene
    sign_in_as(page, streets.annotator, f"/work/tasks/{lidar.task.id}")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Annotate ring-001")
    assert "annotated through the workforce API" in page.locator(".note-line").inner_text()
    assert "2,000 points" in page.locator("figure.cloud figcaption").inner_text()
    assert page.locator("figure.cloud img").evaluate("i => i.naturalWidth") > 100
    assert page.locator("#stage").count() == 0
    check_accessibility(page)
    screenshot(page, "work-editor-lidar")
    page.goto("/work")
    row = page.get_by_role("row").filter(has_text="ring-001")
    assert row.count() == 1
    check_accessibility(page)
    screenshot(page, "work-my-work-two-tasks")
    asked: list[str] = []
    page.once("dialog", lambda d: asked.append(d.message))  # the kit's handler accepts it
    row.get_by_role("button", name="Give up").click()
    page.wait_for_url(f"{live.url}/work")
    page.get_by_text("Task given up").wait_for()
    assert asked and "it returns to the queue for anyone to claim" in asked[0]
    assert page.get_by_role("row").filter(has_text="ring-001").count() == 0
    assert run(ops.work.task(streets.staff, lidar.task.id)).task.status == "todo"


def test_a_calibrated_scene_shows_its_image_point_cloud_and_calibration(page: Any, live: Live) -> None:
    with outside_playwright():
        store = open_blob_store(live.server.data_dir)
        rig = street_world(live.world.ops.db, store, live.world.runner, cameras=0, fused=True)
    sign_in_as(page, rig.client, f"/view/{rig.scenes[0]}")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Scene fused-001")
    assert page.locator("figure.shot img").evaluate("i => i.naturalWidth") == 640
    assert "2,000 points" in page.locator("figure.cloud figcaption").inner_text()
    page.get_by_text("Calibration rig-1").click()
    assert "camera_matrix" in page.locator("pre.calibration").inner_text()
    check_accessibility(page)
    screenshot(page, "scene-calibrated")
