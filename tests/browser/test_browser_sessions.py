"""Signing in and out in a real browser: a wrong secret is told on the sign-in page; an expired
session goes to sign in and then back to the page asked for; a forged form is refused; an unknown
page answers a page, never a traceback."""

from __future__ import annotations

from typing import Any

import pytest
from browser_kit import (  # noqa: F401  (fixtures)
    Seeder,
    browser,
    caller_of,
    check_accessibility,
    page,
    screenshot,
    seed,
    session_cookie,
    sign_in,
)

from conftest import Live, unique

#: The dashboard's queries run on both databases in tests/server; a browser adds nothing per database.
pytestmark = pytest.mark.sqlite_only


def test_a_wrong_secret_is_told_on_the_sign_in_page(page: Any, live: Live, seed: Seeder) -> None:
    org = seed.org(unique("acme"))
    cred = seed.credential(org)
    page.goto("/sign-in")
    check_accessibility(page)
    screenshot(page, "sign-in")
    sign_in(page, cred.record.client_id, "not-the-secret")
    assert page.get_by_role("alert").inner_text() == "Unknown client id or wrong client secret."
    assert page.get_by_label("Client id").input_value() == cred.record.client_id
    check_accessibility(page)
    screenshot(page, "sign-in-wrong-secret")


def test_an_expired_session_signs_in_again_and_comes_back(page: Any, live: Live, seed: Seeder) -> None:
    org = seed.org(unique("acme"))
    cred = seed.credential(org)
    page.context.add_cookies([session_cookie(live, caller_of(cred), expires_in=-1)])
    page.goto("/projects?status=open")
    assert "/sign-in?next=" in page.url
    sign_in(page, cred.record.client_id, cred.secret, path="/projects?status=open")
    assert page.url == f"{live.url}/projects?status=open"
    assert page.get_by_role("heading", level=1).inner_text() == "Projects"


def test_a_form_with_a_forged_csrf_token_is_refused(page: Any, live: Live, seed: Seeder) -> None:
    org = seed.org(unique("acme"))
    cred = seed.credential(org)
    sign_in(page, cred.record.client_id, cred.secret, path="/projects")
    page.eval_on_selector("form[action='/sign-out'] input[name=_csrf]", "e => e.value = 'forged'")
    with page.expect_navigation():  # a script's submit is not awaited as a click is
        page.eval_on_selector("form[action='/sign-out']", "f => f.submit()")
    page.wait_for_load_state()
    assert "nothing was done" in page.get_by_role("alert").inner_text()
    check_accessibility(page)
    screenshot(page, "csrf-refused")
    page.goto("/projects")
    assert "/sign-in" not in page.url  # still signed in: the forged sign-out did nothing


def test_signing_out_ends_the_session(page: Any, live: Live, seed: Seeder) -> None:
    org = seed.org(unique("acme"))
    cred = seed.credential(org)
    sign_in(page, cred.record.client_id, cred.secret, path="/projects")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == "Signed out."
    page.goto("/projects")
    assert "/sign-in" in page.url


def test_an_unknown_page_answers_a_404_page(page: Any, live: Live, seed: Seeder) -> None:
    org = seed.org(unique("acme"))
    cred = seed.credential(org)
    sign_in(page, cred.record.client_id, cred.secret, path="/projects")
    response = page.goto("/no/such/page")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Not found"
    assert "Traceback" not in page.content()
    check_accessibility(page)
    screenshot(page, "not-found")
