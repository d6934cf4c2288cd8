"""The dashboard as a new user meets it: `annobatch demo` (the real command, a fresh data
directory), then the browser. The client signs in with the demo's credentials, sees the demo
project's batches with their progress and publishes one; the demo's annotator claims a camera
scene, draws two boxes and submits; the demo's reviewer accepts; the official client (all six
hosts pointed at the server) reads the delivered annotation with the two boxes. The screenshots of
the project page and the editor are the README's."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_kit import (
    VIEWPORT,
    check_accessibility,
    launched_chromium,
    outside_playwright,
    screenshot,
    sign_in,
)
from test_browser_work import editor_ready, on_screen

from annobatch.cli.operator.demo import ANNOTATOR_FILE, REVIEWER_FILE, WORK_PROJECT, WORK_TYPE
from liveserver import annobatch_command, free_port, serving, six_host_client


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`annobatch demo --port PORT` in a fresh directory: (its URL, its data directory)."""
    workdir = tmp_path_factory.mktemp("demo")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANNOBATCH_")}
    command = [*annobatch_command(), "demo", "--port", str(port)]
    with serving(command, port, workdir / "demo.log", env, cwd=workdir):
        yield f"http://127.0.0.1:{port}", workdir / "data"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Its own browser: the demo is the server here, not the session's `live` one."""
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def page(chromium: Any, demo: tuple[str, Path]) -> Iterator[Any]:
    context = chromium.new_context(base_url=demo[0], viewport=VIEWPORT)
    context.set_default_timeout(15_000)
    p = context.new_page()
    p.on("dialog", lambda d: d.accept())
    try:
        yield p
    finally:
        context.close()


def credentials(data: Path, name: str) -> tuple[str, str]:
    doc = json.loads((data / name).read_text())
    return doc["clientId"], doc["clientSecret"]


def become(page: Any, data: Path, name: str, path: str) -> None:
    if page.get_by_role("button", name="Sign out").count():
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_load_state()
    sign_in(page, *credentials(data, name), path=path)


def test_a_new_user_publishes_annotates_reviews_and_reads_the_delivery(
    page: Any, demo: tuple[str, Path]
) -> None:
    url, data = demo
    # The client: the demo project's batches with their progress; publish the open one.
    become(page, data, "demo-credentials.json", "/projects")
    page.get_by_role("link", name=WORK_PROJECT, exact=False).first.click()
    page.wait_for_url(f"**/projects/{WORK_PROJECT}")
    rows = page.locator("table tbody tr")
    assert rows.count() == 2
    assert "6 inputs: 3 completed, 1 in progress, 2 not started" in rows.nth(1).inner_text()
    check_accessibility(page)
    page.get_by_role("button", name="Publish batch 2024-w11").click()
    page.locator("table tbody tr", has_text="2024-w11").get_by_text("ready", exact=True).wait_for()
    screenshot(page, "demo-project", full_page=False)  # the README's (the audit log runs on)

    # The annotator: the next task is a camera scene of the street; two boxes, then submit.
    become(page, data, ANNOTATOR_FILE, "/work")
    page.get_by_role("button", name="Claim next").click()
    editor_ready(page)
    scene = page.locator("a", has_text="scene ").first.inner_text().removeprefix("scene ")
    # Its picture: the car 20 px further on per scene (crossing-005: x 330 to 450), the pedestrian.
    for name, (x0, y0, x1, y1) in (("1 car", (328, 248, 452, 322)), ("2 pedestrian", (468, 198, 502, 302))):
        page.get_by_role("button", name=name).click()
        page.mouse.move(*on_screen(page, x0, y0))
        page.mouse.down()
        page.mouse.move(*on_screen(page, x1, y1), steps=5)
        page.mouse.up()
        page.keyboard.press("Escape")  # nothing selected: the next class is for the next box
    assert page.locator("#overlay g.box").count() == 2
    screenshot(page, "demo-editor", full_page=False)  # the README's
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/work*")

    # The reviewer accepts every submitted annotation waiting (the demo left one, ours is next).
    become(page, data, REVIEWER_FILE, "/work")
    for _ in range(2):
        page.get_by_role("button", name="Claim next").click()
        page.wait_for_url("**/work/tasks/*")
        page.get_by_role("button", name="Accept").click()
        page.wait_for_load_state()

    # The official client reads the delivery: the scene's annotation holds the two boxes.
    with outside_playwright():  # the official client runs an event loop of its own
        client = six_host_client(url, str(data / "demo-credentials.json"))
        (found,) = client.scene.get_scenes_by_external_ids([scene])
        (delivered,) = [
            a
            for a in client.annotation.get_project_annotations(WORK_PROJECT, WORK_TYPE)
            if a.scene_uuid == found.uuid
        ]
    objects = delivered.content["openlabel"]["objects"]
    assert sorted(o["type"] for o in objects.values()) == ["car", "pedestrian"]
    (frame,) = delivered.content["openlabel"]["frames"].values()
    centres = sorted(b["val"][:2] for o in frame["objects"].values() for b in o["object_data"]["bbox"])
    assert centres == [pytest.approx([390, 285], abs=2), pytest.approx([485, 250], abs=2)]
