"""Annotation-work benchmark: task claims per second with 8 concurrent claimers, delivered
annotations per second, and `get_project_annotations` over 10,000 delivered annotations (items/s
with and without their content), on SQLite and PostgreSQL side by side in one run. It prints one
table and stops by itself.

    .venv/bin/python bench/work.py                  # SQLite, and PostgreSQL when reachable
    .venv/bin/python bench/work.py --claims 500 --annotations 2000 --no-postgres

PostgreSQL: `ANNOBATCH_BENCH_DATABASE_URL` (default postgresql://postgres@127.0.0.1:5432/test) names a
server to connect to; the bench creates a database of its own there and drops it afterwards.

How it measures, per backend, on a fresh database:

- **Claims/s**: a project with `--claims` inputs, each with its `annotate` task `todo` (scenes,
  inputs and tasks seeded with one statement per table), and 8 annotators, members of it. Eight
  claimers at once, each claiming as one annotator through `WorkService.claim` until nothing is
  left; claims over wall time. Every task must be claimed exactly once (checked). In process, on
  one event loop: on PostgreSQL each claim runs on its own pooled connection
  (`FOR UPDATE SKIP LOCKED`); SQLite has one writer at a time.
- **Delivered annotations/s**: a project whose workflow is `annotate` alone, so that a submit
  delivers: 8 annotators at once, each claiming and submitting (one validated OpenLABEL document
  per input, written to the blob store, the version delivered, the input completed, the batch
  moved when its last input completes) until nothing is left.
- **`get_project_annotations`**: a project with `--annotations` delivered annotations (seeded
  rows, one small OpenLABEL blob each), read page by page through `DeliveryService.project_annotations`
  (in process), and through the official `kognic-io` client against a granian server with one
  worker (all six hosts pointed at it), with `include_content=False` and `True`. With content, the
  client downloads every annotation's document by its signed URL, one request per annotation.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _common import free_port, scratch_postgres_database

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
CLAIMERS = 8
T0 = 1_700_000_000_000_000  # µs: seeded rows are created one µs apart from here
TYPE = "object-detection"


def openlabel(n: int) -> dict[str, Any]:
    """A small valid OpenLABEL document: three boxes in one camera frame."""
    classes = ["car", "pedestrian", "cyclist"]
    objects = {str(i): {"name": f"{c}-{n}", "type": c} for i, c in enumerate(classes, 1)}
    boxes = {
        str(i): {
            "object_data": {"bbox": [{"name": "box", "val": [10.0 * i, 20.0, 40.0, 30.0], "stream": "CAM"}]}
        }
        for i in range(1, 4)
    }
    frame = {"frame_properties": {"timestamp": 0, "streams": {"CAM": {}}}, "objects": boxes}
    return {
        "openlabel": {"metadata": {"schema_version": "1.0.0"}, "objects": objects, "frames": {"0": frame}}
    }


# ====================================================================================== backends


@dataclass
class Backend:
    name: str
    url: str
    data_dir: Path
    org: int = 0
    workspace: str = ""
    client_id: str = ""
    secret: str = ""
    results: dict[str, str] = field(default_factory=dict)


def postgres_reachable(url: str) -> bool:
    import asyncpg

    async def probe() -> None:
        conn = await asyncpg.connect(url, timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
    except Exception:
        return False
    return True


@contextlib.asynccontextmanager
async def services(b: Backend) -> AsyncIterator[Any]:
    from annobatch.services import Services
    from annobatch.storage.database import open_database

    db = open_database(b.url)
    await db.connect()
    try:
        yield Services.over(db, blob_store(b))
    finally:
        await db.close()


async def prepare(b: Backend) -> list[Any]:
    """Schema; organization `bench` with a client credential; projects `claims`, `deliver`
    (workflow `annotate`) and `big`, each with one batch; 8 annotators, members of the first two.
    Answers the annotators as callers."""
    from annobatch.domain import Role
    from annobatch.services.identity import Caller, operator
    from annobatch.storage.migrate import upgrade

    await asyncio.to_thread(upgrade, b.url)
    async with services(b) as ops:
        org, ws = await ops.accounts.create_organization("bench")
        cred = await ops.accounts.create_credential(org.id, workspace=None, staff=False)
        b.org, b.workspace, b.client_id, b.secret = org.id, ws.id, cred.record.client_id, cred.secret
        staff = operator(org.id)
        for project in ("claims", "deliver", "big"):
            await ops.projects.create_project(staff, project, title=project, annotation_types=[TYPE])
            await ops.batches.create_batch(staff, project, "b1")
        await ops.workforce.set_project_workflow(staff, "deliver", ["annotate"])
        annotators = []
        for i in range(CLAIMERS):
            made = await ops.workforce.create_member(org.id, "annotator", f"annotator {i}")
            for project in ("claims", "deliver"):
                await ops.workforce.add_to_project(staff, project, made.record.user_id)
            r = made.record
            annotators.append(
                Caller(r.client_id, org.id, org.id, Role.ANNOTATOR, None, r.email, user_id=r.user_id)
            )
        return annotators


async def _ids(ops: Any, project: str) -> tuple[int, int]:
    """The ids of `project` and of its one batch."""
    sql = "SELECT p.id, b.id FROM projects p JOIN batches b ON b.project_id = p.id WHERE p.external_id = :p"
    rows = await _fetch(ops, sql, p=project)
    return int(rows[0][0]), int(rows[0][1])


def blob_store(b: Backend) -> Any:
    from annobatch.storage.blobs import open_blob_store

    return open_blob_store(b.data_dir)


async def _fetch(ops: Any, sql: str, **values: Any) -> list[Any]:
    import sqlalchemy as sa

    from annobatch.storage.database import Query

    async with ops.db.transaction() as tx:
        return list(await tx.fetch_all(Query(sa.text(sql)), values))


async def seed(b: Backend, ops: Any, project: str, count: int, *, delivered: bool) -> float:
    """`count` created camera scenes in `project`'s batch and their inputs, inserted a few thousand
    rows per statement: with a `todo` annotate task each, or (`delivered`) completed with a
    delivered current annotation each, its OpenLABEL document in the blob store. Answers the
    seconds it took."""
    import sqlalchemy as sa

    from annobatch.storage import tables as t
    from annobatch.storage.database import Query

    start = time.perf_counter()
    project_id, batch_id = await _ids(ops, project)
    spec = '{"frames":[{}],"metadata":{},"sensorSpecification":null}'
    scenes, inputs, tasks, versions = [], [], [], []
    blob = json.dumps(openlabel(0)).encode()
    store = blob_store(b)
    for i in range(count):
        sid, iid, now = str(uuid.uuid4()), str(uuid.uuid4()), T0 + i
        scenes.append({
            "id": sid, "organization_id": b.org, "workspace_id": b.workspace, "external_id": f"{project}-{i}",
            "scene_type": "cameras", "status": "created", "calibration_id": None, "imu_id": None,
            "project_id": project_id, "batch_id": batch_id, "motion_compensate": True, "spec": spec,
            "fingerprint": "", "error_message": None, "created": now, "updated": now, "batch_named": True,
        })  # fmt: skip
        inputs.append({
            "id": iid, "organization_id": b.org, "project_id": project_id, "batch_id": batch_id,
            "scene_id": sid, "status": "created", "created": now,
            "work_status": "completed" if delivered else "not_started", "phase": 0,
            "work_updated": now if delivered else None, "completed": now if delivered else None,
        })  # fmt: skip
        if delivered:
            key = f"annotations/bench/{iid}-{TYPE}.json"
            info = await store.put(key, _one(blob))
            versions.append({
                "id": str(uuid.uuid4()), "organization_id": b.org, "project_id": project_id,
                "batch_id": batch_id, "input_id": iid, "scene_id": sid, "annotation_type": TYPE,
                "task_id": None, "blob_key": info.key, "size": info.size, "created": now, "delivered": now,
                "preliminary": False, "current": True,
            })  # fmt: skip
        else:
            tasks.append({
                "id": str(uuid.uuid4()), "organization_id": b.org, "project_id": project_id,
                "batch_id": batch_id, "input_id": iid, "kind": "annotate", "phase": 0, "status": "todo",
                "assignee": None, "holder": None, "touched": None, "draft": None, "review_id": None,
                "created": now, "finished": None,
            })  # fmt: skip
    for table, rows in (
        (t.scenes, scenes),
        (t.inputs, inputs),
        (t.tasks, tasks),
        (t.annotation_versions, versions),
    ):
        if not rows:
            continue
        cols = list(rows[0])
        q = Query(sa.insert(table).values({c: sa.bindparam(c) for c in cols}))
        for at in range(0, len(rows), 2000):
            async with ops.db.transaction(write=True) as tx:
                await tx.execute_many(q, rows[at : at + 2000])
    if b.url.startswith("postgresql"):
        async with ops.db.transaction(write=True) as tx:
            await tx.execute(Query(sa.text("ANALYZE")))
    return time.perf_counter() - start


async def publish(ops: Any, b: Backend, projects: tuple[str, ...]) -> None:
    """Open batches wait; published ones are handed out."""
    from annobatch.domain import BatchAction
    from annobatch.services.identity import operator

    for project in projects:
        await ops.batches.transition_batch(operator(b.org), project, "b1", BatchAction.PUBLISH)


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


# ======================================================================================= measures


async def claims_per_second(ops: Any, annotators: list[Any], expected: int) -> float:
    """Eight claimers at once, each as one annotator, until nothing is left to claim."""
    from annobatch.domain import Conflict

    claimed: list[str] = []

    async def claimer(caller: Any) -> None:
        while True:
            try:
                detail = await ops.work.claim(caller, project="claims")
            except Conflict:
                return
            claimed.append(detail.task.id)

    start = time.perf_counter()
    await asyncio.gather(*(claimer(a) for a in annotators))
    elapsed = time.perf_counter() - start
    if len(claimed) != expected or len(set(claimed)) != expected:
        raise AssertionError(f"{len(claimed)} claims of {len(set(claimed))} tasks; {expected} expected")
    return expected / elapsed


async def deliveries_per_second(ops: Any, annotators: list[Any], expected: int) -> float:
    """Eight annotators at once, each claiming and submitting until nothing is left; every
    submit delivers (workflow `annotate`)."""
    from annobatch.domain import Conflict

    delivered = 0
    docs = [openlabel(i) for i in range(16)]

    async def annotator(caller: Any) -> None:
        nonlocal delivered
        while True:
            try:
                detail = await ops.work.claim(caller, project="deliver")
            except Conflict:
                return
            versions = await ops.work.submit(caller, detail.task.id, {TYPE: docs[delivered % 16]})
            delivered += sum(1 for v in versions if v.delivered is not None) or len(versions)

    start = time.perf_counter()
    await asyncio.gather(*(annotator(a) for a in annotators))
    elapsed = time.perf_counter() - start
    if delivered != expected:
        raise AssertionError(f"{delivered} delivered, {expected} expected")
    return expected / elapsed


async def pages_in_process(b: Backend, ops: Any, expected: int, content: bool) -> float:
    """Items/s of `DeliveryService.project_annotations`, page after page (and each document read
    from the blob store with `content`)."""
    from annobatch.services.deliveries import DeliveryService
    from annobatch.services.identity import operator

    deliveries = DeliveryService(ops.db, blob_store(b))
    caller = operator(b.org)
    seen, after = 0, None
    start = time.perf_counter()
    while True:
        page = await deliveries.project_annotations(caller, "big", TYPE, after=after, limit=1000)
        for item in page.items:
            if content:
                json.loads(await deliveries.content(item))
        seen += len(page.items)
        if page.next_cursor is None:
            break
        after = page.next_cursor
    elapsed = time.perf_counter() - start
    if seen != expected:
        raise AssertionError(f"{seen} annotations listed, {expected} expected")
    return expected / elapsed


def official_client(base: str, b: Backend, expected: int, content: bool, sample: int) -> float:
    """Items/s of the official client's `get_project_annotations`: consumed to the end without
    content; with it, over the first `sample` items (the client downloads each document on a new
    event loop with a new HTTP client, ~40 ms apiece on its side alone)."""
    from kognic.io.client import KognicIOClient

    client = KognicIOClient(
        auth=(b.client_id, b.secret), host=base, auth_host=base, workspace_api_host=base,
        order_execution_api_host=base, annotation_integration_api_host=base,
        project_management_api_host=base,
    )  # fmt: skip
    client.project.get_projects()  # the token, before the clock
    want = min(sample, expected) if content else expected
    start = time.perf_counter()
    seen = 0
    for a in client.annotation.get_project_annotations("big", TYPE, include_content=content):
        assert not content or a.content
        seen += 1
        if seen == want:
            break
    elapsed = time.perf_counter() - start
    if seen != want:
        raise AssertionError(f"{seen} annotations from the client, {want} expected")
    return want / elapsed


def kept_alive(base: str, b: Backend, expected: int, content: bool) -> float:
    """Items/s of the same listing (pages of 1000) and, with `content`, every document by its signed
    URL, over one kept-alive HTTP connection (httpx): the server's pace without the client's."""
    with httpx.Client(base_url=base, timeout=60) as http:
        token = http.post(
            "/v1/auth/oauth/token",
            data={"grant_type": "client_credentials", "client_id": b.client_id, "client_secret": b.secret},
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        start = time.perf_counter()
        seen, cursor = 0, None
        while True:
            params = {"limit": "1000", **({"cursorId": cursor} if cursor else {})}
            r = http.get(
                f"/v1/annotations/projects/big/annotation-type/{TYPE}/search", params=params, headers=headers
            )
            r.raise_for_status()
            page = r.json()
            for item in page["data"]:
                if content:
                    got = http.get(item["uri"])
                    got.raise_for_status()
                    json.loads(got.content)
                seen += 1
            cursor = page["metadata"].get("nextCursorId")
            if not cursor:
                break
        elapsed = time.perf_counter() - start
    if seen != expected:
        raise AssertionError(f"{seen} annotations over HTTP, {expected} expected")
    return expected / elapsed


@contextlib.contextmanager
def server(url: str, data_dir: Path) -> Iterator[str]:
    """The annobatch app on granian, one worker, on a free loopback port."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ANNOBATCH_DATA": str(data_dir),
        "ANNOBATCH_DATABASE_URL": url,
        "ANNOBATCH_PUBLIC_URL": base,
    }
    cmd = [
        sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--no-ws",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "annobatch.server.app:from_env",
    ]  # fmt: skip
    log = data_dir / "server.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start; see {log}")
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# ========================================================================================== run


@dataclass(frozen=True)
class Options:
    claims: int
    deliveries: int
    annotations: int
    postgres: str | None
    client: bool
    content_sample: int


def bench_backend(b: Backend, opts: Options) -> None:
    r = b.results
    b.data_dir.mkdir(parents=True, exist_ok=True)

    async def in_process() -> None:
        annotators = await prepare(b)
        async with services(b) as ops:
            r["seed_claims"] = f"{await seed(b, ops, 'claims', opts.claims, delivered=False):.1f} s"
            r["seed_deliver"] = f"{await seed(b, ops, 'deliver', opts.deliveries, delivered=False):.1f} s"
            r["seed_big"] = f"{await seed(b, ops, 'big', opts.annotations, delivered=True):.1f} s"
            await publish(ops, b, ("claims", "deliver"))
            r["claims"] = f"{await claims_per_second(ops, annotators, opts.claims):,.0f}"
            r["deliveries"] = f"{await deliveries_per_second(ops, annotators, opts.deliveries):,.0f}"
            r["pages"] = f"{await pages_in_process(b, ops, opts.annotations, False):,.0f}"
            r["pages_content"] = f"{await pages_in_process(b, ops, opts.annotations, True):,.0f}"

    asyncio.run(in_process())
    print(f"  {b.name}: in process done", file=sys.stderr)
    if opts.client:
        with server(b.url, b.data_dir) as base:
            try:
                r["client"] = f"{official_client(base, b, opts.annotations, False, 0):,.0f}"
                r["client_content"] = (
                    f"{official_client(base, b, opts.annotations, True, opts.content_sample):,.1f}"
                )
                r["http"] = f"{kept_alive(base, b, opts.annotations, False):,.0f}"
                r["http_content"] = f"{kept_alive(base, b, opts.annotations, True):,.0f}"
            except Exception as e:  # the HTTP surface may be missing on a partial build
                print(f"  {b.name}: the official client failed: {e!r}", file=sys.stderr)
        print(f"  {b.name}: official client done", file=sys.stderr)


def machine() -> str:
    import granian

    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, granian {granian.__version__}, one worker"
    )


def table(backends: list[Backend], opts: Options) -> str:
    def cell(key: str) -> list[str]:
        return [b.results.get(key, "—") for b in backends]

    n = f"{opts.annotations:,}"
    rows = [
        (f"claims/s, {CLAIMERS} claimers at once (`WorkService.claim`, {opts.claims:,} tasks)", "claims"),
        (
            f"delivered annotations/s, {CLAIMERS} annotators claiming and submitting ({opts.deliveries:,})",
            "deliveries",
        ),
        (f"`get_project_annotations` over {n}, items/s, official client, without content", "client"),
        (
            f"`get_project_annotations` over {n}, items/s, official client, with content "
            f"(the first {opts.content_sample:,})",
            "client_content",
        ),
        ("the same listing over one kept-alive HTTP connection (httpx), items/s, without content", "http"),
        ("the same, each document downloaded by its signed URL, items/s", "http_content"),
        (f"`DeliveryService.project_annotations` over {n}, items/s, pages of 1000, in process", "pages"),
        ("the same, each document read from the blob store, items/s", "pages_content"),
        (f"seeding {opts.claims:,} + {opts.deliveries:,} inputs with their tasks", "seed_claims"),
        (f"seeding {n} delivered annotations (rows and blobs)", "seed_big"),
    ]
    head = "| | " + " | ".join(b.name for b in backends) + " |"
    rule = "|---|" + "---:|" * len(backends)
    return "\n".join([head, rule] + [f"| {label} | " + " | ".join(cell(key)) + " |" for label, key in rows])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--claims", type=int, default=4000, help="tasks to claim (default 4000)")
    ap.add_argument(
        "--deliveries", type=int, default=1000, help="inputs to annotate and deliver (default 1000)"
    )
    ap.add_argument(
        "--annotations", type=int, default=10_000, help="delivered annotations to list (default 10,000)"
    )
    ap.add_argument(
        "--content-sample", type=int, default=1000,
        help="annotations the official client downloads with content (default 1000)",
    )  # fmt: skip
    ap.add_argument("--no-client", action="store_true", help="skip the official client over HTTP")
    ap.add_argument("--no-postgres", action="store_true")
    a = ap.parse_args(argv)
    pg = None if a.no_postgres else os.environ.get("ANNOBATCH_BENCH_DATABASE_URL", DEFAULT_PG)
    if pg is not None and not postgres_reachable(pg):
        print(f"PostgreSQL at {pg} is not reachable: SQLite only", file=sys.stderr)
        pg = None
    opts = Options(a.claims, a.deliveries, a.annotations, pg, not a.no_client, a.content_sample)
    work_root = Path(__file__).resolve().parent / ".work"
    work_root.mkdir(exist_ok=True)
    started = time.perf_counter()
    backends: list[Backend] = []
    with tempfile.TemporaryDirectory(dir=work_root) as tmp:
        work = Path(tmp)
        sqlite = Backend("SQLite", f"sqlite:///{work / 'sqlite' / 'annobatch.db'}", work / "sqlite")
        bench_backend(sqlite, opts)
        backends.append(sqlite)
        if pg is not None:
            with scratch_postgres_database(pg) as url:
                postgres = Backend("PostgreSQL", url, work / "pg")
                bench_backend(postgres, opts)
                backends.append(postgres)
    print(machine())
    print(f"one run of {time.perf_counter() - started:.0f} s")
    print()
    print(table(backends, opts))


if __name__ == "__main__":
    main()
