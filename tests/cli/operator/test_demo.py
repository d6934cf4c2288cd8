"""`annobatch demo` as a new user runs it: a fresh data directory, a server, and the official client
pointed at it with the credentials file the demo wrote. Running it again reuses what exists."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kognic.io.client import KognicIOClient

from liveserver import annobatch_command, free_port, serving


@contextmanager
def demo_running(workdir: Path, port: int) -> Iterator[Path]:
    """`annobatch demo --port PORT` in `workdir` (its data in ./data) until stopped; yields its log."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANNOBATCH_")}
    log = workdir / f"demo-{port}.log"
    with serving([*annobatch_command(), "demo", "--port", str(port)], port, log, env, cwd=workdir):
        yield log


def test_the_demo_serves_projects_and_batches_to_the_official_client(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with demo_running(tmp_path, port) as log:
        creds_file = tmp_path / "data" / "demo-credentials.json"
        creds = json.loads(creds_file.read_text())
        assert {"clientId", "clientSecret", "email", "userId", "issuer", "created"} <= set(creds)
        printed = log.read_text()
        assert (
            f'client = KognicIOClient(auth="data/demo-credentials.json", host="{url}", '
            f'auth_host="{url}", workspace_api_host="{url}")'
        ) in printed
        assert (
            f'from annobatch import Client; client = Client(auth="data/demo-credentials.json", host="{url}")'
            in printed
        )
        assert "kognicutil projects" in printed

        client = KognicIOClient(auth=str(creds_file), host=url, auth_host=url, workspace_api_host=url)
        assert {p.project for p in client.project.get_projects()} == {"highway", "parking", "night-drive"}
        batches = {b.batch: b.status.value for b in client.project.get_project_batches("highway")}
        assert batches == {"2024-w01": "completed", "2024-w02": "ready", "2024-w03": "open"}
        assert [b.status.value for b in client.project.get_project_batches("night-drive")] == ["pending"]
        assert client.project.get_annotation_types("parking") == ["object-detection", "semantic-segmentation"]
        first = client.project.create_batch("parking", "first")
        assert first.status == "open"

    with demo_running(tmp_path, port) as log:
        assert "kept" in log.read_text()
        assert json.loads(creds_file.read_text())["clientId"] == creds["clientId"]
        client = KognicIOClient(auth=str(creds_file), host=url, auth_host=url, workspace_api_host=url)
        assert len(client.project.get_projects()) == 3
        assert [b.batch for b in client.project.get_project_batches("parking")] == ["first"]
        assert len(client.project.get_project_batches("highway")) == 3
