"""Migrations carry what a database holds forward, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command

from annobatch.storage.database import Query, open_database
from annobatch.storage.migrate import alembic_config, upgrade
from conftest import fresh_postgres_database

WS_A, WS_B = "aaaaaaaa-0000-0000-0000-000000000000", "bbbbbbbb-0000-0000-0000-000000000000"
SCENE_A, SCENE_B = "aaaaaaaa-1111-0000-0000-000000000000", "bbbbbbbb-1111-0000-0000-000000000000"

BEFORE_0003 = [
    "INSERT INTO organizations (id, name, created) VALUES (1, 'acme', 0)",
    *(
        "INSERT INTO workspaces (id, external_id, organization_id, name, created)"
        f" VALUES ('{ws}', 'x', 1, '{ws}', 0)"
        for ws in (WS_A, WS_B)
    ),
    "INSERT INTO projects (id, organization_id, external_id, title, description, status, created, updated,"
    " batches_revision) VALUES (1, 1, 'p1', 'P', '', 'ongoing', 0, 0, 1)",
    "INSERT INTO batches (id, project_id, external_id, title, status, created, updated)"
    " VALUES (1, 1, 'b1', 'b1', 'open', 0, 0)",
    *(
        "INSERT INTO scenes (id, organization_id, workspace_id, external_id, scene_type, status,"
        " motion_compensate, spec, fingerprint, created, updated)"
        f" VALUES ('{scene}', 1, '{ws}', 'x', 'cameras', 'created', false, '{{}}', 'fp', 0, 0)"
        for scene, ws in ((SCENE_A, WS_A), (SCENE_B, WS_B))
    ),
]
EVENTS = [
    ("batch.created", {"status": "open"}),
    ("input.created", {"input": "i1", "scene": SCENE_A}),
    ("input.invalidated", {"input": "i2", "scene": SCENE_B, "reason": "duplicate"}),
    ("input.deleted", {"input": "i1", "scene": SCENE_A}),
]


@pytest.fixture
def url_before_0003(
    database_url: str, tmp_path: Path, postgres_admin_url: str | None, runner: asyncio.Runner
) -> Iterator[str]:
    """A database of its own at the revision before 0003 (`database_url` only picks the backend)."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'old.db'}"
        upgrade(url, "0002")
        yield url
        return
    assert postgres_admin_url is not None
    with fresh_postgres_database(postgres_admin_url, runner, migrate=False) as url:
        upgrade(url, "0002")
        yield url


def run_sql(url: str, runner: asyncio.Runner, statements: list[str], read: str) -> list[tuple[object, ...]]:
    async def go() -> list[tuple[object, ...]]:
        db = open_database(url)
        await db.connect()
        try:
            async with db.transaction(write=True) as tx:
                for sql in statements:
                    await tx.execute(Query(sql))
                return [tuple(r) for r in await tx.fetch_all(Query(read))]
        finally:
            await db.close()

    return runner.run(go())


def test_the_audit_logs_entries_about_inputs_are_filed_in_their_scenes_workspace(
    url_before_0003: str, runner: asyncio.Runner
) -> None:
    entries = [
        "INSERT INTO events (organization_id, project_id, batch_id, kind, actor, data, created)"
        f" VALUES (1, 1, 1, '{kind}', 'test', '{json.dumps(data)}', 0)"
        for kind, data in EVENTS
    ]
    run_sql(url_before_0003, runner, BEFORE_0003 + entries, "SELECT 1")
    upgrade(url_before_0003)
    rows = run_sql(url_before_0003, runner, [], "SELECT kind, workspace_id FROM events ORDER BY id")
    assert rows == [
        ("batch.created", None),
        ("input.created", WS_A),
        ("input.invalidated", WS_B),
        ("input.deleted", WS_A),
    ]


@pytest.fixture
def url_before_0004(
    database_url: str, tmp_path: Path, postgres_admin_url: str | None, runner: asyncio.Runner
) -> Iterator[str]:
    """A database of its own at the revision before 0004 (`database_url` only picks the backend)."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'old.db'}"
        upgrade(url, "0003")
        yield url
        return
    assert postgres_admin_url is not None
    with fresh_postgres_database(postgres_admin_url, runner, migrate=False) as url:
        upgrade(url, "0003")
        yield url


def test_scenes_are_carried_into_0004_as_they_behaved(url_before_0004: str, runner: asyncio.Runner) -> None:
    """Before 0004 a scene's commit sent it to the batch chosen at its create: such a scene counts
    as having named its batch (its commit goes there or nowhere, as before); a scene without a
    project named none."""
    placed = (
        "INSERT INTO scenes (id, organization_id, workspace_id, external_id, scene_type, status,"
        " project_id, batch_id, motion_compensate, spec, fingerprint, created, updated)"
        f" VALUES ('cccccccc-1111-0000-0000-000000000000', 1, '{WS_A}', 'x', 'cameras', 'pending',"
        " 1, 1, false, '{}', 'fp', 0, 0)"
    )
    run_sql(url_before_0004, runner, [*BEFORE_0003, placed], "SELECT 1")
    upgrade(url_before_0004)
    rows = run_sql(url_before_0004, runner, [], "SELECT id, batch_named FROM scenes ORDER BY id")
    assert [(sid, bool(named)) for sid, named in rows] == [
        (SCENE_A, False),
        (SCENE_B, False),
        ("cccccccc-1111-0000-0000-000000000000", True),
    ]


@pytest.fixture
def url_before_0005(
    database_url: str, tmp_path: Path, postgres_admin_url: str | None, runner: asyncio.Runner
) -> Iterator[str]:
    """A database of its own at the revision before 0005 (`database_url` only picks the backend)."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'old.db'}"
        upgrade(url, "0004")
        yield url
        return
    assert postgres_admin_url is not None
    with fresh_postgres_database(postgres_admin_url, runner, migrate=False) as url:
        upgrade(url, "0004")
        yield url


def test_inputs_made_before_0005_get_their_annotate_task_and_the_error_types_are_seeded(
    url_before_0005: str, runner: asyncio.Runner
) -> None:
    """An input whose scene is created gets its annotate task (todo, unassigned) as a new one
    would; one whose scene is still processing waits for it, as a new one does."""
    processing = "cccccccc-1111-0000-0000-000000000000"
    rows = [
        *(sql for sql in BEFORE_0003 if not sql.startswith("INSERT INTO scenes")),
        *(
            "INSERT INTO scenes (id, organization_id, workspace_id, external_id, scene_type, status,"
            " motion_compensate, spec, fingerprint, created, updated, batch_named)"
            f" VALUES ('{scene}', 1, '{WS_A}', 'x', 'cameras', '{status}', false, '{{}}', 'fp', 0, 0, false)"
            for scene, status in ((SCENE_A, "created"), (processing, "processing"))
        ),
        *(
            "INSERT INTO inputs (id, organization_id, project_id, batch_id, scene_id, status, created)"
            f" VALUES ('{iid}', 1, 1, 1, '{scene}', '{status}', 5)"
            for iid, scene, status in (
                ("input-a", SCENE_A, "created"),
                ("input-p", processing, "processing"),
            )
        ),
    ]
    run_sql(url_before_0005, runner, rows, "SELECT 1")
    upgrade(url_before_0005)
    tasks = run_sql(
        url_before_0005,
        runner,
        [],
        "SELECT input_id, kind, phase, status, assignee, holder, project_id, batch_id FROM tasks",
    )
    assert tasks == [("input-a", "annotate", 0, "todo", None, None, 1, 1)]
    work = run_sql(url_before_0005, runner, [], "SELECT id, work_status, phase FROM inputs ORDER BY id")
    assert work == [("input-a", "not_started", 0), ("input-p", "not_started", 0)]
    (count,) = run_sql(url_before_0005, runner, [], "SELECT count(*) FROM error_types")
    assert count[0] == 7


@pytest.fixture
def url_before_0006(
    database_url: str, tmp_path: Path, postgres_admin_url: str | None, runner: asyncio.Runner
) -> Iterator[str]:
    """A database of its own at revision 0005 (`database_url` only picks the backend)."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'old6.db'}"
        upgrade(url, "0005")
        yield url
        return
    assert postgres_admin_url is not None
    with fresh_postgres_database(postgres_admin_url, runner, migrate=False) as url:
        upgrade(url, "0005")
        yield url


def test_reviews_made_before_0006_are_not_automatic_and_downgrading_drops_what_0006_added(
    url_before_0006: str, runner: asyncio.Runner
) -> None:
    rows = [
        *(sql for sql in BEFORE_0003 if not sql.startswith("INSERT INTO scenes")),
        "INSERT INTO scenes (id, organization_id, workspace_id, external_id, scene_type, status,"
        " motion_compensate, spec, fingerprint, created, updated, batch_named)"
        f" VALUES ('{SCENE_A}', 1, '{WS_A}', 'x', 'cameras', 'created', false, '{{}}', 'fp', 0, 0, false)",
        "INSERT INTO inputs (id, organization_id, project_id, batch_id, scene_id, status, created)"
        f" VALUES ('input-a', 1, 1, 1, '{SCENE_A}', 'created', 5)",
        "INSERT INTO reviews (id, organization_id, project_id, input_id, phase, accepted, feedback, actor,"
        " created) VALUES ('review-a', 1, 1, 'input-a', 1, true, '[]', 'someone', 6)",
    ]
    run_sql(url_before_0006, runner, rows, "SELECT 1")
    upgrade(url_before_0006, "0006")
    reviews = run_sql(url_before_0006, runner, [], "SELECT id, automatic FROM reviews")
    assert [(r, bool(a)) for r, a in reviews] == [("review-a", False)]
    assert run_sql(url_before_0006, runner, [], "SELECT count(*) FROM pre_annotations") == [(0,)]
    assert run_sql(url_before_0006, runner, [], "SELECT count(*) FROM input_pre_annotations") == [(0,)]
    command.downgrade(alembic_config(url_before_0006), "0005")
    assert run_sql(url_before_0006, runner, [], "SELECT id FROM reviews") == [("review-a",)]
