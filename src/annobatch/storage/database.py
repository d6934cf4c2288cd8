"""One interface, two drivers: statements compiled once per dialect, run on `sqlite3` or `asyncpg`.

SQLAlchemy builds and compiles the statements; the raw drivers run them. Neither the ORM nor an
async adapter sits on the hot path (docs/architecture.md gives the measurements).
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import functools
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import Dialect

from annobatch.domain import InvalidInput
from annobatch.storage.errors import OutOfSpace
from annobatch.storage.sqlite_checkpoint import WAL_LIMIT, Checkpointer

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
    refused or lost the connection): a passing condition, worth a retry. A full disk is
    `storage.errors.OutOfSpace`."""


class TransactionAborted(Unavailable):
    """The transaction must run again from its start: PostgreSQL aborted it to break a deadlock or
    a serialization failure, or the operation found that what it locked changed before its locks
    were granted. `annobatch.services.transactions.transact` runs it again a few times; past that
    it is a passing condition like any other `Unavailable`."""


@contextmanager
def _sqlite_errors() -> Iterator[None]:
    try:
        yield
    except sqlite3.IntegrityError as e:
        raise IntegrityError(str(e)) from e
    except sqlite3.OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            raise Unavailable(f"the database is busy ({e}); retry shortly") from e
        if getattr(e, "sqlite_errorname", "") == "SQLITE_FULL" or "database or disk is full" in str(e):
            raise OutOfSpace("the disk holding the database is full") from e
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


_PING = Query("SELECT 1")


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

    async def ping(self) -> None:
        """One round trip: the database answers (else `Unavailable`, as for any query)."""
        async with self.transaction() as tx:
            await tx.fetch_all(_PING)

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

    def __init__(
        self,
        path: str | Path,
        busy_timeout_ms: int = 10_000,
        checkpoint_interval: float | None = 0.25,
        wal_limit: int = WAL_LIMIT,
    ) -> None:
        """`checkpoint_interval`: seconds between background WAL checkpoints (`sqlite_checkpoint`);
        None leaves them to SQLite, inside the commits. `wal_limit`: the WAL's size in bytes past
        which the background checkpoints start the log again."""
        self.path = str(path)
        self.url = f"sqlite:///{self.path}"
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.checkpointer = (
            Checkpointer(self.path, checkpoint_interval, wal_limit) if checkpoint_interval else None
        )

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            with _sqlite_errors():
                conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
                _switch_to_wal(conn, self.busy_timeout_ms)
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA foreign_keys = ON")
                if self.checkpointer is not None:
                    conn.execute("PRAGMA wal_autocheckpoint = 0")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
                if self.checkpointer is not None:
                    self.checkpointer.start()
        return conn

    async def connect(self) -> None:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn()

    async def close(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
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
        if write:
            await self._begin_immediate(conn)
        else:
            with _sqlite_errors():
                conn.execute("BEGIN")
        tx = _SQLiteTx(conn)
        try:
            yield tx
        except BaseException:
            _sqlite_rollback(conn)
            raise
        if tx.rollback_only:
            conn.execute("ROLLBACK")
        else:
            try:
                with _sqlite_errors():
                    conn.execute("COMMIT")
            except (Unavailable, OutOfSpace):
                _sqlite_rollback(conn)
                raise

    async def _begin_immediate(self, conn: sqlite3.Connection) -> None:
        """Take the write lock. While another process's writer holds it (several workers on one
        file, or the operator CLI beside the server), wait on the event loop in steps of at most
        2 ms, serving other requests meanwhile, not in SQLite's busy handler: that one sleeps the
        loop's thread in steps that grow to 100 ms (1, 2, 5, 10, 15, 20, 25… ms), so a writer that
        had to wait often waited tens of milliseconds with its whole worker stopped."""
        deadline = 0.0
        pause = 0.0005
        while True:
            conn.execute("PRAGMA busy_timeout = 0")
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as e:
                if not ("locked" in str(e) or "busy" in str(e)):
                    with _sqlite_errors():
                        raise
                now = time.monotonic()
                deadline = deadline or now + self.busy_timeout_ms / 1000
                if now >= deadline:
                    with _sqlite_errors():
                        raise
            finally:
                conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.002)
            if conn.in_transaction:
                raise RuntimeError(
                    "a SQLite transaction was opened on this thread while a write transaction waited"
                    " for the lock; transactions must not await I/O"
                )


def _switch_to_wal(conn: sqlite3.Connection, busy_timeout_ms: int) -> None:
    """Put the file in WAL mode. Leaving rollback mode needs the file to itself, and SQLite answers
    "database is locked" at once, without waiting its busy timeout, while another connection has
    the file open (workers or replicas starting together on a freshly migrated database): ask
    again until the busy timeout has passed."""
    deadline = time.monotonic() + busy_timeout_ms / 1000
    pause = 0.001
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as e:
            if not ("locked" in str(e) or "busy" in str(e)) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def _sqlite_rollback(conn: sqlite3.Connection) -> None:
    """Roll back what is still open: SQLite has already rolled back a transaction that met a full
    disk, and a second rollback would hide that error behind its own."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")


# -------------------------------------------------------------------------------- PostgreSQL


class _PostgresTx(Tx):
    dialect = "postgresql"

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.rollback_only = False

    async def execute(self, q: Query, params: Mapping[str, Any] | None = None) -> None:
        sql, args = q.bind("postgresql", params)
        await self._guard(self.conn.execute, sql, *args)

    async def execute_many(self, q: Query, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        sql = q.compiled("postgresql")[0]
        await self._guard(self.conn.executemany, sql, [q.bind("postgresql", r)[1] for r in rows])

    async def fetch_all(self, q: Query, params: Mapping[str, Any] | None = None) -> list[Row]:
        sql, args = q.bind("postgresql", params)
        rows = await self._guard(self.conn.fetch, sql, *args)
        return [tuple(r) for r in rows]

    async def _guard(self, call: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        """Run one call on the connection, its errors translated (a call on a connection asyncpg
        already closed fails before it is awaited: that is inside too)."""
        import asyncpg

        try:
            return await call(*args)
        except asyncpg.IntegrityConstraintViolationError as e:
            raise IntegrityError(str(e)) from e
        except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError) as e:
            raise TransactionAborted(f"the database aborted the transaction ({e}); retry shortly") from e
        except (asyncpg.CharacterNotInRepertoireError, asyncpg.StringDataRightTruncationError) as e:
            # Text PostgreSQL cannot hold (a NUL character, over a column's length) is the caller's
            # to fix, never a server error.
            raise InvalidInput(f"a text value cannot be stored: {e}", "unstorable-text") from e
        except Exception as e:
            failure = _postgres_failure(e, self.conn)
            if failure is None:
                raise
            raise failure from e


#: Seconds a connection keeps a prepared statement before it prepares it again. PostgreSQL keeps
#: the plan it made for a statement (a generic one after five runs) while the connection keeps the
#: statement, and replans only when the tables' statistics change; where autovacuum is off they
#: never do, and a plan made while a table held ten rows stays while it grows to a million. A
#: statement prepared again is planned at the tables' present size. (asyncpg's default: 300 s.)
STATEMENT_LIFETIME = 30
#: Seconds a pooled connection serves before it is replaced (when it is next released). A
#: connection also keeps plans no statement cache sees: those of the foreign-key checks, made at
#: its first insert into a table and kept for its life. Made while the referenced table held a
#: few rows, such a plan reads the whole table for every check: where autovacuum is off, the
#: insert of a batch (two checks against `batches`) went from 68 to 432 buffers a statement over
#: 8 minutes of `bench/steady.py` (bench/RESULTS.md, "Issue 13, fifth pass"). A new connection
#: plans them at the tables' present size.
CONNECTION_LIFETIME = 60


class PostgresDatabase(Database):
    """PostgreSQL through an asyncpg pool. Writers serialise per project with row locks taken by
    the operations (`SELECT … FOR NO KEY UPDATE`), in the order `annobatch.services.transactions`
    documents.

    Each process holds at most `max_size` connections; a transaction waits up to
    `acquire_timeout` seconds for one, and a statement runs for at most `statement_timeout`
    seconds (0: no limit). Whenever the database cannot serve — it refuses or drops connections,
    has none left, or a wait runs out — the transaction raises `Unavailable`. A connection that
    failed is closed, never handed out again; the next transaction opens a new one."""

    dialect = "postgresql"

    def __init__(
        self,
        url: str,
        min_size: int = 1,
        max_size: int = 10,
        acquire_timeout: float = 5.0,
        statement_timeout: float = 30.0,
    ) -> None:
        self.url = url
        self.dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
        self.min_size, self.max_size = min_size, max_size
        self.acquire_timeout, self.statement_timeout = acquire_timeout, statement_timeout
        self._pool: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._generation_started = 0.0

    async def connect(self) -> None:
        import asyncpg

        settings = {"statement_timeout": str(round(self.statement_timeout * 1000))}
        self._pool = await asyncpg.create_pool(
            self.dsn,
            min_size=self.min_size,
            max_size=self.max_size,
            reset=_keep_session,
            timeout=self.acquire_timeout,  # of each new connection's set-up
            server_settings=settings,
            max_cached_statement_lifetime=STATEMENT_LIFETIME,
        )
        self._loop = asyncio.get_running_loop()
        self._generation_started = time.monotonic()

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def _connect_or_unavailable(self) -> None:
        try:
            await self.connect()
        except Exception as e:
            failure = _postgres_failure(e, None, connecting=True)
            if failure is None:
                raise
            raise failure from e

    async def _acquire(self) -> Any:
        if self._pool is None or self._loop is not asyncio.get_running_loop():
            # A new event loop (the operator CLI, a test thread): a pool belongs to one loop.
            await self._connect_or_unavailable()
        now = time.monotonic()
        if now - self._generation_started >= CONNECTION_LIFETIME:
            # Every connection open now is replaced when next released (in use, it finishes first).
            self._generation_started = now
            await self._pool.expire_connections()
        try:
            return await self._pool.acquire(timeout=self.acquire_timeout)
        except TimeoutError as e:
            raise Unavailable(
                f"no database connection came free within {self.acquire_timeout:g} s "
                f"(the pool holds {self.max_size}); retry shortly"
            ) from e
        except Exception as e:
            failure = _postgres_failure(e, None, connecting=True)
            if failure is None:
                raise
            raise failure from e

    async def _release(self, conn: Any) -> None:
        """Back to the pool, or closed if broken. Never raises: whatever the transaction's outcome,
        it was decided before (asyncpg terminates a connection whose reset fails)."""
        try:
            await self._pool.release(conn)
        except Exception:
            _terminate(conn)

    @asynccontextmanager
    async def transaction(self, write: bool = False) -> AsyncIterator[_PostgresTx]:
        conn = await self._acquire()
        try:
            tx = _PostgresTx(conn)
            if not write:
                # Under READ COMMITTED every statement reads its own snapshot, in a transaction
                # or not: a read needs no BEGIN and COMMIT, two round trips fewer.
                yield tx
                return
            tr = conn.transaction()
            await tx._guard(tr.start)
            try:
                yield tx
            except BaseException:
                await _rollback(conn, tr)
                raise
            if tx.rollback_only:
                await _rollback(conn, tr)
            else:
                await tx._guard(tr.commit)
        finally:
            await self._release(conn)


async def _rollback(conn: Any, tr: Any) -> None:
    """Roll back; a connection that cannot even do that (it was lost) is closed instead, and the
    error that brought us here is the one that counts."""
    try:
        await tr.rollback()
    except Exception:
        _terminate(conn)


def _postgres_failure(e: Exception, conn: Any, connecting: bool = False) -> Exception | None:
    """What an asyncpg error means here: `Unavailable` when the database cannot serve now
    (anything while connecting; a lost connection, an operator's or the server's intervention, too
    many connections, a statement timeout), `OutOfSpace` when it has no room left; else None:
    the error stands as it is (a bug). A connection that failed is closed."""
    import asyncpg

    if isinstance(e, asyncpg.DiskFullError):
        return OutOfSpace("the disk holding the database is full")
    lost_types, connect_types = _failure_types()
    lost = conn is not None and _is_lost(conn)
    if isinstance(e, asyncpg.QueryCanceledError):
        why = "a statement took too long"
    elif isinstance(e, asyncpg.TooManyConnectionsError):
        why = "it has no connections left"
    elif lost or isinstance(e, lost_types) or (connecting and isinstance(e, connect_types)):
        why = "no connection could be made" if connecting else "the connection to it was lost"
    else:
        return None
    if conn is not None and not isinstance(e, asyncpg.QueryCanceledError):
        _terminate(conn)
    # The driver's words (which may name hosts and users) go to the log with the cause, not to clients.
    head = "the database cannot be reached" if connecting else "the database cannot serve now"
    return Unavailable(f"{head}: {why} ({type(e).__name__}); retry shortly")


def _is_lost(conn: Any) -> bool:
    """Whether the pooled connection is closed. asyncpg detaches a closed connection from the
    pool's handle at once, and the handle then refuses every call: that is lost too."""
    import asyncpg

    try:
        return bool(conn.is_closed())
    except asyncpg.InterfaceError:
        return True


def _terminate(conn: Any) -> None:
    """Close a connection that must not serve again (the pool opens a new one in its place)."""
    import asyncpg

    with contextlib.suppress(asyncpg.InterfaceError):
        conn.terminate()


@functools.cache
def _failure_types() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """The errors that mean a lost connection, and those that mean no connection could be made."""
    import asyncpg

    lost = (
        OSError,
        asyncpg.PostgresConnectionError,  # class 08: the connection broke
        asyncpg.OperatorInterventionError,  # class 57: terminated, shut down, cannot connect now
        asyncpg.InsufficientResourcesError,  # class 53: out of connections or memory
    )
    connecting = (*lost, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)
    return lost, connecting


async def _keep_session(conn: Any) -> None:
    """What a connection needs on its way back to the pool, beyond the rollback of an open
    transaction that asyncpg always does: nothing. Its default reset (unlisten, reset settings,
    release session advisory locks) costs a round trip per transaction, and annobatch keeps no
    session state: its advisory locks are transaction-scoped."""


def open_database(
    url: str,
    *,
    pool_min_size: int = 1,
    pool_size: int = 10,
    acquire_timeout: float = 5.0,
    statement_timeout: float = 30.0,
) -> Database:
    """`sqlite:///path/to/file.db` or `postgresql://user@host/db`. The pool's sizes and the
    timeouts apply to PostgreSQL (SQLite opens one connection per thread)."""
    if url.startswith("sqlite:///"):
        return SQLiteDatabase(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://", "postgresql+asyncpg://")):
        return PostgresDatabase(
            url.replace("postgres://", "postgresql://", 1),
            min_size=pool_min_size,
            max_size=pool_size,
            acquire_timeout=acquire_timeout,
            statement_timeout=statement_timeout,
        )
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://…")
