"""`annobatch demo` as a new user runs it: a fresh data directory, a server, and the official client
pointed at it with the credentials file the demo wrote. Running it again reuses what exists. The
demo's workforce finishes its partly annotated batch with the `tasks` commands, and the official
client (all six hosts pointed at the server) downloads the annotations."""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from kognic.io.client import KognicIOClient
from operator_work_testing import openlabel, write_json

from annobatch.cli.operator import main
from annobatch.cli.operator.demo import demo_annotation
from conftest import PG_ENV, fresh_postgres_database
from liveserver import annobatch_command, free_port, serving, six_host_client


@contextmanager
def demo_running(workdir: Path, port: int, database_url: str | None = None) -> Iterator[Path]:
    """`annobatch demo --port PORT` in `workdir` (its data in ./data; its database there too, or
    at `database_url`) until stopped; yields its log."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANNOBATCH_")}
    log = workdir / f"demo-{port}.log"
    where = [] if database_url is None else ["--database-url", database_url]
    with serving([*annobatch_command(), *where, "demo", "--port", str(port)], port, log, env, cwd=workdir):
        yield log


@pytest.fixture(params=["sqlite", "postgres"])
def demo_database(
    request: pytest.FixtureRequest, postgres_admin_url: str | None, runner: asyncio.Runner
) -> Iterator[str | None]:
    """None: the demo's own SQLite file; else a fresh, empty PostgreSQL database (the demo
    migrates it)."""
    if request.param == "sqlite":
        yield None
        return
    if postgres_admin_url is None:
        pytest.skip(f"PostgreSQL: set {PG_ENV}")
    with fresh_postgres_database(postgres_admin_url, runner, migrate=False) as url:
        yield url


def test_the_demo_serves_projects_and_batches_to_the_official_client(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with demo_running(tmp_path, port) as log:
        creds_file = tmp_path / "data" / "demo-credentials.json"
        creds = json.loads(creds_file.read_text())
        assert {"clientId", "clientSecret", "email", "userId", "issuer", "created"} <= set(creds)
        printed = log.read_text()
        assert (
            f'client = KognicIOClient(auth="data/demo-credentials.json", host="{url}", auth_host="{url}",\n'
            f'        workspace_api_host="{url}", order_execution_api_host="{url}",\n'
            f'        annotation_integration_api_host="{url}", project_management_api_host="{url}")'
        ) in printed
        assert (
            f'from annobatch import Client; client = Client(auth="data/demo-credentials.json", host="{url}")'
            in printed
        )
        assert "kognicutil projects" in printed

        client = KognicIOClient(auth=str(creds_file), host=url, auth_host=url, workspace_api_host=url)
        assert {p.project for p in client.project.get_projects()} == {
            "highway",
            "parking",
            "crossings",
            "night-drive",
        }
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
        assert len(client.project.get_projects()) == 4
        assert [b.batch for b in client.project.get_project_batches("parking")] == ["first"]
        assert len(client.project.get_project_batches("highway")) == 3


def six_hosts(creds: Path, url: str) -> KognicIOClient:
    client: KognicIOClient = six_host_client(url, str(creds))
    return client


def test_the_demo_workforce_finishes_its_batch_and_the_official_client_downloads_the_annotations(
    tmp_path: Path, demo_database: str | None
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    data = tmp_path / "data"
    annotator, reviewer = data / "demo-annotator.json", data / "demo-reviewer.json"

    where = ["--data", str(data)] + ([] if demo_database is None else ["--database-url", demo_database])

    def op(*args: str) -> Result:
        return CliRunner().invoke(main, [*where, *args], catch_exceptions=False)

    def op_json(*args: str) -> dict[str, object]:
        r = op("--json", *args)
        assert r.exit_code == 0, r.stderr
        return dict(json.loads(r.stdout))

    with demo_running(tmp_path, port, demo_database) as log:
        printed = log.read_text()
        assert "workforce of crossings: annotator data/demo-annotator.json (user id" in printed
        assert "reviewer data/demo-reviewer.json (user id" in printed
        assert (
            'client.request.get_requests(project_id="crossings", include_input_progress_counts=True)'
            in printed
        )
        assert json.loads(annotator.read_text())["userId"] != json.loads(reviewer.read_text())["userId"]
        client = six_hosts(data / "demo-credentials.json", url)

        # What the demo's workforce did: three inputs delivered, one awaits review, two not started.
        requests = client.request.get_requests(project_id="crossings", include_input_progress_counts=True)
        assert sorted(r.title for r in requests) == ["Week 10", "Week 11"]
        [request] = [r for r in requests if r.title == "Week 10"]
        counts = request.input_progress_counts
        assert counts is not None
        assert (counts.not_started, counts.in_progress, counts.completed, counts.total) == (2, 1, 3, 6)
        delivered = list(client.annotation.get_project_annotations("crossings", "object-detection"))
        assert len(delivered) == 3
        assert all(a.content and a.content["openlabel"]["objects"] for a in delivered)
        assert {b.batch: b.status.value for b in client.project.get_project_batches("crossings")} == {
            "2024-w10": "in-progress",
            "2024-w11": "open",
        }

        # The client accepted the first delivered annotation: its review, read back by id.
        reviewed = re.search(r"client review (\S+): accepted annotation \S+ \(crossing-001, ", printed)
        assert reviewed is not None
        review = client.review.get_review(reviewed.group(1))
        assert review.id == reviewed.group(1)
        assert review.members == []  # accepted: no feedback items

        # Batch 2024-w11's one input was made from the client's pre-annotation of its scene.
        [pre] = client.pre_annotation.list(external_ids=["model-v1"])
        resolved = client.pre_annotation.get_with_content(uuid=pre["id"])
        assert resolved.external_id == "model-v1"
        assert sorted(o.type for o in resolved.content.openlabel.objects.values()) == [
            "car", "cyclist", "pedestrian",
        ]  # fmt: skip
        [w11] = [r for r in requests if r.title == "Week 11"]
        assert w11.input_progress_counts is not None
        assert (w11.input_progress_counts.not_started, w11.input_progress_counts.total) == (1, 1)

        # The rest of the batch, purely with the `tasks` commands.
        review = op_json("tasks", "next", "--credentials", str(reviewer))
        assert review["kind"] == "review"
        assert (
            op("tasks", "review", str(review["id"]), "--credentials", str(reviewer), "--accept").exit_code
            == 0
        )
        doc = write_json(tmp_path / "doc.json", openlabel(("car", "cyclist")))
        for _ in range(2):
            task = op_json("tasks", "next", "--credentials", str(annotator))
            assert (task["kind"], task["status"]) == ("annotate", "ongoing")
            submitted = op("tasks", "submit", str(task["id"]), "--credentials", str(annotator),
                           "--type", "object-detection", str(doc))  # fmt: skip
            assert submitted.exit_code == 0, submitted.stderr
            review = op_json("tasks", "next", "--credentials", str(reviewer))
            accepted = op("tasks", "review", str(review["id"]), "--credentials", str(reviewer), "--accept")
            assert accepted.exit_code == 0, accepted.stderr
        assert op("tasks", "next", "--credentials", str(annotator)).exit_code == 1  # nothing left

        requests = client.request.get_requests(project_id="crossings", include_input_progress_counts=True)
        [request] = [r for r in requests if r.title == "Week 10"]
        assert request.input_progress_counts is not None
        assert request.input_progress_counts.completed == 6
        assert {b.batch: b.status.value for b in client.project.get_project_batches("crossings")} == {
            "2024-w10": "completed",
            "2024-w11": "open",
        }
        assert len(list(client.annotation.get_project_annotations("crossings", "object-detection"))) == 6

        # Published, batch 2024-w11 hands out its input: the annotate task's draft is the pre-annotation.
        assert op("batch", "publish", "--org", "demo", "crossings", "2024-w11").exit_code == 0
        creds = json.loads(annotator.read_text())
        with httpx.Client(base_url=url, timeout=30) as http:
            token = http.post("/v1/auth/oauth/token", data={
                "grant_type": "client_credentials", "client_id": creds["clientId"],
                "client_secret": creds["clientSecret"],
            }).json()["access_token"]  # fmt: skip
            claimed = http.post(
                "/v1/workforce/tasks/claim", json={"project": "crossings"},
                headers={"Authorization": f"Bearer {token}"},
            )  # fmt: skip
        assert claimed.status_code == 200, claimed.text
        task = claimed.json()["data"]
        assert (task["task"]["kind"], task["batch"]) == ("annotate", "2024-w11")
        assert task["draft"] == {"object-detection": demo_annotation(7)}

    # Run again: the workforce's files are kept, nothing is made twice.
    with demo_running(tmp_path, port, demo_database):
        assert op("--json", "workforce", "list", "--org", "demo").exit_code == 0
        members = json.loads(op("--json", "workforce", "list", "--org", "demo").stdout)
        assert sorted(m["role"] for m in members) == ["annotator", "reviewer"]
        assert len(list(six_hosts(data / "demo-credentials.json", url).annotation.get_project_annotations(
            "crossings", "object-detection"
        ))) == 6  # fmt: skip
