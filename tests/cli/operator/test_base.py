"""What every operator command shares: where the database is (options before or after the command,
the environment), and one clear line when it is missing, uninitialised, unreachable or unsupported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from operator_testing import assert_refused, cli

from annobatch.cli.operator import main
from annobatch.cli.operator.base import Env, run
from annobatch.services import Services
from annobatch.settings import Settings


def test_options_may_follow_the_subcommand_and_data_comes_from_the_environment(tmp_path: Path) -> None:
    runner = CliRunner()
    data = tmp_path / "elsewhere"
    up = runner.invoke(main, ["db", "upgrade", "--data", str(data)], env={"ANNOBATCH_DATABASE_URL": ""})
    assert up.exit_code == 0, up.stderr
    assert (data / "annobatch.db").exists()
    env = {"ANNOBATCH_DATA": str(data), "ANNOBATCH_DATABASE_URL": ""}
    created = runner.invoke(main, ["org", "create", "acme", "--json"], env=env)
    assert created.exit_code == 0, created.stderr
    assert json.loads(created.stdout)["name"] == "acme"


def test_commands_on_a_missing_database_say_to_run_db_upgrade_and_create_nothing(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["--data", str(tmp_path / "data"), "org", "create", "acme"], env={
        "ANNOBATCH_DATABASE_URL": ""
    })  # fmt: skip
    assert_refused(r, "annobatch db upgrade")
    assert not (tmp_path / "data").exists()


def test_commands_on_an_uninitialised_database_say_to_run_db_upgrade(
    backend: str, database_url: str, tmp_path: Path, postgres_admin_url: str | None, runner: Any
) -> None:
    from conftest import fresh_postgres_database

    if backend == "sqlite":
        empty = tmp_path / "empty.db"
        empty.touch()
        assert_refused(cli(f"sqlite:///{empty}", "project", "list"), "has not been initialised", "db upgrade")
        return
    assert postgres_admin_url is not None
    with fresh_postgres_database(postgres_admin_url, runner, migrate=False) as url:
        assert_refused(cli(url, "project", "list"), "has not been initialised", "db upgrade")


def test_an_unreachable_database_is_one_line_without_the_password() -> None:
    r = cli("postgresql://ops:hunter2@127.0.0.1:1/annobatch", "project", "list")
    line = assert_refused(r, "cannot open the database")
    assert "hunter2" not in line


def test_an_unsupported_database_url_is_refused() -> None:
    assert_refused(cli("mysql://localhost/x", "project", "list"), "unsupported database URL")


def test_the_cli_finds_the_database_where_the_server_would_from_the_same_environment(tmp_path: Path) -> None:
    environment = {"ANNOBATCH_DATA": str(tmp_path / "shared"), "ANNOBATCH_DATABASE_URL": ""}
    up = CliRunner().invoke(main, ["--json", "db", "upgrade"], env=environment)
    assert up.exit_code == 0, up.stderr
    assert json.loads(up.stdout)["database"] == Settings.from_env(environment).database_url


def test_ordinary_commands_create_nothing_in_the_data_directory_but_the_database(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"ANNOBATCH_DATA": str(data), "ANNOBATCH_DATABASE_URL": ""}
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"], env=env).exit_code == 0
    for args in (
        ["org", "create", "acme"],
        ["project", "create", "--org", "acme", "p1", "--title", "T", "--annotation-types", "a"],
        ["batch", "create", "--org", "acme", "p1", "b1"],
        ["project", "list"],
        ["batch", "list", "--org", "acme", "p1"],
    ):
        r = runner.invoke(main, args, env=env)
        assert r.exit_code == 0, (args, r.stderr)
    assert [p.name for p in data.iterdir() if p.is_dir()] == []


def test_only_a_unit_of_work_that_needs_files_opens_the_blob_store(tmp_path: Path) -> None:
    data = tmp_path / "data"
    up = CliRunner().invoke(main, ["--data", str(data), "db", "upgrade"], env={"ANNOBATCH_DATABASE_URL": ""})
    assert up.exit_code == 0, up.stderr

    async def nothing(services: Services) -> None:
        return None

    run(nothing, Env(data, None))
    assert not (data / "blobs").exists()
    run(nothing, Env(data, None), files=True)
    assert (data / "blobs").is_dir()
