"""The served OpenAPI document: it lists the API, and describes every request body, so that a
client generated from it, or a fuzzer driven by it, knows what to send."""

from __future__ import annotations

from typing import Any

import pytest

#: The operations that change something but take no body, and why.
NO_BODY = {
    ("post", "/v1/projects/{project}/batches/{batch}/publish"): "the batch is named in the path",
    ("post", "/v1/projects/{project}/batches/{batch}/actions/{action}"): "the move is named in the path",
    ("post", "/v1/inputs/{scene}/actions/commit"): "the scene is named in the path",
    ("post", "/v1/inputs/{scene}/actions/abandon"): "the scene is named in the path",
    ("post", "/v1/workforce/tasks/{task}/give-up"): "the task is named in the path",
    ("post", "/v1/webhooks/{webhook}/deliveries/{delivery}/replay"): "the delivery is named in the path",
    ("post", "/v1/jobs/{job_id}/retry"): "the job is named in the path",
}

#: The bodies that may be left out (the defaults apply).
OPTIONAL_BODY = {
    ("post", "/v1/projects/{project}/batches/{batch}"),
    ("post", "/v1/inputs/initialize"),
    ("post", "/v2/inputs/query"),
    ("post", "/v1/workforce/tasks/claim"),
}

SCENE_PATHS = [
    "/v1/inputs/{scene_type}",
    "/v1/inputs/project/{project}/{scene_type}",
    "/v1/inputs/project/{project}/batch/{batch}/{scene_type}",
]
SCENE_BODIES = {
    "CamerasScene",
    "CamerasSequenceScene",
    "LidarsScene",
    "LidarsSequenceScene",
    "LidarsAndCamerasScene",
    "LidarsAndCamerasSequenceScene",
}
WRITE_HEADERS = {"X-Dryrun", "Idempotency-Key"}


@pytest.fixture
def doc(app_client) -> dict[str, Any]:
    r = app_client.get("/schema/openapi.json")
    assert r.status_code == 200
    return dict(r.json())


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        assert name in doc["components"]["schemas"], schema["$ref"]
        return dict(doc["components"]["schemas"][name])
    return schema


def header_names(op: dict[str, Any]) -> set[str]:
    return {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}


def test_the_openapi_document_lists_the_api(app_client) -> None:
    doc = app_client.get("/schema/openapi.json").json()
    assert doc["info"]["title"] == "annobatch"
    for path in ("/v1/projects", "/v1/projects/{project}/batches/{batch}/publish", "/v1/auth/oauth/token"):
        assert path in doc["paths"], path


def test_every_operation_that_takes_a_body_describes_it(doc) -> None:
    changes = [(m, p, op) for m, p, op in operations(doc) if m in {"post", "put", "patch"}]
    assert len(changes) >= 24
    for method, path, op in changes:
        if (method, path) in NO_BODY:
            continue
        body = op.get("requestBody")
        assert body, f"{method.upper()} {path} describes no request body"
        assert body["content"], f"{method.upper()} {path}"
        for media_type, content in body["content"].items():
            schema = resolve(doc, content.get("schema") or {})
            described = schema.get("type") or schema.get("oneOf")
            assert described, f"{method.upper()} {path} {media_type}: {schema}"


def test_the_operations_without_a_body_are_the_listed_ones_and_take_none(doc) -> None:
    found = {(m, p): op for m, p, op in operations(doc)}
    for key in NO_BODY:
        assert key in found, key
        assert "requestBody" not in found[key], key


def test_json_bodies_are_their_wire_models(doc) -> None:
    body = doc["paths"]["/v1/projects/{project}/batches/{batch}"]["post"]["requestBody"]
    schema = resolve(doc, body["content"]["application/json"]["schema"])
    assert set(schema["properties"]) == {"publishPreviousBatches", "title"}


def test_only_the_bodies_that_may_be_left_out_are_optional(doc) -> None:
    bodies = {(m, p): op["requestBody"] for m, p, op in operations(doc) if "requestBody" in op}
    optional = {key for key, body in bodies.items() if not body.get("required")}
    assert optional == OPTIONAL_BODY


@pytest.mark.parametrize("path", SCENE_PATHS)
def test_a_scene_create_describes_every_scene_type(doc, path: str) -> None:
    body = doc["paths"][path]["post"]["requestBody"]
    one_of = body["content"]["application/json"]["schema"]["oneOf"]
    assert {ref["$ref"].removeprefix("#/components/schemas/") for ref in one_of} == SCENE_BODIES
    assert body["required"] is True


def test_an_upload_is_any_bytes_and_a_token_request_a_form(doc) -> None:
    upload = doc["paths"]["/v1/uploads/{scene}/{position}"]["put"]["requestBody"]["content"]
    assert upload == {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
    token = doc["paths"]["/v1/auth/oauth/token"]["post"]["requestBody"]["content"]
    form = token["application/x-www-form-urlencoded"]["schema"]
    assert set(form["properties"]) == {"grant_type", "client_id", "client_secret"}


def test_the_write_headers_are_documented_on_every_change_and_on_no_read(doc) -> None:
    for method, path, op in operations(doc):
        if method == "get":
            assert not header_names(op) & WRITE_HEADERS, f"GET {path}"
    writes = [(m, p) for m, p, op in operations(doc) if header_names(op) >= WRITE_HEADERS]
    assert ("post", "/v1/projects/{project}/batches/{batch}") in writes
    assert ("post", "/v1/inputs/{scene_type}") in writes
    assert ("delete", "/v2/inputs/{input_uuid}") in writes
    # Initialize is never a dry run (the official client initializes even for one).
    assert ("post", "/v1/inputs/initialize") not in writes
