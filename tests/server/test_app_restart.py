"""An app that is not running starts again over other settings: its database, data directory and
keys are those it starts with (the suite reuses one app; an embedding program may too)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from annobatch.server.app import create_app
from annobatch.services import Services
from annobatch.services.identity import operator
from annobatch.settings import Settings
from annobatch.storage.database import open_database


def _settings(tmp: Path, template: Path, name: str) -> Settings:
    data = tmp / name
    data.mkdir()
    shutil.copy(template, data / "annobatch.db")
    return Settings(data_dir=data, database_url=f"sqlite:///{data / 'annobatch.db'}", public_url="")


def _token(client: TestClient[Any], client_id: str, secret: str) -> int:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return client.post("/v1/auth/oauth/token", data=form).status_code


def test_a_stopped_app_starts_over_the_database_it_is_given(
    tmp_path: Path, sqlite_template: Path, runner: asyncio.Runner
) -> None:
    first = _settings(tmp_path, sqlite_template, "first")
    second = _settings(tmp_path, sqlite_template, "second")
    db = open_database(first.database_url)
    runner.run(db.connect())
    try:
        ops = Services.over(db)
        org, _ = runner.run(ops.accounts.create_organization("only-in-first"))
        cred = runner.run(ops.accounts.create_credential(org.id, workspace=None, staff=False))
    finally:
        runner.run(db.close())

    app = create_app(first)
    with TestClient(app) as client:
        assert _token(client, cred.record.client_id, cred.secret) == 200
    app.state.settings = second
    with TestClient(app) as client:
        assert _token(client, cred.record.client_id, cred.secret) == 401
    app.state.settings = first
    with TestClient(app) as client:
        assert _token(client, cred.record.client_id, cred.secret) == 200


def test_a_list_kept_before_a_restart_is_not_answered_after_it(
    tmp_path: Path, sqlite_template: Path, runner: asyncio.Runner
) -> None:
    """Both databases have organization 1 at the same project-list revision, with other projects:
    each start answers its own database's list."""
    creds = []
    settings = [_settings(tmp_path, sqlite_template, name) for name in ("first", "second")]
    for s, project in zip(settings, ("alpha", "beta"), strict=True):
        db = open_database(s.database_url)
        runner.run(db.connect())
        try:
            ops = Services.over(db)
            org, _ = runner.run(ops.accounts.create_organization("acme"))
            runner.run(ops.projects.create_project(operator(org.id), project, title=project))
            creds.append(runner.run(ops.accounts.create_credential(org.id, workspace=None, staff=False)))
        finally:
            runner.run(db.close())

    app = create_app(settings[0])
    seen = []
    for s, cred in zip(settings, creds, strict=True):
        app.state.settings = s
        with TestClient(app) as client:
            form = {
                "grant_type": "client_credentials",
                "client_id": cred.record.client_id,
                "client_secret": cred.secret,
            }
            token = client.post("/v1/auth/oauth/token", data=form).json()["access_token"]
            r = client.get("/v1/projects", headers={"Authorization": f"Bearer {token}"})
            seen.append([p["project"] for p in r.json()["data"]])
    assert seen == [["alpha"], ["beta"]]
