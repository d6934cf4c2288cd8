"""The dashboard's session and CSRF, in process: signing in (with the id and secret, or the pasted
credentials file), the signed and expiring HttpOnly cookie, the way back to the page asked for,
a forged or missing CSRF token refused, and an unknown page answered with a page."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from litestar.testing import TestClient

from annobatch.domain import Role
from annobatch.server.dashboard.session import COOKIE, Session, SessionCodec
from annobatch.server.dashboard.web import safe_next
from annobatch.services.accounts import NewCredential
from annobatch.services.identity import Caller
from conftest import World
from dashboard_forms import HTML, csrf_of, sign_in


@pytest.fixture
def client_cred(world: World) -> NewCredential:
    org = world.org("acme")
    world.project(org, "highway", ["object-detection"])
    return world.credential(org)


def test_a_page_without_a_session_sends_to_sign_in_and_back(
    app_client: TestClient[Any], client_cred: NewCredential
) -> None:
    r = app_client.get("/projects?x=1", headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/sign-in?next=/projects%3Fx%3D1"
    signed = sign_in(app_client, client_cred, "/projects?x=1")
    assert signed.status_code == 303
    assert signed.headers["location"] == "/projects?x=1"


def test_the_session_cookie_is_signed_http_only_and_same_site_lax(
    app_client: TestClient[Any], client_cred: NewCredential
) -> None:
    r = sign_in(app_client, client_cred)
    cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith(COOKIE))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Max-Age=28800" in cookie
    assert app_client.get("/projects", headers=HTML).status_code == 200


def test_a_wrong_secret_is_told_on_the_sign_in_page(
    app_client: TestClient[Any], client_cred: NewCredential
) -> None:
    form = app_client.get("/sign-in", headers=HTML)
    data = {"_csrf": csrf_of(form.text), "client_id": client_cred.record.client_id, "client_secret": "nope"}
    r = app_client.post("/sign-in", data=data, headers=HTML)
    assert r.status_code == 401
    assert "Unknown client id or wrong client secret." in r.text
    assert COOKIE not in r.headers.get("set-cookie", "")


def test_the_credentials_file_pasted_signs_in(
    app_client: TestClient[Any], client_cred: NewCredential
) -> None:
    form = app_client.get("/sign-in", headers=HTML)
    pasted = json.dumps({"clientId": client_cred.record.client_id, "clientSecret": client_cred.secret})
    data = {"_csrf": csrf_of(form.text), "credentials": pasted, "next": "/projects"}
    r = app_client.post("/sign-in", data=data, headers=HTML, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/projects")


def test_sign_in_without_its_form_token_is_refused(
    app_client: TestClient[Any], client_cred: NewCredential
) -> None:
    data = {"client_id": client_cred.record.client_id, "client_secret": client_cred.secret}
    r = app_client.post("/sign-in", data=data, headers=HTML)
    assert r.status_code == 403


def test_a_forged_or_missing_csrf_token_is_refused_with_a_page(
    app_client: TestClient[Any], client_cred: NewCredential
) -> None:
    sign_in(app_client, client_cred)
    for data in ({}, {"_csrf": "forged"}):
        r = app_client.post("/sign-out", data=data, headers=HTML)
        assert r.status_code == 403
        assert r.headers["content-type"].startswith("text/html")
        assert "nothing was done" in r.text
    assert app_client.get("/projects", headers=HTML).status_code == 200  # still signed in


def test_sign_out_with_the_token_ends_the_session(
    app_client: TestClient[Any], client_cred: NewCredential
) -> None:
    sign_in(app_client, client_cred)
    token = csrf_of(app_client.get("/projects", headers=HTML).text)
    r = app_client.post("/sign-out", data={"_csrf": token}, headers=HTML, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/sign-in")
    assert app_client.get("/projects", headers=HTML, follow_redirects=False).status_code == 303


def test_the_htmx_header_carries_the_token_too(
    app_client: TestClient[Any], client_cred: NewCredential
) -> None:
    sign_in(app_client, client_cred)
    token = csrf_of(app_client.get("/projects", headers=HTML).text)
    r = app_client.post("/sign-out", headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert (r.status_code, r.headers["hx-redirect"]) == (200, "/sign-in")


def test_a_revoked_credential_loses_its_session(
    app_client: TestClient[Any], world: World, client_cred: NewCredential
) -> None:
    sign_in(app_client, client_cred)
    world.run(world.ops.accounts.revoke_credential(client_cred.record.client_id))
    app_client.app.state.authority.forget()
    r = app_client.get("/projects", headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/sign-in?next=/projects")


def test_an_unknown_page_answers_a_404_page_and_the_api_its_json(app_client: TestClient[Any]) -> None:
    page = app_client.get("/no/such/page", headers=HTML)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Not found" in page.text and "Traceback" not in page.text
    api = app_client.get("/v1/no-such-endpoint", headers=HTML)
    assert api.status_code == 404 and api.json()["code"] == "not-found"


CALLER = Caller("c1", 1, 1, Role.CLIENT, None, "c1@example.com", 7)


def test_a_session_cookie_round_trips_and_expires() -> None:
    codec = SessionCodec("k" * 40, 60)
    session = Session.of(CALLER, 60, "acme", now=1000)
    cookie = codec.encode(session)
    assert codec.decode(cookie, now=1059) == session
    assert codec.decode(cookie, now=1060) is None
    assert codec.decode(cookie, now=1000).caller == CALLER  # type: ignore[union-attr]


def test_a_tampered_or_foreign_cookie_is_no_session() -> None:
    codec = SessionCodec("k" * 40, 60)
    cookie = codec.encode(Session.of(CALLER, 60, now=time.time()))
    body, _, mac = cookie.partition(".")
    assert codec.decode(body + "." + mac[:-2] + "AA") is None
    assert SessionCodec("j" * 40, 60).decode(cookie) is None
    for junk in ("", "x", "a.b", "....", None):
        assert codec.decode(junk) is None


@pytest.mark.parametrize(
    ("asked", "goes"),
    [
        ("/projects/p?x=1", "/projects/p?x=1"),
        ("//evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("", "/"),
    ],
)
def test_signing_in_goes_back_only_to_a_page_of_this_server(asked: str, goes: str) -> None:
    assert safe_next(asked) == goes
