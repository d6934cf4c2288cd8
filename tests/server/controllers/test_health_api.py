"""`GET /healthz`."""

from __future__ import annotations


def test_health_reports_the_database(app_client) -> None:
    body = app_client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"] in {"sqlite", "postgresql"}
