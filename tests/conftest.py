"""Fixtures shared by every test: a fresh database per test (SQLite always; PostgreSQL too when
ANNOBATCH_TEST_DATABASE_URL is set), the app in process, and a small world of organizations,
credentials and projects."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import uuid
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from annobatch.server.app import create_app
from annobatch.services import Services
from annobatch.services.accounts import NewCredential
from annobatch.services.identity import operator
from annobatch.settings import Settings
from annobatch.storage import tables
from annobatch.storage.database import Database, open_database
from annobatch.storage.migrate import upgrade
from balancer import Outage, haproxy_binary, outage_midway
from liveserver import LiveServer
from s3_server import s3  # noqa: F401  (the session's SeaweedFS, a fixture)

T = TypeVar("T")
PG_ENV = "ANNOBATCH_TEST_DATABASE_URL"
#: Tests here run a third time through the balancer (`balanced`) when they take `live`.
CONFORMANCE = Path(__file__).parent / "conformance"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    backends = ["sqlite", "postgres"] if os.environ.get(PG_ENV) else ["sqlite"]
    if metafunc.definition.get_closest_marker("sqlite_only"):
        backends = ["sqlite"]
    if "database_url" in metafunc.fixturenames:
        metafunc.parametrize("backend", backends, scope="function")
    if "live" in metafunc.fixturenames:
        if "postgres" in backends and CONFORMANCE in metafunc.definition.path.parents and haproxy_binary():
            backends = [*backends, "balanced"]
        metafunc.parametrize("live_backend", backends, scope="session")


#: A test run under pytest-xdist (`make test`) is one whose `balanced` tests all run on one worker:
#: the outage is planned over all of them (`Outage`). Their ids name the backend (`[balanced]`,
#: `[balanced-…]`).
_BALANCED_ID = re.compile(r"\[balanced[-\]]")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`-n N` (`--dist load`) and `--dist loadscope`, as `make test` runs it: each module's tests
    on one worker (its module-scoped servers and browsers made once), and every `balanced` test on
    one worker. (`--dist loadfile`, `loadgroup` or `worksteal` would share them out.)"""
    if config.getoption("dist") not in ("load", "loadscope"):
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModulesAndTheBalancedTests(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            if _BALANCED_ID.search(nodeid):
                return "balanced"
            return str(super()._split_scope(nodeid))

    return ModulesAndTheBalancedTests(config, log)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """A worker is started with COLUMNS=80 in its environment where the run has none: the command
    lines would wrap their tables at 80 columns. It is handed the run's own value instead."""
    node.workerinput["annobatch_columns"] = os.environ.get("COLUMNS")


def pytest_configure(config: pytest.Config) -> None:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and "annobatch_columns" in workerinput:
        columns = workerinput["annobatch_columns"]
        if columns is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = columns


@pytest.fixture(scope="session")
def runner() -> Iterator[asyncio.Runner]:
    """One event loop for the whole session, for setting things up with async operations."""
    with asyncio.Runner() as r:
        yield r


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "annobatch.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_admin_url() -> str | None:
    return os.environ.get(PG_ENV) or None


async def _admin(admin_url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


#: The migrated database on each PostgreSQL server that databases of tests are copied from
#: (CREATE DATABASE … TEMPLATE: 0.03 s where running the migrations takes 0.5 s), by admin URL.
_PG_TEMPLATES: dict[str, str] = {}


def _postgres_template(admin_url: str, runner: asyncio.Runner) -> str:
    """The name of the session's migrated template database on `admin_url`'s server, made on first use
    (dropped by `pytest_sessionfinish`)."""
    if admin_url not in _PG_TEMPLATES:
        name = f"annobatch_template_{uuid.uuid4().hex[:12]}"
        runner.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
        _PG_TEMPLATES[admin_url] = name
        base, _, _ = admin_url.rpartition("/")
        upgrade(f"{base}/{name}")
    return _PG_TEMPLATES[admin_url]


def pytest_sessionfinish(session: pytest.Session) -> None:
    with asyncio.Runner() as r:
        for admin_url, name in _PG_TEMPLATES.items():
            with contextlib.suppress(Exception):
                r.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    _PG_TEMPLATES.clear()


@contextmanager
def fresh_postgres_database(admin_url: str, runner: asyncio.Runner, migrate: bool = True) -> Iterator[str]:
    """A database of our own on the PostgreSQL server, migrated (a copy of the session's migrated
    template), dropped afterwards."""
    name = f"annobatch_test_{uuid.uuid4().hex[:12]}"
    template = f' TEMPLATE "{_postgres_template(admin_url, runner)}"' if migrate else ""
    runner.run(_admin(admin_url, f'CREATE DATABASE "{name}"{template}'))
    base, _, _ = admin_url.rpartition("/")
    url = f"{base}/{name}"
    try:
        yield url
    finally:
        runner.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_url(postgres_admin_url: str | None, runner: asyncio.Runner) -> Iterator[str | None]:
    if postgres_admin_url is None:
        yield None
        return
    with fresh_postgres_database(postgres_admin_url, runner) as url:
        yield url


#: What migration 0005 seeds the error-type catalogue with: put back after each truncation.
SEEDED_ERROR_TYPES = (
    ("missing-object", "Missing object", True, False),
    ("extra-object", "Extra object", False, True),
    ("wrong-class", "Wrong class", False, True),
    ("wrong-property", "Wrong property", False, True),
    ("inaccurate-geometry", "Inaccurate geometry", True, True),
    ("wrong-track-id", "Wrong track id", False, True),
    ("other", "Other", True, True),
)


class PostgresReset:
    """Empties the session's PostgreSQL database between tests, as a fresh migration leaves it:
    every table emptied, its identities started again and the error types seeded again. DELETE in
    one transaction (about 2 ms on tables a test filled) where TRUNCATE … RESTART IDENTITY makes
    new files for every table and index (0.15 s, each test)."""

    def __init__(self, url: str, runner: asyncio.Runner) -> None:
        self.url = url
        self.runner = runner
        self.conn: Any = None
        self.sql = ""

    async def _connect(self) -> None:
        import asyncpg

        self.conn = await asyncpg.connect(self.url)
        sequences = await self.conn.fetch(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) AS name, start_value"
            " FROM pg_sequences WHERE schemaname = current_schema()"
        )
        deletes = [f"DELETE FROM {t.name};" for t in reversed(tables.metadata.sorted_tables)]
        restarts = [f"SELECT setval('{s['name']}', {s['start_value']}, false);" for s in sequences]
        seeds = [
            "INSERT INTO error_types (id, name, pin_allowed, object_allowed, position) VALUES "
            + ", ".join(
                f"('{i}', '{n}', {p}, {o}, {pos})" for pos, (i, n, p, o) in enumerate(SEEDED_ERROR_TYPES)
            )
            + ";"
        ]
        self.sql = "BEGIN;" + "".join(deletes + restarts + seeds) + "COMMIT;"

    def __call__(self) -> None:
        import asyncpg

        async def go() -> None:
            if self.conn is None or self.conn.is_closed():
                await self._connect()
            try:
                await self.conn.execute(self.sql)
            except (asyncpg.InterfaceError, asyncpg.ConnectionDoesNotExistError):
                await self._connect()  # a test ended the connection: once more on a new one
                await self.conn.execute(self.sql)

        self.runner.run(go())

    def close(self) -> None:
        if self.conn is not None and not self.conn.is_closed():
            self.runner.run(self.conn.close())


@pytest.fixture(scope="session")
def postgres_reset(postgres_url: str | None, runner: asyncio.Runner) -> Iterator[PostgresReset | None]:
    if postgres_url is None:
        yield None
        return
    reset = PostgresReset(postgres_url, runner)
    try:
        yield reset
    finally:
        reset.close()


@pytest.fixture
def database_url(
    backend: str,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_url: str | None,
    postgres_reset: PostgresReset | None,
) -> str:
    if backend == "sqlite":
        path = tmp_path / "data" / "annobatch.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    assert postgres_url is not None and postgres_reset is not None
    postgres_reset()
    return postgres_url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, public_url="")


@pytest.fixture
def db(database_url: str, runner: asyncio.Runner) -> Iterator[Database]:
    database = open_database(database_url)
    runner.run(database.connect())
    yield database
    runner.run(database.close())


@dataclass
class World:
    """Set-up helpers over the operations, run on the session's event loop."""

    ops: Services
    runner: asyncio.Runner

    def run(self, factory: Callable[[], Coroutine[Any, Any, T]] | Coroutine[Any, Any, T]) -> T:
        coro = factory() if callable(factory) else factory
        return self.runner.run(coro)

    def org(self, name: str) -> int:
        org, _ = self.run(self.ops.accounts.create_organization(name))
        return org.id

    def credential(self, org: int, *, staff: bool = False, workspace: str | None = None) -> NewCredential:
        return self.run(self.ops.accounts.create_credential(org, workspace=workspace, staff=staff))

    def project(self, org: int, project: str, types: list[str] | None = None, **kw: Any) -> None:
        kw.setdefault("title", project.upper())
        self.run(self.ops.projects.create_project(operator(org), project, annotation_types=types, **kw))

    def batch(self, org: int, project: str, batch: str, **kw: Any) -> None:
        self.run(self.ops.batches.create_batch(operator(org), project, batch, **kw))


@pytest.fixture
def world(db: Database, runner: asyncio.Runner) -> World:
    return World(Services.over(db), runner)


#: The settings read when the app is made (the rest is read when it starts).
BUILT_WITH = ("cors_origins", "max_body_bytes", "body_read_timeout_seconds")


@pytest.fixture(scope="session")
def reusable_app() -> Litestar:
    """One app for the session (making one registers ~240 routes: 0.4 s), started afresh over
    each test's own settings and database."""
    return create_app(Settings(public_url=""))


@pytest.fixture
def app_client(settings: Settings, reusable_app: Litestar) -> Iterator[TestClient[Any]]:
    default = reusable_app.state.settings
    built_alike = all(getattr(settings, f) == getattr(default, f) for f in BUILT_WITH)
    app = reusable_app if built_alike else create_app(settings)
    app.state.settings = settings
    try:
        with TestClient(app) as client:
            yield client
    finally:
        app.state.settings = default


def bearer(client: TestClient[Any], cred: NewCredential, org: int | None = None) -> dict[str, str]:
    r = client.post(
        "/v1/auth/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": cred.record.client_id,
            "client_secret": cred.secret,
        },
    )
    assert r.status_code == 200, r.text
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    if org is not None:
        headers["X-Organization-Id"] = str(org)
    return headers


@dataclass
class Live:
    """A running server and set-up helpers on its database. `balanced`: the server is one of the
    replicas behind the balancer, which the tests speak to."""

    server: LiveServer
    world: World
    balanced: Outage | None = None

    @property
    def url(self) -> str:
        return self.balanced.cluster.url if self.balanced else self.server.url


@pytest.fixture(scope="session")
def live(
    live_backend: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_admin_url: str | None,
    runner: asyncio.Runner,
) -> Iterator[Live]:
    """One real server (granian on a free loopback port) per backend for the session. Tests share
    it, so each creates organizations with unique names (`unique`). `balanced`: two replicas on
    PostgreSQL and the session's S3 bucket behind haproxy (`deploy/haproxy.cfg`), one of them
    killed and started again between tests (`Outage`, `pytest_runtest_setup`)."""
    data = tmp_path_factory.mktemp(f"live-{live_backend}")
    balanced = None
    with contextlib.ExitStack() as stack:
        if live_backend == "sqlite":
            url = f"sqlite:///{data / 'annobatch.db'}"
            upgrade(url)
        else:
            assert postgres_admin_url is not None
            url = stack.enter_context(fresh_postgres_database(postgres_admin_url, runner))
        if live_backend == "balanced":
            planned = sum(_balanced(item) for item in request.session.items)
            blob_env = request.getfixturevalue("s3").blob_env()
            balanced = stack.enter_context(outage_midway(data, url, blob_env, planned))
            server = balanced.cluster.replicas[-1]  # the one never killed
        else:
            server = LiveServer(data, url).start()
            stack.callback(server.stop)
        database = open_database(url)
        runner.run(database.connect())
        stack.callback(lambda: runner.run(database.close()))
        yield Live(server, World(Services.over(database), runner), balanced)
        if balanced is not None and not request.session.testsfailed:
            # every planned test ran through it (so the replica was killed and started again):
            # under pytest-xdist, all of them on this worker
            assert balanced.started == balanced.planned, (
                f"{balanced.started} of the {balanced.planned} balanced tests ran through the outage"
                " (under pytest-xdist they must all run on one worker: -n N or --dist loadscope)"
            )


def _balanced(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return callspec is not None and callspec.params.get("live_backend") == "balanced"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    """Once a test's fixtures are set up, the balanced server's outage takes its turn (a replica
    killed or started again) before the test runs."""
    yield
    live = getattr(item, "funcargs", {}).get("live")
    if isinstance(live, Live) and live.balanced is not None:
        live.balanced.before_test()


@pytest.fixture(scope="module", params=["sqlite", "postgres"] if os.environ.get(PG_ENV) else ["sqlite"])
def live_two_workers(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_admin_url: str | None,
    runner: asyncio.Runner,
) -> Iterator[Live]:
    """A real server with two worker processes (so that two processes contend for the database)
    per backend, for a module of races; each test makes an organization of its own (`unique`)."""
    data = tmp_path_factory.mktemp(f"live2-{request.param}")
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{data / 'annobatch.db'}"
            upgrade(url)
        else:
            assert postgres_admin_url is not None
            url = stack.enter_context(fresh_postgres_database(postgres_admin_url, runner))
        server = LiveServer(data, url, workers=2).start()
        stack.callback(server.stop)
        database = open_database(url)
        runner.run(database.connect())
        stack.callback(lambda: runner.run(database.close()))
        yield Live(server, World(Services.over(database), runner))


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
