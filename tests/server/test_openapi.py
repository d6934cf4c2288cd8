"""The served OpenAPI document."""

from __future__ import annotations


def test_the_openapi_document_lists_the_api(app_client) -> None:
    doc = app_client.get("/schema/openapi.json").json()
    assert doc["info"]["title"] == "annobatch"
    for path in ("/v1/projects", "/v1/projects/{project}/batches/{batch}/publish", "/v1/auth/oauth/token"):
        assert path in doc["paths"], path
