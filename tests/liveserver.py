"""A real annobatch server in a subprocess (granian, a real socket), for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    data_dir: Path
    database_url: str
    workers: int = 1
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    #: More settings for the server (S3 blobs: `S3Server.blob_env`).
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            ANNOBATCH_DATA=str(self.data_dir),
            ANNOBATCH_DATABASE_URL=self.database_url,
            ANNOBATCH_PUBLIC_URL=self.url,
        )
        env.update(self.extra_env)
        return env

    def blobs(self) -> Any:
        """The server's blob store, as the server opens it (a local directory or S3)."""
        from annobatch.storage.blobs import open_blob_store

        env = self.env()
        return open_blob_store(self.data_dir, env.get("ANNOBATCH_BLOBS", ""), env)

    def start(self, timeout: float = 30.0) -> LiveServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data_dir / f"server-{self.port}.log"
        cmd = [
            sys.executable, "-m", "granian", "--interface", "asgi", "--factory",
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
            "annobatch.server.app:from_env",
        ]  # fmt: skip
        self.proc = start_serving(cmd, self.port, self.log_path, self.env(), timeout=timeout)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None:
            stop_group(self.proc)
            self.proc = None


def annobatch_command() -> list[str]:
    """The installed `annobatch` script beside this Python, else the module."""
    script = Path(sys.executable).with_name("annobatch")
    return [str(script)] if script.exists() else [sys.executable, "-m", "annobatch.cli.operator"]


def start_serving(
    cmd: list[str],
    port: int,
    log: Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
) -> subprocess.Popen[bytes]:
    """Run `cmd` in a process group of its own until /healthz on `port` answers and, when it has
    several workers (`--workers N`), until each has started: one answers /healthz while another may
    still be starting, and a worker stopped while it starts never stops (granian waits for it: the
    10 s of `stop_group`, then SIGKILL)."""
    workers = int(cmd[cmd.index("--workers") + 1]) if "--workers" in cmd else 1
    starts = workers if workers > 1 else 0  # the log lines counted (one process answering is enough)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True
        )
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{cmd[0]} exited early:\n{log.read_text(errors='replace')}")
        try:
            if (
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1.0).status_code == 200
                and _started_workers(log) >= starts
            ):
                return proc
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            stop_group(proc)
            raise RuntimeError(
                f"{cmd[0]} did not answer within {timeout} s:\n{log.read_text(errors='replace')}"
            )
        time.sleep(0.1)


def _started_workers(log: Path) -> int:
    """How many workers granian's log says have started (`[INFO] Started worker-N`)."""
    return log.read_text(errors="replace").count("Started worker-")


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server and every worker of its group: on SIGTERM granian sometimes exits before one
    of its workers does, and that worker would go on serving the port with nobody to stop it."""

    def signal_group(sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)

    if proc.poll() is None:
        signal_group(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    signal_group(signal.SIGKILL)


@contextlib.contextmanager
def serving(
    cmd: list[str], port: int, log: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    proc = start_serving(cmd, port, log, env, cwd)
    try:
        yield proc
    finally:
        stop_group(proc)


def six_host_client(url: str, auth: object) -> Any:
    """The official client with every one of its six hosts pointed at our one server."""
    from kognic.io.client import KognicIOClient

    return KognicIOClient(
        auth=auth, host=url, auth_host=url, workspace_api_host=url, order_execution_api_host=url,
        annotation_integration_api_host=url, project_management_api_host=url,
    )  # fmt: skip
