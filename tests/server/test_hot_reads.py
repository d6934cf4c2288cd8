"""`GET /v1/projects` answered before routing (`server/hot_reads.py`): the same answer as its
handler, byte for byte; every case it leaves to the app answered as before.

Which of the two answered is seen in the ASGI scope: the app's authentication hook records the
caller there (`scope["user"]`), the answer before routing does not."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from annobatch.services.identity import operator
from conftest import World, bearer

pytestmark = pytest.mark.postgres


def _call(
    client: TestClient[Any],
    path: str,
    headers: dict[str, str] | list[tuple[str, str]],
    query: bytes = b"",
) -> tuple[int, list[tuple[bytes, bytes]], bytes, dict[str, Any]]:
    """One GET through the app's ASGI entry, as a server makes it: (status, headers, body, the
    scope after the call). `headers` as a list may name a header twice."""
    pairs = list(headers.items()) if isinstance(headers, dict) else headers
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query,
        "root_path": "", "headers": [(k.lower().encode(), v.encode()) for k, v in pairs],
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {},
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def go() -> None:
        await client.app(scope, receive, send)  # type: ignore[arg-type]

    client.blocking_portal.call(go)
    return sent[0]["status"], sent[0]["headers"], b"".join(m.get("body", b"") for m in sent[1:]), scope


@pytest.fixture
def acme(app_client: TestClient[Any], world: World) -> dict[str, Any]:
    org = world.org("acme")
    world.project(org, "p1", ["object-detection"])
    world.project(org, "p2", ["object-detection"])
    return {
        "org": org,
        "client": bearer(app_client, world.credential(org)),
        "staff": bearer(app_client, world.credential(org, staff=True)),
    }


def test_the_plain_list_is_answered_before_routing_as_its_handler_answers_it(
    app_client: TestClient[Any], acme: dict[str, Any]
) -> None:
    status, headers, body, scope = _call(app_client, "/v1/projects", acme["client"])
    assert status == 200 and "user" not in scope
    # A query string (which the handler ignores) sends the same request through the router.
    routed = _call(app_client, "/v1/projects", acme["client"], b"unused=1")
    assert "user" in routed[3]
    assert (routed[0], routed[1], routed[2]) == (status, headers, body)
    assert [p["project"] for p in app_client.get("/v1/projects", headers=acme["client"]).json()["data"]] == [
        "p1",
        "p2",
    ]
    # Asked again (the kept answer) and through a doubled slash, the same bytes.
    assert _call(app_client, "/v1/projects", acme["client"])[:3] == (status, headers, body)
    doubled = _call(app_client, "//v1/projects", acme["client"])
    assert doubled[:3] == (status, headers, body)


def test_a_change_shows_in_the_list_answered_before_routing(
    app_client: TestClient[Any], acme: dict[str, Any], world: World
) -> None:
    assert len(_call(app_client, "/v1/projects", acme["client"])[2]) > 0
    r = app_client.post("/v1/projects", json={"project": "p3", "title": "Third"}, headers=acme["staff"])
    assert r.status_code == 200, r.text
    status, _, body, scope = _call(app_client, "/v1/projects", acme["client"])
    assert status == 200 and "user" not in scope and b'"p3"' in body
    world.project(acme["org"], "p4")  # a change made elsewhere (another worker, the operator CLI)
    assert b'"p4"' in _call(app_client, "/v1/projects", acme["client"])[2]


def test_staff_acting_for_another_organization_see_its_list(
    app_client: TestClient[Any], acme: dict[str, Any], world: World
) -> None:
    other = world.org("globex")
    world.project(other, "g1")
    status, _, body, scope = _call(
        app_client, "/v1/projects", {**acme["staff"], "X-Organization-Id": str(other)}
    )
    assert status == 200 and "user" not in scope
    assert b'"g1"' in body and b'"p1"' not in body
    status, _, body, scope = _call(
        app_client, "/v1/projects", {**acme["staff"], "X-Organization-Id": "999999"}
    )
    assert status == 404 and b"organization-not-found" in body
    # A client naming another organization still sees only its own.
    status, _, body, _ = _call(
        app_client, "/v1/projects", {**acme["client"], "X-Organization-Id": str(other)}
    )
    assert b'"g1"' not in body


def test_every_refusal_is_the_apps_own(
    app_client: TestClient[Any], acme: dict[str, Any], world: World
) -> None:
    status, headers, body, _ = _call(app_client, "/v1/projects", {})
    assert status == 401 and b"missing-token" in body
    assert (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'") in headers
    status, _, body, _ = _call(app_client, "/v1/projects", {"Authorization": "Bearer nonsense"})
    assert status == 401 and b"invalid-token" in body
    # A workforce member reaches only the workforce's routes: the list does not exist for them.
    member = world.run(world.ops.workforce.create_member(acme["org"], "annotator", "ann"))
    world.run(world.ops.workforce.add_to_project(operator(acme["org"]), "p1", member.record.user_id))
    status, _, body, _ = _call(app_client, "/v1/projects", bearer(app_client, member))
    assert status == 404 and b"not-found" in body
    # Two Authorization headers: not the plain case, so the app answers (it reads the first).
    two = [("Authorization", acme["client"]["Authorization"]), ("Authorization", "Bearer nonsense")]
    status, _, body, scope = _call(app_client, "/v1/projects", two)
    assert "user" in scope and (status, b'"p1"' in body) == (200, True)


def test_a_revoked_credential_is_refused(
    app_client: TestClient[Any], acme: dict[str, Any], world: World
) -> None:
    cred = world.credential(acme["org"])
    h = bearer(app_client, cred)
    assert _call(app_client, "/v1/projects", h)[0] == 200
    world.run(world.ops.accounts.revoke_credential(cred.record.client_id))
    app_client.app.state.authority._checked.clear()  # what the recheck interval would do
    status, _, body, _ = _call(app_client, "/v1/projects", h)
    assert status == 401 and b"credential-revoked" in body
