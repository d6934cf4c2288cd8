"""Dashboard benchmark: how long the server takes to answer the client's pages, signed in, over a
project of 1,000 batches and a batch of 100,000 inputs. Prints p50 and p99 per page.

    .venv/bin/python bench/dashboard.py                    # 300 requests per page
    .venv/bin/python bench/dashboard.py --requests 1000 --batches 1000 --inputs 100000

The data is seeded in a temporary SQLite file: the organization, its projects and batches through
the services (as the API makes them), the scenes and inputs with one SQL statement per table (a
mix of work statuses, every 50th input failed with an error). The app runs in process (Litestar's
TestClient: the whole request, from the session cookie to the rendered page, without a socket);
each page is asked for in turns, after a warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from annobatch.server.app import create_app
from annobatch.services import Services
from annobatch.services.identity import operator
from annobatch.settings import Settings
from annobatch.storage.database import open_database
from annobatch.storage.migrate import upgrade

T0 = 1_700_000_000_000_000  # µs: seeded rows are created one µs apart from here
_SEED = """
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < :count - 1)
INSERT INTO {table} ({columns}) SELECT {values} FROM n
"""
_SCENES = (
    "id, organization_id, workspace_id, external_id, scene_type, status, project_id, batch_id,"
    " motion_compensate, spec, fingerprint, error_message, created, updated, batch_named",
    "printf('%08x-0000-4000-8000-%012x', :tag, i), :org, :ws, 'seed-' || :tag || '-' || i,"
    " CASE WHEN i % 7 = 0 THEN 'lidars-and-cameras' ELSE 'cameras' END,"
    " CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'created' END, :project, :batch, 0, '{}', '',"
    " CASE WHEN i % 50 = 0 THEN 'image front.jpg is not a JPEG' ELSE NULL END, :t0 + i, :t0 + i, 1",
)
_INPUTS = (
    "id, organization_id, project_id, batch_id, scene_id, status, created, work_status, phase",
    "printf('%08x-0000-4000-9000-%012x', :tag, i), :org, :project, :batch,"
    " printf('%08x-0000-4000-8000-%012x', :tag, i),"
    " CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'created' END, :t0 + i,"
    " CASE i % 3 WHEN 0 THEN 'not_started' WHEN 1 THEN 'in_progress' ELSE 'completed' END, i % 2",
)


def seed_inputs(db: Path, org: int, ws: str, project: int, batch: int, count: int, tag: int) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    params = {"tag": tag, "org": org, "ws": ws, "project": project, "batch": batch, "t0": T0, "count": count}
    conn.execute("BEGIN IMMEDIATE")
    for columns, values in (_SCENES, _INPUTS):
        table = "scenes" if columns is _SCENES[0] else "inputs"
        conn.execute(_SEED.format(table=table, columns=columns, values=values), params)
    conn.execute("COMMIT")
    conn.close()


async def seed(db_path: Path, batches: int, per_batch: int, big: int) -> dict[str, Any]:
    """Project `fleet` of `batches` batches of `per_batch` inputs each, project `highway` with one
    batch `big` of `big` inputs; answers the client credential and the ids."""
    db = open_database(f"sqlite:///{db_path}")
    await db.connect()
    ops = Services.over(db)
    org, ws = await ops.accounts.create_organization("acme")
    staff = operator(org.id)
    for project in ("fleet", "highway"):
        await ops.projects.create_project(staff, project, title=project.title(), annotation_types=["od"])
    for n in range(batches):
        await ops.batches.create_batch(staff, "fleet", f"2024-{n:04d}")
    await ops.batches.create_batch(staff, "highway", "big")
    cred = await ops.accounts.create_credential(org.id, workspace=None, staff=False)
    await db.close()
    conn = sqlite3.connect(db_path)
    ids = dict(conn.execute("SELECT external_id, id FROM projects").fetchall())
    fleet_batches = conn.execute("SELECT id FROM batches WHERE project_id = ?", (ids["fleet"],)).fetchall()
    (big_batch,) = conn.execute("SELECT id FROM batches WHERE project_id = ?", (ids["highway"],)).fetchone()
    conn.close()
    for tag, (batch_id,) in enumerate(fleet_batches, 1):
        seed_inputs(db_path, org.id, ws.id, ids["fleet"], batch_id, per_batch, tag)
    seed_inputs(db_path, org.id, ws.id, ids["highway"], big_batch, big, 0x0B16)
    sqlite3.connect(db_path).execute("ANALYZE").connection.close()
    return {"client_id": cred.record.client_id, "secret": cred.secret}


def sign_in(client: TestClient[Any], client_id: str, secret: str) -> None:
    form = client.get("/sign-in").text
    token = re.search(r'name="_csrf" value="([^"]+)"', form)
    assert token is not None
    data = {"_csrf": token.group(1), "client_id": client_id, "client_secret": secret}
    r = client.post("/sign-in", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text


def deep_cursor(client: TestClient[Any], url: str, pages: int) -> str:
    """The cursor of a page deep in the batch (followed from its first page)."""
    path = url
    for _ in range(pages):
        found = re.search(r'href="(\?[^"]*cursor=[^"]+)" rel="next"', client.get(path).text)
        assert found is not None
        path = url + found.group(1).replace("&amp;", "&")
    return path


def measure(
    client: TestClient[Any], pages: dict[str, str], requests: int
) -> dict[str, tuple[list[float], list[float]]]:
    """Per page: the wall-clock time of each request, and the CPU time this process spent on it
    (the app runs in this process): on a machine shared with other work, the CPU time is what
    the page costs, the wall-clock time what it cost that moment."""
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in pages}
    for name, path in pages.items():  # warm-up: compiled statements, templates
        for _ in range(5):
            assert client.get(path).status_code == 200, (name, path)
    for _ in range(requests):
        for name, path in pages.items():
            wall, cpu = time.perf_counter(), time.process_time()
            r = client.get(path)
            times[name][1].append((time.process_time() - cpu) * 1000)
            times[name][0].append((time.perf_counter() - wall) * 1000)
            assert r.status_code == 200
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--batches", type=int, default=1000)
    parser.add_argument("--per-batch", type=int, default=10)
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="seed this directory once and keep it (reused when seeded)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.keep or Path(tmp)
        data.mkdir(parents=True, exist_ok=True)
        db_path = data / "annobatch.db"
        kept = data / "credential.json"
        if kept.exists():
            cred = json.loads(kept.read_text())
        else:
            upgrade(f"sqlite:///{db_path}")
            start = time.perf_counter()
            cred = asyncio.run(seed(db_path, args.batches, args.per_batch, args.inputs))
            print(f"seeded in {time.perf_counter() - start:.1f} s")
            kept.write_text(json.dumps(cred))
        settings = Settings(data_dir=data, database_url=f"sqlite:///{db_path}", sweep_interval_seconds=0)
        with TestClient(create_app(settings)) as client:
            sign_in(client, cred["client_id"], cred["secret"])
            big = "/projects/highway/batches/big"
            pages = {
                f"project page, {args.batches:,} batches ({args.batches * args.per_batch:,} inputs)": (
                    "/projects/fleet"
                ),
                f"batch page, {args.inputs:,} inputs: first page": big,
                "batch page: page 40 (cursor)": deep_cursor(client, big, 40),
                "batch page: failed only": big + "?status=failed",
                "batch page: with an error, lidars-and-cameras": big
                + "?error=yes&scene_type=lidars-and-cameras",
                "projects page": "/projects",
            }
            times = measure(client, pages, args.requests)
    width = max(len(n) for n in times)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, load average {load}; {args.requests} requests per page")
    print(f"{'page':<{width}}  {'p50 ms':>7}  {'p99 ms':>7}  {'CPU p50':>7}  {'CPU p99':>7}")
    for name, (wall, cpu) in times.items():
        qw, qc = statistics.quantiles(wall, n=100), statistics.quantiles(cpu, n=100)
        print(
            f"{name:<{width}}  {statistics.median(wall):>7.1f}  {qw[98]:>7.1f}"
            f"  {statistics.median(cpu):>7.1f}  {qc[98]:>7.1f}"
        )


if __name__ == "__main__":
    main()
