"""The operator CLI runs the services in process and needs no HTTP server: an ordinary command, run
as the installed `annobatch` script runs it, loads neither Litestar nor granian. (`serve` and `demo`
start the server, so they load it, and only then.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from annobatch.cli.operator import main

#: Runs the `annobatch` console script's entry point in this interpreter with the given arguments,
#: then writes to the result file which server modules were loaded and whether they could have been.
PROBE = """
import importlib.util, json, sys
from importlib.metadata import entry_points

result_file, *args = sys.argv[1:]
[entry] = entry_points(group="console_scripts", name="annobatch")
main = entry.load()
code = main(args, prog_name="annobatch", standalone_mode=False)
server = ("litestar", "granian")
with open(result_file, "w") as f:
    json.dump({
        "exit": code or 0,
        "loaded": sorted(m for m in sys.modules if m.split(".")[0] in server),
        "importable": [name for name in server if importlib.util.find_spec(name) is not None],
    }, f)
"""


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A fresh SQLite data directory with one organization and one project in it."""
    data = tmp_path / "data"
    runner = CliRunner()
    for args in (
        ["db", "upgrade"],
        ["org", "create", "acme"],
        ["project", "create", "--org", "acme", "p1", "--title", "Highway", "--annotation-types", "a"],
        ["batch", "create", "--org", "acme", "p1", "b1"],
    ):
        r = runner.invoke(main, ["--data", str(data), *args], env={"ANNOBATCH_DATABASE_URL": ""})
        assert r.exit_code == 0, (args, r.stderr)
    return data


def run_in_a_fresh_interpreter(tmp_path: Path, *args: str) -> tuple[dict[str, object], str]:
    result = tmp_path / "probe.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANNOBATCH_")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(result), *args],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(result.read_text()), done.stdout


def test_project_list_loads_neither_litestar_nor_granian(data: Path, tmp_path: Path) -> None:
    probe, stdout = run_in_a_fresh_interpreter(tmp_path, "--data", str(data), "--json", "project", "list")
    assert probe["exit"] == 0
    assert [p["project"] for p in json.loads(stdout)] == ["p1"]
    assert probe["importable"] == ["litestar", "granian"]  # absent because not loaded, not missing
    assert probe["loaded"] == []


@pytest.mark.parametrize(
    "command",
    [
        ["credentials", "create", "--org", "acme"],
        ["batch", "publish", "--org", "acme", "p1", "b1"],
        ["db", "upgrade"],
    ],
    ids=" ".join,
)
def test_other_ordinary_commands_load_no_server(data: Path, tmp_path: Path, command: list[str]) -> None:
    probe, _ = run_in_a_fresh_interpreter(tmp_path, "--data", str(data), *command)
    assert probe["exit"] == 0
    assert probe["loaded"] == []
