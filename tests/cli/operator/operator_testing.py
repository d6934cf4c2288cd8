"""Helpers for the operator CLI's tests: run `annobatch` in process (click's CliRunner) against one
database, read its JSON, and check a refusal's shape."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner, Result

from annobatch.cli.operator import main


def cli(database_url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["--database-url", database_url, *args], env=env, catch_exceptions=False)


def ok_json(database_url: str, *args: str) -> Any:
    r = cli(database_url, "--json", *args)
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def assert_refused(r: Result, *words: str) -> str:
    """Exit status 1, one line on stderr naming `words`, nothing on stdout, no traceback."""
    assert r.exit_code == 1, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.output
    assert r.stdout == ""
    for w in words:
        assert w in lines[0]
    return lines[0]
