"""One interface, two drivers: statements compiled once per dialect, run on `sqlite3` or `asyncpg`.

SQLAlchemy builds and compiles the statements; the raw drivers run them. Neither the ORM nor an
async adapter sits on the hot path (docs/architecture.md gives the measurements).
"""

from __future__ import annotations

import abc
import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import Dialect

from annobatch.domain import InvalidInput

Row = tuple[Any, ...]

_DIALECTS: dict[str, Dialect] = {}


def _dialect(name: str) -> Dialect:
    if name not in _DIALECTS:
        if name == "sqlite":
            _DIALECTS[name] = sqlite.dialect(paramstyle="named")
        else:
            _DIALECTS[name] = postgresql.asyncpg.dialect()
    return _DIALECTS[name]


class Query:
    """A statement compiled at most once per dialect.

    Parameters are `sa.bindparam` names (or a table's column names for a bare insert). A query may
    carry a dialect-specific statement where the SQL must differ (`per_dialect`).
    """

    __slots__ = ("_cache", "_per_dialect", "stmt")

    def __init__(self, stmt: sa.ClauseElement | str, **per_dialect: sa.ClauseElement | str) -> None:
        self.stmt = sa.text(stmt) if isinstance(stmt, str) else stmt
        self._per_dialect = {k: sa.text(v) if isinstance(v, str) else v for k, v in per_dialect.items()}
        self._cache: dict[str, tuple[str, tuple[str, ...], dict[str, Any]]] = {}

    def compiled(self, dialect: str) -> tuple[str, tuple[str, ...], dict[str, Any]]:
        """SQL text, positional parameter names (PostgreSQL), and the values the statement
        carries itself (a `LIMIT 1`, say)."""
        hit = self._cache.get(dialect)
        if hit is None:
            stmt = self._per_dialect.get(dialect, self.stmt)
            c = stmt.compile(dialect=_dialect(dialect))
            names = tuple(getattr(c, "positiontup", None) or ()) if dialect == "postgresql" else ()
            fixed = {k: v for k, v in c.params.items() if v is not None}
            hit = (str(c), names, fixed)
            self._cache[dialect] = hit
        return hit

    def bind(self, dialect: str, params: Mapping[str, Any] | None) -> tuple[str, Any]:
        sql, names, fixed = self.compiled(dialect)
        p: Mapping[str, Any] = params or {}
        if fixed:
            p = {**fixed, **p}
        if dialect == "postgresql":
            return sql, [p[n] for n in names]
        return sql, p


class IntegrityError(Exception):
    """A uniqueness or foreign-key constraint refused a write."""


class Unavailable(Exception):
    """The database cannot serve now (SQLite stayed locked past the busy timeout, PostgreSQL
    refused or lost the connection): a passing condition, worth a retry."""


@contextmanager
def _sqlite_errors() -> Iterator[None]:
    try:
        yield
    except sqlite3.IntegrityError as e:
        raise IntegrityError(str(e)) from e
    except sqlite3.OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            raise Unavailable(f"the database is busy ({e}); retry shortly") from e
        raise


class Tx(abc.ABC):
    """One transaction. Methods never suspend on the SQLite driver, so a transaction there never
    interleaves with another coroutine of the same process."""

    dialect: str
    rollback_only: bool = False

    @abc.abstractmethod
    async def execute(self, q: Query, params: Mapping[str, Any] | None = None) -> None: ...

    @abc.abstractmethod
    async def execute_many(self, q: Query, rows: Sequence[Mapping[str, Any]]) -> None: ...

    @abc.abstractmethod
    async def fetch_all(self, q: Query, params: Mapping[str, Any] | None = None) -> list[Row]: ...

    async def fetch_one(self, q: Query, params: Mapping[str, Any] | None = None) -> Row | None:
        rows = await self.fetch_all(q, params)
        return rows[0] if rows else None

    async def fetch_val(self, q: Query, params: Mapping[str, Any] | None = None) -> Any:
        row = await self.fetch_one(q, params)
        return None if row is None else row[0]


class Database(abc.ABC):
    dialect: str
    url: str

    @abc.abstractmethod
    async def connect(self) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    def transaction(self, write: bool = False) -> Any:
        """`async with db.transaction(write=True) as tx:` commits on success, rolls back on error."""

    @asynccontextmanager
    async def dry_run(self) -> AsyncIterator[Tx]:
        """A write transaction that is always rolled back: validate everything, write nothing."""
        async with self.transaction(write=True) as tx:
            try:
                yield tx
            finally:
                tx.rollback_only = True


# ------------------------------------------------------------------------------------ SQLite


class _SQLiteTx(Tx):
    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.rollback_only = False

    async def execute(self, q: Query, params: Mapping[str, Any] | None = None) -> None:
        sql, args = q.bind("sqlite", params)
        with _sqlite_errors():
            self.conn.execute(sql, args)

    async def execute_many(self, q: Query, rows: Sequence[Mapping[str, Any]]) -> None:
        sql, _, _ = q.compiled("sqlite")
        with _sqlite_errors():
            self.conn.executemany(sql, rows)

    async def fetch_all(self, q: Query, params: Mapping[str, Any] | None = None) -> list[Row]:
        sql, args = q.bind("sqlite", params)
        with _sqlite_errors():
            return self.conn.execute(sql, args).fetchall()


class SQLiteDatabase(Database):
    """A SQLite file in WAL mode. One connection per thread; writers take the lock up front
    (`BEGIN IMMEDIATE`) and wait up to `busy_timeout` for each other."""

    dialect = "sqlite"

    def __init__(self, path: str | Path, busy_timeout_ms: int = 10_000) -> None:
        self.path = str(path)
        self.url = f"sqlite:///{self.path}"
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            with _sqlite_errors():
                conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA foreign_keys = ON")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    async def connect(self) -> None:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn()

    async def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    @asynccontextmanager
    async def transaction(self, write: bool = False) -> AsyncIterator[_SQLiteTx]:
        conn = self._conn()
        if conn.in_transaction:
            raise RuntimeError(
                "a SQLite transaction is already open on this thread; transactions must not await I/O"
            )
        with _sqlite_errors():
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        tx = _SQLiteTx(conn)
        try:
            yield tx
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if tx.rollback_only:
            conn.execute("ROLLBACK")
        else:
            try:
                with _sqlite_errors():
                    conn.execute("COMMIT")
            except Unavailable:
                conn.execute("ROLLBACK")
                raise


# -------------------------------------------------------------------------------- PostgreSQL


class _PostgresTx(Tx):
    dialect = "postgresql"

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.rollback_only = False

    async def execute(self, q: Query, params: Mapping[str, Any] | None = None) -> None:
        sql, args = q.bind("postgresql", params)
        await self._guard(self.conn.execute(sql, *args))

    async def execute_many(self, q: Query, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        sql = q.compiled("postgresql")[0]
        await self._guard(self.conn.executemany(sql, [q.bind("postgresql", r)[1] for r in rows]))

    async def fetch_all(self, q: Query, params: Mapping[str, Any] | None = None) -> list[Row]:
        sql, args = q.bind("postgresql", params)
        rows = await self._guard(self.conn.fetch(sql, *args))
        return [tuple(r) for r in rows]

    @staticmethod
    async def _guard(aw: Any) -> Any:
        import asyncpg

        try:
            return await aw
        except asyncpg.IntegrityConstraintViolationError as e:
            raise IntegrityError(str(e)) from e
        except (asyncpg.CharacterNotInRepertoireError, asyncpg.StringDataRightTruncationError) as e:
            # Text PostgreSQL cannot hold (a NUL character, over a column's length) is the caller's
            # to fix, never a server error.
            raise InvalidInput(f"a text value cannot be stored: {e}", "unstorable-text") from e


class PostgresDatabase(Database):
    """PostgreSQL through an asyncpg pool. Writers serialise per project with row locks taken by
    the operations (`SELECT … FOR UPDATE`)."""

    dialect = "postgresql"

    def __init__(self, url: str, min_size: int = 1, max_size: int = 10) -> None:
        self.url = url
        self.dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
        self.min_size, self.max_size = min_size, max_size
        self._pool: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def connect(self) -> None:
        import asyncpg

        self._pool = await asyncpg.create_pool(
            self.dsn, min_size=self.min_size, max_size=self.max_size, reset=_keep_session
        )
        self._loop = asyncio.get_running_loop()

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def _connect_or_unavailable(self) -> None:
        import asyncpg

        try:
            await self.connect()
        except (OSError, asyncpg.CannotConnectNowError, asyncpg.TooManyConnectionsError) as e:
            raise Unavailable(f"the database cannot be reached ({e}); retry shortly") from e

    @asynccontextmanager
    async def transaction(self, write: bool = False) -> AsyncIterator[_PostgresTx]:
        if self._pool is None or self._loop is not asyncio.get_running_loop():
            # A new event loop (the operator CLI, a test thread): a pool belongs to one loop.
            await self._connect_or_unavailable()
        async with self._pool.acquire() as conn:
            if not write:
                # Under READ COMMITTED every statement reads its own snapshot, in a transaction
                # or not: a read needs no BEGIN and COMMIT, two round trips fewer.
                yield _PostgresTx(conn)
                return
            tr = conn.transaction()
            await tr.start()
            tx = _PostgresTx(conn)
            try:
                yield tx
            except BaseException:
                await tr.rollback()
                raise
            if tx.rollback_only:
                await tr.rollback()
            else:
                await tr.commit()


async def _keep_session(conn: Any) -> None:
    """What a connection needs on its way back to the pool, beyond the rollback of an open
    transaction that asyncpg always does: nothing. Its default reset (unlisten, reset settings,
    release session advisory locks) costs a round trip per transaction, and annobatch keeps no
    session state: its advisory locks are transaction-scoped."""


def open_database(url: str) -> Database:
    """`sqlite:///path/to/file.db` or `postgresql://user@host/db`."""
    if url.startswith("sqlite:///"):
        return SQLiteDatabase(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://", "postgresql+asyncpg://")):
        return PostgresDatabase(url.replace("postgres://", "postgresql://", 1))
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://…")
