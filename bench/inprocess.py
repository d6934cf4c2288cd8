"""CPU per request of two hot endpoints with no HTTP server and no load generator: the app is
called as an ASGI application in this process, one request after the other, and the process's CPU
time is divided by the requests. On a shared machine CPU time moves far less than wall-clock time,
so this is the figure to compare code against code (`--profile` shows where it goes).

    .venv/bin/python bench/inprocess.py
    .venv/bin/python bench/inprocess.py --requests 5000 --repeats 5
    .venv/bin/python bench/inprocess.py --profile create       # cProfile of one endpoint
    PYTHONPATH=/path/to/other/checkout/src .venv/bin/python bench/inprocess.py   # other code

Endpoints (SQLite; with `--postgres`, the first and the last on PostgreSQL, whose backends' CPU
is not counted):
- `GET /v1/projects`: an organization with 50 projects;
- `POST /v2/inputs`: an input made from a scene that already exists (the create measured by
  `compare.py`), each request a scene of its own;
- `POST /v1/projects/w/batches/{new}`: a new batch (`api.py`'s create), in a project of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import os
import pstats
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import _compare_annobatch as ab
from _common import scratch_postgres_database

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"

SCENE_TAG = 0x77
Call = Callable[[str, str, dict[str, str], bytes], Awaitable[list[dict[str, Any]]]]


async def _asgi(app: Any) -> tuple[Call, Callable[[], Awaitable[None]]]:
    """A caller of `app` (started: its lifespan ran) and how to stop it."""
    startup: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    answers: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await startup.put({"type": "lifespan.startup"})
    task = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, startup.get, answers.put)
    )
    started = await answers.get()
    assert started["type"] == "lifespan.startup.complete", started

    async def call(
        method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
            "root_path": "", "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {},
        }  # fmt: skip
        await app(scope, receive, send)
        return sent

    async def stop() -> None:
        await startup.put({"type": "lifespan.shutdown"})
        await answers.get()
        await task

    return call, stop


async def _token(call: Call, client: tuple[str, str]) -> str:
    form = f"grant_type=client_credentials&client_id={client[0]}&client_secret={client[1]}"
    sent = await call(
        "POST", "/v1/auth/oauth/token", {"content-type": "application/x-www-form-urlencoded"}, form.encode()
    )
    return str(json.loads(sent[1]["body"])["access_token"])


async def _projects(call: Call, headers: dict[str, str]) -> Callable[[], Awaitable[None]]:
    async def one() -> None:
        sent = await call("GET", "/v1/projects", headers, b"")
        assert sent[0]["status"] == 200, sent

    return one


async def _creates(call: Call, headers: dict[str, str]) -> Callable[[], Awaitable[None]]:
    n = 0

    async def one() -> None:
        nonlocal n
        scene = f"{SCENE_TAG:08x}-0000-4000-8000-{n:012x}"
        n += 1
        body = json.dumps({"sceneUuid": scene, "projectExtId": "p1", "batchExtId": "creates"}).encode()
        sent = await call("POST", "/v2/inputs", {**headers, "content-type": "application/json"}, body)
        assert sent[0]["status"] in (200, 201), sent

    return one


async def _batches(call: Call, headers: dict[str, str]) -> Callable[[], Awaitable[None]]:
    n = 0
    body = b'{"publishPreviousBatches": false}'

    async def one() -> None:
        nonlocal n
        n += 1
        path = f"/v1/projects/w/batches/b-{n}"
        sent = await call("POST", path, {**headers, "content-type": "application/json"}, body)
        assert sent[0]["status"] == 200, sent

    return one


async def _cpu_per_request(one: Callable[[], Awaitable[None]], requests: int) -> float:
    for _ in range(min(200, requests)):  # warm: statements prepared, caches filled
        await one()
    started = time.process_time()
    for _ in range(requests):
        await one()
    return (time.process_time() - started) / requests * 1e6


@dataclass
class _Postgres(ab.Annobatch):
    database_url: str = ""

    @property
    def url(self) -> str:
        return self.database_url


async def _run(a: argparse.Namespace, data: Path) -> dict[str, list[float]]:
    from annobatch.server.app import create_app
    from annobatch.services import Services
    from annobatch.services.identity import operator
    from annobatch.settings import Settings
    from annobatch.storage.database import open_database

    store = ab.Annobatch(name="in process", data=data, workers=1)
    if a.database_url:
        store = _Postgres(name="in process", data=data, workers=1, database_url=a.database_url)
    client = await asyncio.to_thread(ab.prepare, store)
    if not a.database_url:
        total = (a.requests + 200) * (a.repeats + (1 if a.profile else 0))
        await asyncio.to_thread(ab.seed, store, total, SCENE_TAG, None)
    db = open_database(store.url)
    await db.connect()
    try:
        ops = Services.over(db)
        for i in range(49):  # 50 projects with `p1`
            await ops.projects.create_project(operator(store.org), f"q{i:02}", title=f"Q{i}")
        await ops.projects.create_project(  # where the batches are created
            operator(store.org), "w", title="W", annotation_types=["object-detection"]
        )
    finally:
        await db.close()
    call, stop = await _asgi(create_app(Settings(data_dir=data, database_url=store.url, public_url="")))
    try:
        headers = {"authorization": f"Bearer {await _token(call, client)}"}
        endpoints = {
            "projects": await _projects(call, headers),
            "create": await _creates(call, headers),
            "batch": await _batches(call, headers),
        }
        if a.database_url:
            del endpoints["create"]  # its scenes are seeded with SQLite's SQL
        if a.profile:
            one = endpoints[a.profile]
            await _cpu_per_request(one, a.requests)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(a.requests):
                await one()
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats("annobatch|litestar", 40)
            return {}
        found: dict[str, list[float]] = {name: [] for name in endpoints}
        for _ in range(a.repeats):
            for name, one in endpoints.items():  # in turns
                found[name].append(await _cpu_per_request(one, a.requests))
        return found
    finally:
        await stop()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--requests", type=int, default=2000, help="timed requests per endpoint and repeat")
    ap.add_argument("--repeats", type=int, default=3, help="repeats, in turns (default 3)")
    ap.add_argument("--profile", choices=["projects", "create", "batch"], help="cProfile one endpoint")
    ap.add_argument(
        "--postgres",
        action="store_true",
        help="on a scratch database of ANNOBATCH_BENCH_DATABASE_URL's server (the process's CPU only)",
    )
    a = ap.parse_args(argv)
    a.database_url = None
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="annobatch-inprocess-"))
        if a.postgres:
            admin = os.environ.get("ANNOBATCH_BENCH_DATABASE_URL", DEFAULT_PG)
            a.database_url = stack.enter_context(scratch_postgres_database(admin))
        found = asyncio.run(_run(a, Path(tmp)))
    if not found:
        return
    labels = {
        "projects": "GET /v1/projects (50 projects)",
        "create": "POST /v2/inputs (from a scene)",
        "batch": "POST /v1/projects/w/batches/{new}",
    }
    print(f"| endpoint | CPU µs per request, median of {a.repeats} | each repeat |")
    print("|---|---:|---|")
    for name, values in found.items():
        print(
            f"| {labels[name]} | {statistics.median(values):.0f} | {', '.join(f'{v:.0f}' for v in values)} |"
        )


if __name__ == "__main__":
    main()
