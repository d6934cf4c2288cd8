"""The installed `kognicutil` script as a user runs it, against a live server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
