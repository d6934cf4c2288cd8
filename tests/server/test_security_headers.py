"""Every answer carries the security headers, whoever makes it (a handler, the error table,
Litestar, the path check), over the whole route table, signed in or not; no server banner but
ours; CORS is closed unless origins are configured, and then open to those only."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from annobatch.server.app import create_app
from annobatch.settings import Settings
from conftest import Live, World, bearer

NOSNIFF = ("x-content-type-options", "nosniff")


def assert_secured(r: httpx.Response) -> None:
    where = f"{r.request.method} {r.request.url.path} → {r.status_code}"
    h = r.headers
    assert h.get("x-content-type-options") == "nosniff", where
    assert h.get("x-frame-options") == "DENY", where
    assert h.get("referrer-policy") == "no-referrer", where
    policy = h.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy, where
    if not h.get("content-type", "").startswith("text/html"):
        assert "default-src 'none'" in policy, where
    assert h.get("server", "annobatch") == "annobatch", where
    assert "x-powered-by" not in h, where


def route_table(client: TestClient[Any]) -> list[tuple[str, str]]:
    """(method, path) of every route, with a made-up value in each path parameter."""
    found = []
    for route in client.app.routes:
        path = re.sub(r"\{(\w+):int\}", "0", route.path)
        path = re.sub(r"\{\w+(:\w+)?\}", "p1", path)
        for method in sorted(getattr(route, "methods", ())):
            found.append((method, path))
    return found


@pytest.fixture
def signed_in(app_client: TestClient[Any], world: World) -> dict[str, str]:
    org = world.org("acme")
    world.project(org, "p1", ["object-detection"])
    return bearer(app_client, world.credential(org))


@pytest.mark.parametrize("who", ["signed in", "stranger"])
def test_every_route_answers_with_the_security_headers(
    app_client: TestClient[Any], signed_in: dict[str, str], who: str
) -> None:
    headers = signed_in if who == "signed in" else {}
    table = route_table(app_client)
    assert len(table) > 40
    for method, path in table:
        body = b"{}" if method in {"POST", "PUT", "PATCH"} else None
        assert_secured(app_client.request(method, path, content=body, headers=headers))


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/healthz", 200),
        ("GET", "/schema/openapi.json", 200),
        ("GET", "/nowhere", 404),  # Litestar's own not found
        ("DELETE", "/healthz", 405),
        ("GET", "/v1/projects/p1%2Fbatches", 400),  # the path check answers before Litestar
        ("PUT", "/v1/uploads/x/0?expires=1&signature=ab", 403),
        ("POST", "/v1/auth/oauth/token", 400),
        ("GET", "/view/00000000-0000-0000-0000-000000000000", 200),  # a page: sign in first
        ("POST", "/v1/projects/p1/batches/b1", 413),
    ],
)
def test_errors_pages_and_uploads_carry_them_too(
    app_client: TestClient[Any], signed_in: dict[str, str], method: str, path: str, status: int
) -> None:
    body = b" " * (2 * 1024 * 1024) if status == 413 else None
    r = app_client.request(method, path, headers=signed_in, content=body)
    assert r.status_code == status, r.text
    assert_secured(r)


def test_the_scene_page_asks_to_sign_in_first_and_cannot_be_framed(app_client: TestClient[Any]) -> None:
    scene = "/view/00000000-0000-0000-0000-000000000000"
    r = app_client.get(scene, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/sign-in?next={scene}"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_a_real_server_shows_no_banner_of_its_make(live: Live) -> None:
    r = httpx.get(f"{live.url}/healthz", timeout=10)
    assert r.headers["server"] == "annobatch"
    assert_secured(r)


# --------------------------------------------------------------------------------------- CORS

PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}


def test_cors_is_closed_by_default(app_client: TestClient[Any], signed_in: dict[str, str]) -> None:
    origin = {"Origin": "https://app.example"}
    r = app_client.options("/v1/projects", headers={**origin, **PREFLIGHT})
    assert "access-control-allow-origin" not in r.headers
    r = app_client.get("/v1/projects", headers={**signed_in, **origin})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    assert_secured(r)


@pytest.fixture
def cors_client(settings: Settings) -> Iterator[TestClient[Any]]:
    allowed = dataclasses.replace(settings, cors_origins=("https://app.example",))
    with TestClient(create_app(allowed)) as client:
        yield client


def test_cors_is_open_to_the_configured_origins_only(cors_client: TestClient[Any], world: World) -> None:
    org = world.org("acme")
    headers = bearer(cors_client, world.credential(org))
    r = cors_client.options("/v1/projects", headers={"Origin": "https://app.example", **PREFLIGHT})
    assert r.status_code in {200, 204}, r.text
    assert r.headers["access-control-allow-origin"] == "https://app.example"
    assert "authorization" in r.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in r.headers
    assert_secured(r)
    r = cors_client.get("/v1/projects", headers={**headers, "Origin": "https://app.example"})
    assert r.headers["access-control-allow-origin"] == "https://app.example"
    for other in ("https://evil.example", "null"):
        r = cors_client.options("/v1/projects", headers={"Origin": other, **PREFLIGHT})
        assert r.headers.get("access-control-allow-origin") in {None, ""}
        r = cors_client.get("/v1/projects", headers={**headers, "Origin": other})
        assert r.headers.get("access-control-allow-origin") in {None, ""}
