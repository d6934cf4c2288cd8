"""The server the fuzzers aim at: `annobatch serve` in a process group of its own on a loopback
port, over a scratch data directory (SQLite) or a scratch PostgreSQL database, with an
organization, a client credential (made with the operator CLI), a project `p1`, an open batch `b1`
and one committed scene with its input, so that generated requests also reach things that exist.

Only HTTP and the operator CLI: nothing here imports annobatch.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import subprocess
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from liveserver import annobatch_command, free_port, start_serving, stop_group

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) + b"\xff\xd9"


@dataclass
class FuzzTarget:
    data_dir: Path
    database_url: str
    workers: int = 1
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    token: str = ""
    known: dict[str, str] = field(default_factory=dict)  # path parameter → a value that exists

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.data_dir / "server.log"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            ANNOBATCH_DATA=str(self.data_dir),
            ANNOBATCH_DATABASE_URL=self.database_url,
            ANNOBATCH_PUBLIC_URL=self.url,
        )
        return env

    def operator(self, *args: str) -> str:
        done = subprocess.run(
            [*annobatch_command(), *args], env=self.env(), capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"annobatch {' '.join(args)} failed ({done.returncode}): {done.stderr}")
        return done.stdout

    def start(self) -> FuzzTarget:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.operator("db", "upgrade")
        self.operator("org", "create", "fuzz")
        cred_file = self.data_dir / "credential.json"
        self.operator("credentials", "create", "--org", "fuzz", "--out", str(cred_file))
        self.operator(
            "project", "create", "--org", "fuzz", "p1", "--title", "Fuzzed", "--annotation-types", "od"
        )
        cmd = [*annobatch_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = start_serving([*cmd, "--workers", str(self.workers)], self.port, self.log, self.env())
        cred = json.loads(cred_file.read_text())
        self.token = bearer_token(self.url, cred["clientId"], cred["clientSecret"])
        self.known = self.seed_data()
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_group(self.proc)
            self.proc = None

    def seed_data(self) -> dict[str, str]:
        """A batch and a committed scene with its input, made over HTTP as a client would."""
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=30, trust_env=False) as h:
            h.post("/v1/projects/p1/batches/b1", json={}).raise_for_status()
            sid = h.post("/v1/inputs/initialize", json={}).raise_for_status().json()["data"]["sceneUuid"]
            body = {
                "externalId": "fuzz-seed",
                "frame": {
                    "images": [{"filename": "/d/CAM.jpg", "resourceId": "/d/CAM.jpg", "sensorName": "CAM"}]
                },
                "metadata": {},
                "internalId": sid,
            }
            files = h.post("/v1/inputs/project/p1/batch/b1/cameras", json=body).raise_for_status().json()
            for url in files["data"]["files"].values():
                httpx.put(url, content=JPEG, trust_env=False).raise_for_status()
            h.post(f"/v1/inputs/{sid}/actions/commit").raise_for_status()
            inputs = h.post("/v2/inputs/query", json={"sceneUuids": [sid]}).raise_for_status().json()
        return {
            "project": "p1",
            "batch": "b1",
            "scene": sid,
            "input_uuid": inputs["data"][0]["uuid"],
            "position": "0",
        }

    def server_errors(self) -> list[ServerError]:
        return server_errors(self.log)


def bearer_token(url: str, client_id: str, secret: str) -> str:
    r = httpx.post(
        f"{url}/v1/auth/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        timeout=30,
        trust_env=False,
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


# ---------------------------------------------------------------------------------- server logs

_UNEXPECTED = re.compile(r"ERROR annobatch\.server unexpected error on (\S+) (.+)$")
_LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d |\[(INFO|WARNING|ERROR)\])")
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b")


@dataclass(frozen=True)
class ServerError:
    method: str
    path: str
    exception: str
    traceback: str


def server_errors(log: Path) -> list[ServerError]:
    """Every error the server logged, with its traceback."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    found = []
    for i, line in enumerate(lines):
        m = _UNEXPECTED.search(line)
        if m is None and " ERROR " not in line and "[ERROR]" not in line:
            continue
        block = [line]
        for follow in lines[i + 1 : i + 300]:
            if _LOG_LINE.match(follow):
                break
            block.append(follow)
        exc = next((b.strip() for b in reversed(block) if _EXCEPTION.match(b.strip())), block[-1].strip())
        found.append(ServerError(m[1] if m else "", m[2] if m else "", exc, "\n".join(block)))
    return found


def distinct(errors: list[ServerError]) -> Counter[tuple[str, str]]:
    """(where the exception was raised, the exception) → how many times."""
    counted: Counter[tuple[str, str]] = Counter()
    for e in errors:
        frames = [ln.strip() for ln in e.traceback.splitlines() if ln.strip().startswith('File "')]
        own = [f for f in frames if "/annobatch/" in f] or frames
        counted[(own[-1] if own else e.path, e.exception[:300])] += 1
    return counted


# ---------------------------------------------------------------------------------- backends


def _pg_admin(sql: str) -> None:
    import asyncpg

    async def go() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(go())


@contextlib.contextmanager
def fuzz_target(root: Path, backend: str = "sqlite", workers: int = 1) -> Iterator[FuzzTarget]:
    """A started target; stopped (and its PostgreSQL database dropped) afterwards."""
    data = root / f"fuzz-{backend}"
    if backend == "sqlite":
        target = FuzzTarget(data, f"sqlite:///{data / 'annobatch.db'}", workers)
        try:
            yield target.start()
        finally:
            target.stop()
        return
    name = f"annobatch_fuzz_{uuid.uuid4().hex[:12]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    target = FuzzTarget(data, f"{PG_ADMIN_URL.rpartition('/')[0]}/{name}", workers)
    try:
        yield target.start()
    finally:
        try:
            target.stop()
        finally:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
