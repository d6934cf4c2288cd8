"""`annobatch serve` as a real process: it migrates, serves with one or several workers, and the
official client reaches it with a credentials file written by `annobatch credentials create`."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from kognic.io.client import KognicIOClient
from operator_testing import assert_refused

from annobatch.cli.operator import main
from annobatch.settings import Settings
from liveserver import annobatch_command, free_port, serving


@contextmanager
def annobatch_serving(args: list[str], log: Path, port: int, cwd: Path | None = None) -> Iterator[Any]:
    """Run `annobatch ARGS` until /healthz on `port` answers; stop it and its workers afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANNOBATCH_")}
    with serving([*annobatch_command(), *args], port, log, env, cwd) as proc:
        yield proc


def official_client(credentials: Path, url: str) -> KognicIOClient:
    return KognicIOClient(auth=str(credentials), host=url, auth_host=url, workspace_api_host=url)


def operator_cli(database_url: str, *args: str) -> str:
    r = CliRunner().invoke(main, ["--database-url", database_url, *args], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    return r.stdout


def test_the_official_client_lists_projects_with_a_credentials_file_from_the_operator_cli(
    database_url: str, tmp_path: Path
) -> None:
    operator_cli(database_url, "org", "create", "acme")
    operator_cli(
        database_url, "project", "create", "--org", "acme", "p1", "--title", "One", "--annotation-types", "a"
    )
    operator_cli(database_url, "project", "create", "--org", "acme", "p2", "--title", "Two")
    creds = tmp_path / "acme.json"
    operator_cli(database_url, "credentials", "create", "--org", "acme", "--out", str(creds))
    port = free_port()
    args = ["--database-url", database_url, "--data", str(tmp_path / "data"), "serve", "--port", str(port)]
    with annobatch_serving(args, tmp_path / "serve.log", port):
        client = official_client(creds, f"http://127.0.0.1:{port}")
        projects = client.project.get_projects()
        assert [(p.project, p.title) for p in projects] == [("p1", "One"), ("p2", "Two")]
        batch = client.project.create_batch("p1", "b1")
        assert batch.status == "open"
    listed = json.loads(operator_cli(database_url, "--json", "batch", "list", "--org", "acme", "p1"))
    assert [b["batch"] for b in listed] == ["b1"]


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout
    return [int(p) for p in out.split()]


def test_serve_migrates_a_fresh_database_and_answers_with_two_workers(
    backend: str, database_url: str, tmp_path: Path, postgres_admin_url: str | None, runner: Any
) -> None:
    from conftest import fresh_postgres_database

    with contextlib.ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / 'fresh' / 'annobatch.db'}"
        else:
            assert postgres_admin_url is not None
            url = stack.enter_context(fresh_postgres_database(postgres_admin_url, runner, migrate=False))
        port = free_port()
        args = [
            "--database-url",
            url,
            "--data",
            str(tmp_path / "fresh"),
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
        ]
        with annobatch_serving(args, tmp_path / "serve.log", port) as proc:
            assert len(_children(proc.pid)) == 2
            operator_cli(url, "org", "create", "acme")
            operator_cli(url, "project", "create", "--org", "acme", "p1", "--title", "One")
            creds = tmp_path / "acme.json"
            operator_cli(url, "credentials", "create", "--org", "acme", "--out", str(creds))
            server = f"http://127.0.0.1:{port}"
            # Several clients, several tokens: whichever worker answers, the signing key is shared.
            for _ in range(4):
                assert [p.project for p in official_client(creds, server).project.get_projects()] == ["p1"]


def test_serve_on_a_port_in_use_is_refused_in_one_line(database_url: str) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = CliRunner().invoke(main, ["--database-url", database_url, "serve", "--port", str(port)])
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use; choose another --port"
    ]


def test_serve_refuses_a_weak_secret_key_in_one_line(tmp_path: Path) -> None:
    r = CliRunner().invoke(
        main,
        ["--data", str(tmp_path), "serve"],
        env={"ANNOBATCH_SECRET_KEY": "secret", "ANNOBATCH_DATABASE_URL": ""},
    )
    assert_refused(r, "ANNOBATCH_SECRET_KEY", "--dev")
    assert not (tmp_path / "annobatch.db").exists()


def test_serve_hands_its_workers_the_same_data_directory_database_and_mode(tmp_path: Path) -> None:
    for dev in (False, True):
        chosen = Settings(data_dir=tmp_path, database_url="postgresql://db.example/annobatch", dev=dev)
        seen = Settings.from_env(chosen.location_env())
        assert (seen.data_dir, seen.database_url, seen.dev) == (tmp_path, chosen.database_url, dev)


def test_serve_hands_its_workers_the_same_pool_and_timeouts(tmp_path: Path) -> None:
    env = {
        "ANNOBATCH_DB_POOL_MIN_SIZE": "2",
        "ANNOBATCH_DB_POOL_SIZE": "7",
        "ANNOBATCH_DB_ACQUIRE_TIMEOUT": "2.5",
        "ANNOBATCH_DB_STATEMENT_TIMEOUT": "0",
    }
    chosen = Settings.from_env(env, data_dir=tmp_path, database_url="postgresql://db.example/annobatch")
    assert chosen.database_options() == {
        "pool_min_size": 2,
        "pool_size": 7,
        "acquire_timeout": 2.5,
        "statement_timeout": 0.0,
    }
    assert Settings.from_env(chosen.location_env()).database_options() == chosen.database_options()
    defaults = Settings(data_dir=tmp_path).database_options()
    assert defaults == {
        "pool_min_size": 1,
        "pool_size": 10,
        "acquire_timeout": 5.0,
        "statement_timeout": 30.0,
    }


def test_serve_refuses_an_impossible_database_pool_in_one_line(tmp_path: Path) -> None:
    for env in (
        {"ANNOBATCH_DB_POOL_SIZE": "0"},
        {"ANNOBATCH_DB_POOL_MIN_SIZE": "5", "ANNOBATCH_DB_POOL_SIZE": "2"},
    ):
        r = CliRunner().invoke(
            main, ["--data", str(tmp_path), "serve"], env={"ANNOBATCH_DATABASE_URL": "", **env}
        )
        assert_refused(r, "ANNOBATCH_DB_POOL_MIN_SIZE", "ANNOBATCH_DB_POOL_SIZE")
    r = CliRunner().invoke(main, ["--data", str(tmp_path), "serve", "--db-pool-size", "0"])
    assert r.exit_code == 2 and "--db-pool-size" in r.stderr
    assert not (tmp_path / "annobatch.db").exists()


def test_the_servers_sweep_is_set_from_the_environment_and_an_unsafe_one_refused(tmp_path: Path) -> None:
    env = {
        "ANNOBATCH_SWEEP_INTERVAL": "0",
        "ANNOBATCH_SWEEP_PARTIAL_AFTER": "7200",
        "ANNOBATCH_SWEEP_ORPHAN_GRACE": "3600",
    }
    policy = Settings.from_env(env, data_dir=tmp_path).sweep_policy()
    assert (policy.interval_seconds, policy.partial_after_seconds, policy.orphan_grace_seconds) == (
        0,
        7200,
        3600,
    )
    defaults = Settings(data_dir=tmp_path).sweep_policy()
    assert (defaults.interval_seconds, defaults.partial_after_seconds, defaults.orphan_grace_seconds) == (
        600,
        3600,
        86400,
    )
    r = CliRunner().invoke(
        main,
        ["--data", str(tmp_path), "serve"],
        env={"ANNOBATCH_DATABASE_URL": "", "ANNOBATCH_SWEEP_ORPHAN_GRACE": "60"},
    )
    assert_refused(r, "at least 600", "ANNOBATCH_SWEEP_ORPHAN_GRACE")


def test_serve_hands_granian_and_its_workers_the_limits_on_clients(tmp_path: Path) -> None:
    from granian.constants import HTTPModes

    from annobatch.cli.operator.serve import granian_options

    env = {
        "ANNOBATCH_HEADER_READ_TIMEOUT": "4.5",
        "ANNOBATCH_BODY_READ_TIMEOUT": "12",
        "ANNOBATCH_MAX_CONNECTIONS": "300",
        "ANNOBATCH_CORS_ORIGINS": "https://a.example, https://b.example",
        "ANNOBATCH_TOKEN_FAILURES_PER_CLIENT": "3",
        "ANNOBATCH_TRUSTED_PROXIES": "10.0.0.1",
    }
    chosen = Settings.from_env(env, data_dir=tmp_path)
    assert (chosen.header_read_timeout_seconds, chosen.body_read_timeout_seconds) == (4.5, 12.0)
    assert chosen.cors_origins == ("https://a.example", "https://b.example")
    seen = Settings.from_env(chosen.location_env())
    for name in ("header_read_timeout_seconds", "body_read_timeout_seconds", "max_connections",
                 "cors_origins", "token_failures_per_client", "trusted_proxies"):  # fmt: skip
        assert getattr(seen, name) == getattr(chosen, name), name
    options = granian_options(chosen, workers=2)
    assert options["http"] == HTTPModes.http1  # no HTTP/2 sniffing: it waits for a silent client forever
    assert options["http1_settings"].header_read_timeout == 4500
    assert options["backpressure"] == 300
    defaults = Settings(data_dir=tmp_path)
    assert (defaults.header_read_timeout_seconds, defaults.body_read_timeout_seconds) == (10.0, 30.0)
    assert (defaults.max_connections, defaults.cors_origins) == (1024, ())


def test_serve_refuses_impossible_limits_on_clients_in_one_line(tmp_path: Path) -> None:
    for env, named in (
        ({"ANNOBATCH_HEADER_READ_TIMEOUT": "61"}, "ANNOBATCH_HEADER_READ_TIMEOUT"),
        ({"ANNOBATCH_BODY_READ_TIMEOUT": "0"}, "ANNOBATCH_BODY_READ_TIMEOUT"),
        ({"ANNOBATCH_MAX_CONNECTIONS": "0"}, "ANNOBATCH_MAX_CONNECTIONS"),
    ):
        r = CliRunner().invoke(
            main, ["--data", str(tmp_path), "serve"], env={"ANNOBATCH_DATABASE_URL": "", **env}
        )
        assert_refused(r, named)
    r = CliRunner().invoke(main, ["--data", str(tmp_path), "serve", "--max-connections", "0"])
    assert r.exit_code == 2 and "--max-connections" in r.stderr
    assert not (tmp_path / "annobatch.db").exists()
