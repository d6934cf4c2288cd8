"""Where a crash run lives: a scratch data directory and database (a SQLite file, or a PostgreSQL
database of our own that is dropped afterwards), set up with the operator CLI, and the server
started with `annobatch serve` in a process group of its own, so that one SIGKILL takes all of it.

Nothing here imports annobatch: the server is reached over HTTP on loopback and the database
with raw SQL, so that the harness holds whatever the code inside is rearranged into.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from liveserver import annobatch_command, free_port, start_serving

#: The PostgreSQL the crash suite may use: loopback, trust authentication, user postgres.
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Tenant:
    """The organization, workspace, project and client credential the clients act as."""

    org: str
    workspace: str
    project: str
    client_id: str
    client_secret: str


@dataclass
class Deployment:
    """One backend's data directory and database, and the server serving them (when it runs)."""

    backend: str
    data_dir: Path
    database_url: str
    workers: int = 2
    proc: subprocess.Popen[bytes] | None = None
    port: int = 0
    logs: list[Path] = field(default_factory=list)
    tenant: Tenant | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def blob_root(self) -> Path:
        return self.data_dir / "blobs"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(ANNOBATCH_DATA=str(self.data_dir), ANNOBATCH_DATABASE_URL=self.database_url)
        if self.port:
            env["ANNOBATCH_PUBLIC_URL"] = self.url
        return env

    def operator(self, *args: str) -> str:
        """Run one operator command on this deployment's database; its stdout."""
        done = subprocess.run(
            [*annobatch_command(), *args], env=self.env(), capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"annobatch {' '.join(args)} failed ({done.returncode}): {done.stderr}")
        return done.stdout

    def set_up(self, project: str = "p1") -> Tenant:
        """A migrated database with one organization, a client credential and an ongoing project."""
        self.operator("db", "upgrade")
        org = json.loads(self.operator("--json", "org", "create", "crash"))
        cred_file = self.data_dir / "credential.json"
        self.operator("credentials", "create", "--org", "crash", "--out", str(cred_file))
        cred = json.loads(cred_file.read_text())
        self.operator(
            "project", "create", "--org", "crash", project, "--title", "Crash suite",
            "--annotation-types", "object-detection",
        )  # fmt: skip
        self.tenant = Tenant(
            "crash", org["workspaces"][0]["id"], project, cred["clientId"], cred["clientSecret"]
        )
        return self.tenant

    def start(self, timeout: float = 60.0) -> None:
        """`annobatch serve --workers N` on a free loopback port, until /healthz answers."""
        self.port = free_port()
        log = self.data_dir / f"server-{len(self.logs):03d}-{self.port}.log"
        self.logs.append(log)
        cmd = [*annobatch_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        cmd += ["--workers", str(self.workers)]
        self.proc = start_serving(cmd, self.port, log, self.env(), timeout=timeout)

    def kill(self, timeout: float = 15.0) -> None:
        """SIGKILL the server's whole process group (granian and every worker), and wait until
        none of it is left."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        raise RuntimeError(f"the server's process group {proc.pid} outlived SIGKILL for {timeout} s")

    def stop(self) -> None:
        """The end of a run: the same SIGKILL (a clean stop is not what this suite is about)."""
        self.kill()


# ------------------------------------------------------------------------------------ backends


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
def deployment(backend: str, root: Path, workers: int = 2) -> Iterator[Deployment]:
    """A fresh deployment of `backend` ("sqlite" or "postgres") under `root`; a PostgreSQL scratch
    database is dropped afterwards, whatever happened."""
    data = root / backend
    data.mkdir(parents=True, exist_ok=False)
    if backend == "sqlite":
        dep = Deployment(backend, data, f"sqlite:///{data / 'annobatch.db'}", workers)
        try:
            yield dep
        finally:
            dep.stop()
        return
    if backend != "postgres":
        raise ValueError(f"unknown backend {backend!r}")
    name = f"annobatch_crash_{uuid.uuid4().hex[:12]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    dep = Deployment(backend, data, f"{PG_ADMIN_URL.rpartition('/')[0]}/{name}", workers)
    try:
        yield dep
    finally:
        try:
            dep.stop()
        finally:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
