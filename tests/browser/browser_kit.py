"""The browser tests' kit: Debian's chromium driven by Playwright (never a downloaded browser),
against the session's real server (`live`, tests/conftest.py), with helpers to sign in, take a
screenshot of a page and check its accessibility with the vendored axe-core.

A test module imports the fixtures it uses, e.g.

    from browser_kit import browser, page, sign_in, screenshot, check_accessibility  # noqa: F401

Without /usr/bin/chromium the tests skip locally, and fail in CI (`CI` set): `make install-test`
installs it (Debian's `chromium`) when run as root.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import annobatch.server.dashboard as dashboard
from annobatch.domain import Role
from annobatch.server.dashboard.session import COOKIE, Session, SessionCodec
from annobatch.services import Services
from annobatch.services.accounts import NewCredential
from annobatch.services.identity import Caller, load_signing_key, operator
from annobatch.services.placement import insert_input
from annobatch.services.transactions import writing
from annobatch.storage.blobs import open_blob_store
from annobatch.storage.records import SceneRecord, now_micros
from conftest import Live, World

CHROMIUM = Path(os.environ.get("ANNOBATCH_CHROMIUM", "/usr/bin/chromium"))
#: Where screenshots go (gitignored); ANNOBATCH_SCREENSHOTS names another directory.
SCREENSHOTS = Path(os.environ.get("ANNOBATCH_SCREENSHOTS", Path(__file__).parent / "screenshots"))
AXE = dashboard.STATIC / "axe.min.js"
#: What the accessibility check holds every page to: WCAG 2.1 A and AA (labels on every control,
#: contrast, keyboard reach: focusable scroll regions, no nested controls, no positive tabindex).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORT = {"width": 1280, "height": 860}


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = (
        f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
        "(`make install-test` as root installs it: apt-get install -y --no-install-recommends chromium)"
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextlib.contextmanager
def outside_playwright() -> Iterator[None]:
    """Playwright's sync API leaves its event loop marked running on this thread; asyncio refuses
    to run another loop (the set-up helpers' `asyncio.Runner`) until it is unmarked."""
    loop = asyncio.events._get_running_loop()
    asyncio.events._set_running_loop(None)
    try:
        yield
    finally:
        asyncio.events._set_running_loop(loop)


class Seeder:
    """The live server's set-up helpers (`live.world`), callable while the browser runs; and a few
    of its own: scenes placed in a batch, annotations delivered to them."""

    def __init__(self, world: World, data_dir: Path) -> None:
        self._world = world
        self._data_dir = data_dir
        self._n = 0

    @property
    def ops(self) -> Any:
        return self._world.ops

    def inputs(
        self,
        org: int,
        project: str,
        batch: str,
        n: int,
        *,
        status: str = "created",
        error: str | None = None,
        scene_type: str = "cameras",
        prefix: str = "scene",
    ) -> list[str]:
        """`n` scenes placed in the batch as the services place them (each input gets its task);
        answers the scenes' external ids."""

        async def go() -> list[str]:
            names = []
            async with writing(self._world.ops.db) as uow:
                p = await uow.projects.get(org, project)
                b = await uow.batches.get(p.id, batch)
                ws = (await uow.workspaces.of(org))[0]
                for _ in range(n):
                    self._n += 1
                    now = now_micros()
                    name = f"{prefix}-{self._n:03d}"
                    scene = SceneRecord(
                        str(uuid.uuid4()), org, ws.id, name, scene_type, status, None, None,
                        p.id, b.id, False, "{}", "fp", error, now, now, True,
                    )  # fmt: skip
                    await uow.scenes.create(scene, [])
                    await insert_input(uow, operator(org), p, b.id, scene, status)
                    names.append(name)
            return names

        with outside_playwright():
            return self._world.run(go())

    def deliver(self, org: int, project: str, batch: str, files: dict[str, bytes]) -> Any:
        """Annotations delivered to the batch's inputs as `annobatch annotations import` does
        (`<scene external id>.<type>.json`)."""
        ops = Services.over(self._world.ops.db, open_blob_store(self._data_dir))
        with outside_playwright():
            return self._world.run(ops.work.import_annotations(operator(org), project, batch, files))

    def __getattr__(self, name: str) -> Callable[..., Any]:
        helper = getattr(self._world, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            with outside_playwright():
                return helper(*args, **kwargs)

        return call


@pytest.fixture
def seed(live: Live) -> Seeder:
    """Set-up helpers on the live server's database: `seed.org(...)`, `seed.run(seed.ops....)`."""
    return Seeder(live.world, live.server.data_dir)


@pytest.fixture(scope="module")
def browser(live: Live) -> Iterator[Any]:
    """One headless chromium per test module, started after the live server (see
    `outside_playwright`) and stopped with the module, so that the tests after it find no
    event loop marked running."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            # root in a container has no user namespaces for chromium's sandbox
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, live: Live) -> Iterator[Any]:
    """A fresh browser context (no cookies) with one page, its base URL the live server. A page
    that logs a script error or a refused resource (the content-security-policy) fails the test."""
    context = browser.new_context(base_url=live.url, viewport=VIEWPORT)
    context.set_default_timeout(15_000)
    p = context.new_page()
    problems: list[str] = []
    p.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    p.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" and not _refusal_noted(m.text)
            else None
        ),
    )
    # Confirmations are accepted; what they said is kept for the test (`dialogs(page)`).
    said: list[str] = []
    p.on("dialog", lambda d: (said.append(d.message), d.accept()))
    p.annobatch_dialogs = said
    try:
        yield p
        assert problems == [], "the page reported problems:\n" + "\n".join(problems)
    finally:
        context.close()


def _refusal_noted(text: str) -> bool:
    """What the browser and htmx log of an answer refused on purpose (4xx): not a problem."""
    return "status of 4" in text or "Response Status Error Code 4" in text


def dialogs(page: Any) -> list[str]:
    """What the page's confirmation dialogs said, in order (each was accepted)."""
    said: list[str] = page.annobatch_dialogs
    return said


def sign_in(page: Any, client_id: str, secret: str, path: str = "/") -> None:
    """Sign in through the sign-in page (arriving at `path` afterwards)."""
    page.goto(path)
    if "/sign-in" not in page.url:
        page.goto("/sign-in?next=" + path)
    page.get_by_label("Client id").fill(client_id)
    page.get_by_label("Client secret").fill(secret)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def screenshot(page: Any, name: str) -> Path:
    """The whole page as `<SCREENSHOTS>/<name>.png`."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def check_accessibility(page: Any) -> None:
    """axe-core over the page as it is: no violation of `AXE_TAGS` (labels, contrast, keyboard)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url="/static/axe.min.js")
    result = page.evaluate(
        "async (tags) => await axe.run(document,"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:5])
        for v in result["violations"]
    ]
    assert found == [], f"accessibility violations on {page.url}:\n" + "\n".join(found)


def keyboard_reaches(page: Any, name: str, presses: int = 80) -> bool:
    """Whether pressing Tab from the top of the page focuses a control named `name`."""
    page.locator("body").focus()
    for _ in range(presses):
        page.keyboard.press("Tab")
        label = page.evaluate(
            "() => { const e = document.activeElement; if (!e) return '';"
            " return (e.getAttribute('aria-label') || e.innerText || e.value || '').trim(); }"
        )
        if label == name:
            return True
    return False


def session_cookie(live: Live, caller: Caller, *, expires_in: float, org_name: str = "") -> dict[str, Any]:
    """A session cookie for `caller`, signed with the server's own key, expiring in `expires_in`
    seconds (negative: already expired), for `context.add_cookies`."""
    with outside_playwright():
        key = live.world.run(load_signing_key(live.world.ops.db, ""))
    codec = SessionCodec(key, 3600)
    session = Session.of(caller, 0, org_name, now=time.time() + expires_in)
    return {
        "name": COOKIE,
        "value": codec.encode(session),
        "url": live.url,
        "httpOnly": True,
        "sameSite": "Lax",
    }


def caller_of(cred: NewCredential) -> Caller:
    r = cred.record
    org = r.organization_id
    return Caller(r.client_id, org, org, Role(r.role), r.workspace_id, r.email, r.user_id)
