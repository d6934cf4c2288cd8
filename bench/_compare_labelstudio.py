"""Label Studio's side of `compare.py`: the `label-studio` package from PyPI in a virtual
environment of its own (made when missing), on SQLite in a data directory of its own, under
gunicorn with 2 workers x 4 threads; the requests each workload sends.

- setup: `label-studio init --username … --password … --user-token … --enable-legacy-api-token`
  (migrations, a user with its organization and a legacy API token: such tokens are off by
  default since 1.20), then projects over the API.
- create: `POST /api/tasks/` `{"project", "data": {"image": url}}`: one task.
- page: `GET /api/tasks/?project=…&page_size=100&page=…` (the Data Manager's task list, its
  default fields).
- seeding: `POST /api/projects/{id}/import` with the tasks as a JSON list, in chunks.
- upload: `POST /api/projects/{id}/import` with one 1 MiB JPEG as a multipart file: the file is
  stored and a task made for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from _common import free_port
from _compare_annobatch import stop_group
from _compare_load import MARK, Load

VERSION = "1.23.2"
VENV = Path(__file__).resolve().parent / ".label-studio-venv"
LABEL_CONFIG = (
    '<View><Image name="image" value="$image"/>'
    '<RectangleLabels name="label" toName="image"><Label value="car"/></RectangleLabels></View>'
)
USER, PASSWORD, TOKEN = "bench@example.com", "bench-password-1", "0123456789abcdef0123456789abcdef01234567"


def ensure_venv() -> str:
    """The virtual environment with label-studio and gunicorn, made when missing; answers the
    installed version."""
    py = VENV / "bin" / "python"
    if not (VENV / "bin" / "label-studio").exists():
        print(f"  installing label-studio {VERSION} into {VENV} (once)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(py), "-m", "pip", "install", "--quiet", f"label-studio=={VERSION}", "gunicorn"], check=True
        )
    out = subprocess.run(
        [str(py), "-c", "import importlib.metadata as m; print(m.version('label-studio'))"],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def package_dir() -> Path:
    out = subprocess.run(
        [
            str(VENV / "bin" / "python"),
            "-c",
            "import label_studio, os; print(os.path.dirname(label_studio.__file__))",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(out.stdout.strip())


@dataclass
class LabelStudio:
    name: str
    data: Path
    port: int = 0
    pid: int = 0
    projects: dict[str, int] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))},
            "DJANGO_DB": "sqlite",
            "LABEL_STUDIO_BASE_DATA_DIR": str(self.data),
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "COLLECT_ANALYTICS": "false",
            "SENTRY_DSN": "",
            "FRONTEND_SENTRY_DSN": "",
        }

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"}


def init(ls: LabelStudio) -> None:
    """Migrations, the user and its token (`label-studio init`). The migrations take minutes, so
    the first run keeps a copy of the initialized data directory in the virtual environment's
    directory and later runs start from a copy of it."""
    template = VENV / "initialized-data"
    if not template.exists():
        fresh = ls.data.with_name("init")
        fresh.mkdir(parents=True)
        subprocess.run(
            [str(VENV / "bin" / "label-studio"), "init", "--username", USER, "--password", PASSWORD,
             "--user-token", TOKEN, "--enable-legacy-api-token"],
            env={**ls.env(), "LABEL_STUDIO_BASE_DATA_DIR": str(fresh)}, cwd=fresh, check=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        shutil.copytree(fresh, template)
    shutil.copytree(template, ls.data)


@contextlib.contextmanager
def serve(ls: LabelStudio) -> Iterator[None]:
    """gunicorn --workers 2 --threads 4 core.wsgi, from the package's directory."""
    ls.port = free_port()
    cmd = [
        str(VENV / "bin" / "gunicorn"), "--workers", "2", "--threads", "4",
        "--bind", f"127.0.0.1:{ls.port}", "core.wsgi",
    ]  # fmt: skip
    log = ls.data / "server.log"
    with log.open("ab") as out:
        env = {**ls.env(), "DJANGO_SETTINGS_MODULE": "core.settings.label_studio"}
        proc = subprocess.Popen(
            cmd, env=env, cwd=package_dir(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    ls.pid = proc.pid
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Label Studio did not start; see {log}")
            try:
                if httpx.get(ls.base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        yield
    finally:
        stop_group(proc)


def create_projects(ls: LabelStudio, names: list[str]) -> None:
    ls.projects = {}
    for name in names:
        r = httpx.post(
            f"{ls.base}/api/projects/",
            json={"title": name, "label_config": LABEL_CONFIG},
            headers=ls.headers(),
            timeout=60,
        )
        r.raise_for_status()
        ls.projects[name] = int(r.json()["id"])


def seed(ls: LabelStudio, project: str, count: int, chunk: int = 10_000) -> float:
    """`count` tasks through the import API, `chunk` per request; answers the seconds it took."""
    assert ls.projects is not None
    pid = ls.projects[project]
    start = time.perf_counter()
    with httpx.Client(headers=ls.headers(), timeout=1800) as c:
        for first in range(0, count, chunk):
            tasks = [
                {"image": f"https://example.com/{project}/{i}.jpg"}
                for i in range(first, min(count, first + chunk))
            ]
            r = c.post(f"{ls.base}/api/projects/{pid}/import", content=json.dumps(tasks))
            r.raise_for_status()
    return time.perf_counter() - start


def create_load(ls: LabelStudio) -> Load:
    assert ls.projects is not None
    body = json.dumps(
        {"project": ls.projects["creates"], "data": {"image": f"https://example.com/{MARK}.jpg"}}
    )
    return Load("POST", "/api/tasks/", ls.headers(), body)


def page_load(ls: LabelStudio, project: str, offsets: list[int]) -> Load:
    assert ls.projects is not None
    pid = ls.projects[project]
    paths = [f"/api/tasks/?project={pid}&page_size=100&page={i // 100 + 1}" for i in offsets]
    return Load("GET", "", {"Authorization": f"Token {TOKEN}"}, paths=paths)


def check_page(ls: LabelStudio, project: str, offset: int) -> None:
    assert ls.projects is not None
    r = httpx.get(
        f"{ls.base}/api/tasks/?project={ls.projects[project]}&page_size=100&page={offset // 100 + 1}",
        headers=ls.headers(),
        timeout=60,
    )
    r.raise_for_status()
    tasks = r.json()["tasks"]
    if len(tasks) != 100:
        raise RuntimeError(f"Label Studio answered an unexpected page: {len(tasks)} tasks")


def upload_one(ls: LabelStudio, c: httpx.Client, payload: bytes, n: int) -> float:
    """One 1 MiB JPEG imported as a file (a task is made for it); answers the seconds."""
    assert ls.projects is not None
    start = time.perf_counter()
    r = c.post(
        f"{ls.base}/api/projects/{ls.projects['uploads']}/import",
        files={"file": (f"up-{n}.jpg", payload, "image/jpeg")},
        headers={"Authorization": f"Token {TOKEN}"},
    )
    r.raise_for_status()
    if r.json().get("task_count") != 1:
        raise RuntimeError(f"Label Studio did not make a task of the upload: {r.text}")
    return time.perf_counter() - start
