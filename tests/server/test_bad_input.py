"""Bad input gets a 400 whose message stands alone, and changes nothing. Never a 5xx."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from conftest import World, bearer


@pytest.fixture
def h(app_client: TestClient[Any], world: World) -> dict[str, str]:
    org = world.org("acme")
    world.project(org, "p1", ["object-detection"])
    return bearer(app_client, world.credential(org))


def test_malformed_json_is_bad_input(app_client, h) -> None:
    r = app_client.post("/v1/projects/p1/batches/b1", content=b"{nope", headers=h)
    assert r.status_code == 400 and r.json() == {
        "message": "the request body is not valid JSON",
        "code": "invalid-json",
    }


def test_a_wrong_type_names_the_field(app_client, h) -> None:
    r = app_client.post("/v1/projects/p1/batches/b1", json={"publishPreviousBatches": "yes"}, headers=h)
    assert r.status_code == 400
    assert (
        r.json()["message"]
        == "invalid request body: field publishPreviousBatches: Expected `bool`, got `str`"
    )


def test_unknown_fields_are_ignored(app_client, h) -> None:
    r = app_client.post(
        "/v1/projects/p1/batches/b1", json={"publishPreviousBatches": False, "x": 1}, headers=h
    )
    assert r.status_code == 200


def test_an_empty_body_takes_the_defaults(app_client, h) -> None:
    assert app_client.post("/v1/projects/p1/batches/b1", headers=h).json()["data"]["status"] == "open"


def test_an_id_outside_the_rule_names_the_rule(app_client, h) -> None:
    r = app_client.post("/v1/projects/p1/batches/bad%20id!", json={}, headers=h)
    assert r.status_code == 400
    assert r.json()["message"].startswith("invalid batch id 'bad id!': a batch id is 1-128 characters")
    assert app_client.get("/v1/projects/p1/batches", headers=h).json() == {"data": []}


def test_a_body_over_one_mebibyte_is_too_large(app_client, h) -> None:
    r = app_client.post("/v1/projects/p1/batches/b1", content=b" " * (1024 * 1024 + 1), headers=h)
    assert r.status_code == 413 and r.json()["code"] == "too-large"


def test_an_unknown_endpoint_is_a_json_404(app_client, h) -> None:
    r = app_client.get("/v1/nothing-here", headers=h)
    assert r.status_code == 404 and r.json()["code"] == "not-found"


def test_a_bad_cursor_is_bad_input(app_client, h) -> None:
    r = app_client.get("/v1/projects/p1/events?cursorId=abc", headers=h)
    assert (
        r.status_code == 400 and r.json()["message"] == "invalid request: cursorId: Expected `int`, got `str`"
    )


@pytest.mark.parametrize("path", ["/v1/projects/p1/events", "/v1/projects/p1/batches/b1/events"])
@pytest.mark.parametrize("cursor", ["9223372036854775808", "99999999999999999999999999999999"])
def test_a_cursor_beyond_64_bits_is_bad_input_naming_it(app_client, h, path: str, cursor: str) -> None:
    app_client.post("/v1/projects/p1/batches/b1", json={}, headers=h)
    r = app_client.get(f"{path}?cursorId={cursor}", headers=h)
    assert r.status_code == 400, r.text
    assert r.json() == {
        "message": "invalid request: cursorId: Expected `int` <= 9223372036854775807",
        "code": "invalid-input",
    }


#: Arabic-Indic, fullwidth and superscript digits, and ASCII digits mixed with one of them.
OTHER_DIGITS = ["\u0661\u0662\u0663", "\uff11\uff12\uff13", "\u00b9", "12\u0663"]


@pytest.mark.parametrize("path", ["/v1/projects/p1/events", "/v1/projects/p1/batches/b1/events"])
@pytest.mark.parametrize("cursor", OTHER_DIGITS)
def test_a_cursor_in_digits_other_than_ascii_is_bad_input(app_client, h, path: str, cursor: str) -> None:
    app_client.post("/v1/projects/p1/batches/b1", json={}, headers=h)
    r = app_client.get(path, params={"cursorId": cursor}, headers=h)
    assert r.status_code == 400, r.text
    assert r.json()["message"].startswith("invalid request: cursorId: ")


def test_the_largest_cursor_is_an_empty_last_page(app_client, h) -> None:
    r = app_client.get("/v1/projects/p1/events?cursorId=9223372036854775807", headers=h)
    assert r.status_code == 200 and r.json() == {"data": [], "metadata": {"nextCursorId": None}}


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(body=st.binary(max_size=200), batch=st.text(min_size=1, max_size=20))
def test_no_body_or_id_makes_the_server_fail(app_client, h, body: bytes, batch: str) -> None:
    from urllib.parse import quote

    r = app_client.post(f"/v1/projects/p1/batches/{quote(batch, safe='')}", content=body, headers=h)
    assert r.status_code < 500, r.text
    assert set(r.json()) >= {"data"} or set(r.json()) == {"message", "code"}


def test_a_title_with_a_nul_is_refused_the_same_on_every_backend(app_client, h) -> None:
    r = app_client.post("/v1/projects/p1/batches/b1", json={"title": "a\u0000b"}, headers=h)
    assert r.status_code == 400 and r.json()["code"] == "invalid-title"


def test_an_encoded_slash_cannot_smuggle_a_path_into_an_id(app_client, h) -> None:
    app_client.post("/v1/projects/p1/batches/b1", json={}, headers=h)
    r = app_client.post("/v1/projects/p1%2Fbatches%2Fb1/publish", headers=h)
    assert r.status_code == 400 and r.json()["code"] == "invalid-id"
    assert app_client.get("/v1/projects/p1/batches/b1", headers=h).json()["data"]["status"] == "open"
