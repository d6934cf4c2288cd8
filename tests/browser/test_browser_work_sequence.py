"""The editor on a camera sequence: D and F go through the frames, and an object keeps its id
across them (selected, then boxed again on the next frame). A refusal by the rules is shown where
the button was, in the rule's own words."""

from __future__ import annotations

from typing import Any

import pytest
from browser_kit import (  # noqa: F401  (fixtures)
    browser,
    check_accessibility,
    outside_playwright,
    page,
    screenshot,
)
from test_browser_work import editor_ready, on_screen, runner_of, sign_in_as

from annobatch.storage.blobs import open_blob_store
from conftest import Live
from work_pages_world import PROJECT, TYPE, StreetWorld, street_world

#: The dashboard's queries run on both databases in tests/server; a browser adds nothing per database.
pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def drive(live: Live) -> StreetWorld:
    with outside_playwright():
        store = open_blob_store(live.server.data_dir)
        return street_world(live.world.ops.db, store, live.world.runner, cameras=0, sequence=True)


def boxes_by_frame(page: Any) -> dict[str, list[str]]:
    """Frame key → the object ids boxed on it, in the editor's document."""
    return page.evaluate(
        "(t) => { const ol = window.annobatchEditor.documents[t].openlabel; const out = {};"
        " for (const [k, f] of Object.entries(ol.frames)) out[k] = Object.keys(f.objects || {}).sort();"
        " return out; }",
        TYPE,
    )


def rect_on(page: Any, frame: str, uid: str) -> list[float]:
    """An object's box on a frame: [x, y, w, h] from the top left."""
    val = page.evaluate(
        "([t, f, u]) => window.annobatchEditor.documents[t].openlabel.frames[f]"
        ".objects[u].object_data.bbox[0].val",
        [TYPE, frame, uid],
    )
    return [val[0] - val[2] / 2, val[1] - val[3] / 2, val[2], val[3]]


def test_an_object_keeps_its_id_across_the_frames_of_a_sequence(
    page: Any, live: Live, drive: StreetWorld
) -> None:
    ops, run = drive.ops, runner_of(live)
    sign_in_as(page, drive.annotator, "/work")
    page.get_by_role("button", name="Claim next").click()
    editor_ready(page)
    assert page.locator("#frame-label").inner_text() == "Frame 1 of 2 (f1)"

    page.get_by_role("button", name="1 car").click()
    page.mouse.move(*on_screen(page, 248, 248))
    page.mouse.down()
    page.mouse.move(*on_screen(page, 372, 322), steps=5)
    page.mouse.up()
    page.locator("#stage").focus()
    page.keyboard.press("f")
    page.wait_for_function("() => document.getElementById('frame-image').src.endsWith('/images/1')")
    assert page.locator("#frame-label").inner_text() == "Frame 2 of 2 (f2)"
    assert page.locator("#overlay g.box").count() == 0
    assert "not in this view" in page.locator("#object-list").inner_text()
    # The car is still selected: its box on this frame is the same object's, starting where it was
    # on the frame before, then moved 40 px with the car.
    for key in ["n", "Enter", *["Shift+ArrowRight"] * 4]:
        page.keyboard.press(key)
    uid = page.evaluate("() => window.annobatchEditor.state.selected")
    assert boxes_by_frame(page) == {"0": [uid], "1": [uid]}
    assert rect_on(page, "1", uid) == [pytest.approx(v, abs=1.5) for v in (288, 248, 124, 74)]
    assert page.locator("#object-list li").count() == 1
    check_accessibility(page)
    screenshot(page, "work-editor-sequence-frame-2")
    page.keyboard.press("d")
    assert page.locator("#frame-label").inner_text() == "Frame 1 of 2 (f1)"

    # Zoomed in with the wheel about the car's corner, the corner stays under the pointer; space
    # and a drag pan the view.
    corner = on_screen(page, 248, 248)
    page.mouse.move(*corner)
    page.mouse.wheel(0, -400)
    zoomed = page.evaluate("() => window.annobatchEditor.state.view.s")
    assert zoomed > 1.5 * page.evaluate("() => document.getElementById('stage').clientWidth / 640") - 0.01
    assert on_screen(page, 248, 248) == pytest.approx(corner, abs=1)
    page.locator("#stage").focus()
    page.keyboard.down(" ")
    page.mouse.down()
    page.mouse.move(corner[0] - 100, corner[1] - 50, steps=3)
    page.mouse.up()
    page.keyboard.up(" ")
    assert on_screen(page, 248, 248) == pytest.approx((corner[0] - 100, corner[1] - 50), abs=1)
    screenshot(page, "work-editor-zoomed")
    page.get_by_role("button", name="Fit").click()

    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved at").wait_for()
    (mine,) = [t for t in run(ops.work_pages.my_work(drive.caller(drive.annotator))).tasks]
    draft = run(ops.work.task(drive.caller(drive.annotator), mine.task.id)).draft
    frames = draft[TYPE]["openlabel"]["frames"]
    assert {k: sorted(f["objects"]) for k, f in frames.items()} == {"0": [uid], "1": [uid]}
    assert [f["frame_properties"]["external_id"] for f in frames.values()] == ["f1", "f2"]

    # Given up behind the page's back (the lease, another tab): the next save is refused, in the
    # rule's words, where the buttons are.
    run(ops.work.give_up(drive.caller(drive.annotator), mine.task.id))
    page.get_by_role("button", name="Save draft").click()
    alert = page.locator("#action-slot [role=alert]")
    alert.wait_for()
    assert alert.inner_text() == f"task {mine.task.id} is todo, not ongoing"
    screenshot(page, "work-editor-refused")
    assert run(ops.work.task(drive.staff, mine.task.id)).task.status == "todo"
    assert PROJECT in page.locator(".crumbs").inner_text()
