"""`annobatch db upgrade`: it creates the database, changes nothing the second time, and says in one
line when it cannot reach the database."""

from __future__ import annotations

import json
from pathlib import Path

from operator_testing import assert_refused, cli


def test_db_upgrade_creates_the_database_and_running_it_again_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'annobatch.db'}"
    first = cli(url, "--json", "db", "upgrade")
    assert first.exit_code == 0, first.stderr
    again = cli(url, "--json", "db", "upgrade")
    assert json.loads(first.stdout) == json.loads(again.stdout)
    assert json.loads(first.stdout)["revision"]


def test_db_upgrade_on_an_unreachable_database_is_one_line() -> None:
    line = assert_refused(cli("postgresql://ops:hunter2@127.0.0.1:1/annobatch", "db", "upgrade"))
    assert "cannot migrate the database at postgresql://ops:***@127.0.0.1:1/annobatch" in line
