"""Request bodies decode strictly into their wire models: a field of the wrong type is refused
naming it, never converted; a body that is needed and missing is refused; one that may be left out
takes the defaults."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import World, bearer


@pytest.fixture
def h(app_client: TestClient[Any], world: World) -> dict[str, str]:
    org = world.org("acme")
    world.project(org, "p1", ["object-detection"])
    return bearer(app_client, world.credential(org))


@pytest.mark.parametrize("value", ["true", 1, "1", None])
def test_a_boolean_is_never_taken_from_another_type(app_client, h, value: Any) -> None:
    r = app_client.post("/v1/projects/p1/batches/b1", json={"publishPreviousBatches": value}, headers=h)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "invalid-body"
    assert r.json()["message"].startswith(
        "invalid request body: field publishPreviousBatches: Expected `bool`"
    )


@pytest.mark.parametrize("body", [b"[]", b"null", b'"x"', b"1"])
def test_a_body_that_is_not_an_object_is_refused(app_client, h, body: bytes) -> None:
    r = app_client.post("/v1/projects/p1/batches/b1", content=body, headers=h)
    assert r.status_code == 400 and r.json()["code"] == "invalid-body", r.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/v1/projects"),
        ("put", "/v1/projects/p1/status"),
        ("put", "/v1/projects/p1/annotation-types"),
        ("post", "/v2/scenes/query"),
        ("post", "/v1/inputs/fetch"),
        ("post", "/v1/calibrations"),
        ("post", "/v1/inputs/cameras"),
    ],
)
def test_a_needed_body_left_out_is_bad_input(app_client, h, method: str, path: str) -> None:
    r = app_client.request(method, path, headers=h)
    assert r.status_code == 400, r.text
    assert r.json() == {"message": "the request needs a JSON body", "code": "invalid-body"}


@pytest.mark.parametrize("body", [b"", b"  \n\t"])
def test_a_body_that_may_be_left_out_takes_the_defaults_when_empty(app_client, h, body: bytes) -> None:
    r = app_client.post("/v1/projects/p1/batches/b1", content=body, headers=h)
    assert r.status_code == 200 and r.json()["data"]["title"] == "b1", r.text
    r = app_client.post("/v1/inputs/initialize", content=body, headers=h)
    assert r.status_code == 200, r.text
    r = app_client.post("/v2/inputs/query", content=body, headers=h)
    assert r.status_code == 200 and r.json()["data"] == [], r.text


def test_a_bad_parameter_is_named_before_a_missing_body(app_client, h) -> None:
    r = app_client.post("/v1/inputs/fetch?limit=0", headers=h)
    assert r.json() == {"message": "invalid request: limit: Expected `int` >= 1", "code": "invalid-input"}
