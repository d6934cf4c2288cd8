def test_the_openapi_document_lists_the_api(app_client) -> None:
    doc = app_client.get("/schema/openapi.json").json()
    assert doc["info"]["title"] == "annobatch"
    for path in ("/v1/projects", "/v1/projects/{project}/batches/{batch}/publish", "/v1/auth/oauth/token"):
        assert path in doc["paths"], path


def test_health_reports_the_database(app_client) -> None:
    body = app_client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"] in {"sqlite", "postgresql"}
