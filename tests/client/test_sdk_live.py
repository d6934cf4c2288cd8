"""The SDK over a real socket against a running server: the seed's lines as a user writes them."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sdk_testing import credentials_file

from annobatch import APIConnectionError, APITimeoutError, Client, ProjectBatchStatus
from conftest import Live, unique
from liveserver import free_port


@pytest.fixture
def seeded(live: Live, tmp_path: Path) -> tuple[Live, Path]:
    org = live.world.org(unique("sdk"))
    live.world.project(org, "project_external_id", ["object-detection"])
    live.world.batch(org, "project_external_id", "first-batch")
    return live, credentials_file(tmp_path, live.world.credential(org))


def test_the_seeds_lines_run_unchanged(seeded: tuple[Live, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    live, creds = seeded
    monkeypatch.setenv("ANNOBATCH_HOST", live.url)
    client = Client(auth=str(creds))

    projects = client.project.get_projects()
    project_batches = client.project.get_project_batches("project_external_id")
    project_batch = client.project.create_batch("project_external_id", "batch_external_id")
    project_batch_2 = client.project.create_batch(
        "project_external_id", "batch_external_id_2", publish_previous_batches=True
    )
    published = client.project.publish_batch("project_external_id", "batch_external_id_2")

    assert [p.project for p in projects] == ["project_external_id"]
    assert [b.batch for b in project_batches] == ["first-batch"]
    assert project_batch.status is ProjectBatchStatus.OPEN
    assert project_batch_2.status is ProjectBatchStatus.OPEN
    assert published.status is ProjectBatchStatus.READY
    statuses = {b.batch: b.status for b in client.project.get_project_batches("project_external_id")}
    assert statuses == {"first-batch": "ready", "batch_external_id": "ready", "batch_external_id_2": "ready"}
    assert client.project.get_annotation_types("project_external_id", "batch_external_id") == [
        "object-detection"
    ]


def test_credentials_and_host_come_from_the_environment(
    seeded: tuple[Live, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    live, creds = seeded
    monkeypatch.setenv("ANNOBATCH_HOST", live.url)
    monkeypatch.setenv("KOGNIC_CREDENTIALS", str(creds))
    with Client() as client:
        assert [p.project for p in client.project.get_projects()] == ["project_external_id"]


def test_a_port_nobody_listens_on_is_a_connection_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    client = Client(url, ("id", "secret"), max_retries=0)
    with pytest.raises(APIConnectionError) as e:
        client.project.get_projects()
    assert str(e.value) == f"cannot reach {url}: connection refused"


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A socket that accepts connections and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield f"http://127.0.0.1:{s.getsockname()[1]}"


def test_a_server_that_never_answers_times_out(silent_server: str) -> None:
    client = Client(silent_server, ("id", "secret"), timeout=0.3, max_retries=0)
    with pytest.raises(APITimeoutError) as e:
        client.project.get_projects()
    assert str(e.value) == f"cannot reach {silent_server}: no answer after 0.3 s"
