"""annobatch's side of `compare.py`: `annobatch serve` on SQLite in a data directory of its own,
seeded through the services (organization, credential, project, batches) and, for the bulk, with
one SQL statement per table; the requests each workload sends.

- create: `POST /v2/inputs` `{"sceneUuid", "projectExtId", "batchExtId"}`, the create-from-scene
  path: one request inserts the input (with its `annotate` task and its audit-log entry) for a
  scene that exists already. The scenes (created, in no project) are seeded beforehand, one per
  create, so that every create is a new input.
- page: `POST /v2/inputs/query?limit=100` `{"project", "batch"}`, the first page or a page at a
  random cursor.
- upload: `POST /v1/inputs/project/p1/batch/up/cameras` (one image) answers a signed URL, the file
  goes there in one `PUT`, then `POST /v1/inputs/{scene}/actions/commit`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from _common import free_port
from _compare_load import MARK, Load

T0 = 1_700_000_000_000_000  # µs: seeded rows are created one µs apart from here
POOL_TAG = 0x100  # the scenes the creates place
SPEC = '{"frames":[{}],"metadata":{},"sensorSpecification":null}'


def scene_id(tag: int, i: int) -> str:
    return f"{tag:08x}-0000-4000-8000-{i:012x}"


def input_id(tag: int, i: int) -> str:
    return f"{tag:08x}-0000-4000-9000-{i:012x}"


@dataclass
class Annobatch:
    """One server and its store."""

    name: str
    data: Path
    workers: int
    port: int = 0
    pid: int = 0
    token: str = ""
    org: int = 0
    workspace: str = ""
    pool_next: int = 0  # the next unused scene of the creates' pool

    @property
    def db_path(self) -> Path:
        return self.data / "annobatch.db"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db_path}"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}


def prepare(a: Annobatch) -> tuple[str, str]:
    """Schema; one organization with a client credential; project `p1` with the batches `creates`,
    `up`, `b10k` and `b100k`. Answers the credential."""
    from annobatch.services import Services
    from annobatch.services.identity import operator
    from annobatch.storage.database import open_database
    from annobatch.storage.migrate import upgrade

    a.data.mkdir(parents=True, exist_ok=True)
    upgrade(a.url)

    async def go() -> tuple[str, str]:
        db = open_database(a.url)
        await db.connect()
        try:
            ops = Services.over(db)
            org, ws = await ops.accounts.create_organization("bench")
            cred = await ops.accounts.create_credential(org.id, workspace=None, staff=False)
            staff = operator(org.id)
            await ops.projects.create_project(
                staff, "p1", title="Bench", annotation_types=["object-detection"]
            )
            for batch in ("creates", "up", "b10k", "b100k"):
                await ops.batches.create_batch(staff, "p1", batch)
            a.org, a.workspace = org.id, ws.id
            return cred.record.client_id, cred.secret
        finally:
            await db.close()

    return asyncio.run(go())


_SEQ = "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < :count - 1) "
_SCENES = (
    _SEQ + "INSERT INTO scenes (id, organization_id, workspace_id, external_id, scene_type, status,"
    " project_id, batch_id, motion_compensate, spec, fingerprint, created, updated, batch_named)"
    " SELECT printf('%08x-0000-4000-8000-%012x', :tag, i), :org, :ws, printf('seed-%x-%d', :tag, i),"
    " 'cameras', 'created', :project, :batch, 1, :spec, '', :t0 + i, :t0 + i, 0 FROM n"
)
_INPUTS = (
    _SEQ + "INSERT INTO inputs (id, organization_id, project_id, batch_id, scene_id, status, created)"
    " SELECT printf('%08x-0000-4000-9000-%012x', :tag, i), :org, :project, :batch,"
    " printf('%08x-0000-4000-8000-%012x', :tag, i), 'created', :t0 + i FROM n"
)


def seed(a: Annobatch, count: int, tag: int, batch: str | None) -> float:
    """`count` created scenes; with a batch, each with its input there. One SQL statement per
    table, one transaction. Answers the seconds it took."""
    start = time.perf_counter()
    conn = sqlite3.connect(a.db_path, isolation_level=None)
    project = batch_id = None
    if batch is not None:
        project, batch_id = conn.execute(
            "SELECT p.id, b.id FROM batches b JOIN projects p ON p.id = b.project_id"
            " WHERE p.external_id = 'p1' AND b.external_id = ?",
            (batch,),
        ).fetchone()
    params = {
        "tag": tag, "org": a.org, "ws": a.workspace, "project": project, "batch": batch_id,
        "t0": T0, "count": count, "spec": SPEC,
    }  # fmt: skip
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(_SCENES, params)
    if batch is not None:
        conn.execute(_INPUTS, params)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - start


@contextlib.contextmanager
def serve(
    a: Annobatch, client: tuple[str, str], venv_bin: Path, extra_env: dict[str, str] | None = None
) -> Iterator[None]:
    """`annobatch serve` with `a.workers` granian workers on a free loopback port; `extra_env`
    adds to (or overrides) its environment."""
    a.port = free_port()
    env = {**os.environ, "ANNOBATCH_DATA": str(a.data), "ANNOBATCH_PUBLIC_URL": a.base, **(extra_env or {})}
    cmd = [str(venv_bin / "annobatch"), "serve", "--port", str(a.port), "--workers", str(a.workers)]
    log = a.data / "server.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    a.pid = proc.pid
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"annobatch did not start; see {log}")
            try:
                httpx.get(a.base + "/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        a.token = httpx.post(
            f"{a.base}/v1/auth/oauth/token",
            data={"grant_type": "client_credentials", "client_id": client[0], "client_secret": client[1]},
        ).json()["access_token"]
        yield
    finally:
        stop_group(proc)


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started in a session of its own, every worker with it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def create_load(a: Annobatch) -> Load:
    scene = f"{POOL_TAG:08x}-0000-4000-8000-{MARK}"  # the load numbers the scenes of the pool
    body = json.dumps({"sceneUuid": scene, "projectExtId": "p1", "batchExtId": "creates"})
    return Load("POST", "/v2/inputs", a.headers(), body, start=a.pool_next)


def page_load(a: Annobatch, batch: str, tag: int, offsets: list[int]) -> Load:
    """Pages of 100 at the given offsets (0: the first page) of a batch seeded with `tag`."""
    paths = []
    for i in offsets:
        cursor = "" if i == 0 else f"&cursorId={T0 + i - 1}_{input_id(tag, i - 1)}"
        paths.append(f"/v2/inputs/query?limit=100{cursor}")
    body = json.dumps({"project": "p1", "batch": batch})
    return Load("POST", "", a.headers(), body, paths=paths)


def check_page(a: Annobatch, batch: str, tag: int, offset: int) -> None:
    """One page, to be sure the load asks for what it means to: 100 inputs, in order."""
    cursor = "" if offset == 0 else f"&cursorId={T0 + offset - 1}_{input_id(tag, offset - 1)}"
    r = httpx.post(
        f"{a.base}/v2/inputs/query?limit=100{cursor}",
        json={"project": "p1", "batch": batch},
        headers=a.headers(),
    )
    r.raise_for_status()
    data = r.json()["data"]
    if len(data) != 100 or data[0]["sceneUuid"] != scene_id(tag, offset):
        raise RuntimeError(f"annobatch answered an unexpected page: {len(data)} inputs")


def upload_one(a: Annobatch, c: httpx.Client, payload: bytes) -> tuple[float, float]:
    """One 1 MiB image through the signed-URL flow: (seconds of the PUT, seconds of the whole
    flow: create, PUT, commit)."""
    sid = str(uuid.uuid4())
    body = {
        "externalId": f"up-{sid[:8]}",
        "frame": {"images": [{"filename": "/a.jpg", "resourceId": "/a.jpg", "sensorName": "CAM"}]},
        "internalId": sid,
    }
    start = time.perf_counter()
    r = c.post(f"{a.base}/v1/inputs/project/p1/batch/up/cameras", json=body, headers=a.headers())
    r.raise_for_status()
    url = r.json()["data"]["files"]["/a.jpg"]
    put_start = time.perf_counter()
    c.put(url, content=payload, headers={"Content-Type": "image/jpeg"}).raise_for_status()
    put = time.perf_counter() - put_start
    r = c.post(f"{a.base}/v1/inputs/{sid}/actions/commit", headers=a.headers())
    r.raise_for_status()
    if r.json()["data"]["status"] != "created":
        raise RuntimeError(f"annobatch did not take the upload: {r.text}")
    return put, time.perf_counter() - start


def python_bin() -> Path:
    return Path(sys.executable).parent
