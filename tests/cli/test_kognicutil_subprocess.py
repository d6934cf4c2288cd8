"""The installed `kognicutil` script as a user runs it, against a live server."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

from annobatch import RESUME_DIR_ENV
from conftest import Live, unique


def test_the_installed_kognicutil_lists_projects_and_batches(live: Live, tmp_path: Path) -> None:
    org = live.world.org(unique("cli"))
    live.world.project(org, "demo-project", ["object-detection"], title="Demo")
    live.world.batch(org, "demo-project", "batch-1")
    cred = live.world.credential(org)
    creds = tmp_path / "creds.json"
    body = {
        "clientId": cred.record.client_id,
        "clientSecret": cred.secret,
        "email": "e",
        "userId": 1,
        "issuer": "i",
    }
    creds.write_text(json.dumps(body))
    script = Path(sys.executable).with_name("kognicutil")
    env = {**os.environ, "ANNOBATCH_HOST": live.url, "KOGNIC_CREDENTIALS": str(creds)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(script), *args], env=env, capture_output=True, text=True, timeout=60)

    projects = run("projects")
    assert projects.returncode == 0, projects.stderr
    assert "demo-project" in projects.stdout
    assert "Demo" in projects.stdout
    batches = run("project", "demo-project", "--batches")
    assert batches.returncode == 0, batches.stderr
    assert "batch-1" in batches.stdout
    assert run("projects", "demo-project", "--get-batches").stdout == batches.stdout
    missing = run("project", "nope", "--batches")
    assert (missing.returncode, missing.stdout, missing.stderr) == (1, "", "Error: project nope not found\n")


def test_the_installed_kognicutil_uploads_a_folder_and_lists_its_inputs(live: Live, tmp_path: Path) -> None:
    org = live.world.org(unique("cli-upload"))
    live.world.project(org, "highway", ["object-detection"])
    live.world.batch(org, "highway", "b1")
    cred = live.world.credential(org)
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps({"clientId": cred.record.client_id, "clientSecret": cred.secret}))
    script = Path(sys.executable).with_name("kognicutil")
    env = {**os.environ, "ANNOBATCH_HOST": live.url, "KOGNIC_CREDENTIALS": str(creds)}
    env[RESUME_DIR_ENV] = str(tmp_path / "resume")
    example = Path(__file__).resolve().parents[2] / "examples" / "upload"
    # stderr on a terminal: the upload draws its progress there (read while it runs)
    terminal, progress_end = pty.openpty()
    drawn: list[str] = []
    reader = threading.Thread(target=lambda: drawn.append(_read_all(terminal)))
    reader.start()
    uploaded = subprocess.run(
        [str(script), "upload", str(example), "--project", "highway", "--workers", "2"],
        env=env, stdout=subprocess.PIPE, stderr=progress_end, text=True, timeout=120,
    )  # fmt: skip
    os.close(progress_end)
    reader.join(timeout=30)
    assert uploaded.returncode == 0, drawn
    assert "3 created of 3 scene(s)" in uploaded.stdout
    assert "uploading" in drawn[0] and "5/5 files" in drawn[0]
    listed = subprocess.run(
        [str(script), "--json", "inputs", "--project", "highway"], env=env, capture_output=True, text=True
    )
    assert listed.returncode == 0, listed.stderr
    assert sorted(i["externalId"] for i in json.loads(listed.stdout)) == [
        "example-drive-0001", "example-drive-0002", "example-drive-0003"
    ]  # fmt: skip


def _read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode(errors="replace")
