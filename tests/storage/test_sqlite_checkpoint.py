"""Background WAL checkpoints: commits never run one, the thread keeps the WAL short."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from pathlib import Path

from annobatch.storage.database import Query, SQLiteDatabase


async def _write(db: SQLiteDatabase, n: int) -> None:
    async with db.transaction(write=True) as tx:
        await tx.execute(Query("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT)"))
    for _ in range(n):
        async with db.transaction(write=True) as tx:
            await tx.execute(Query("INSERT INTO t (body) VALUES (:b)"), {"b": "x" * 4000})


def test_commits_leave_checkpoints_to_the_background_thread(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    db = SQLiteDatabase(path, checkpoint_interval=3600)  # the thread waits: nothing checkpoints
    asyncio.run(_write(db, 1500))  # ~1,500 pages: SQLite alone would have checkpointed at 1,000
    wal = Path(f"{path}-wal").stat().st_size
    assert wal > 1500 * 4096 and db.checkpointer is not None and db.checkpointer.runs == 0
    before = os.path.getsize(path)
    asyncio.run(db.close())  # the last checkpoint on the way out copies the WAL into the file
    assert db.checkpointer.runs == 1 and os.path.getsize(path) > before + 1500 * 4000


def test_the_thread_checkpoints_while_writes_go_on(tmp_path: Path) -> None:
    db = SQLiteDatabase(tmp_path / "db.sqlite", checkpoint_interval=0.01)

    async def go() -> None:
        await _write(db, 200)
        while db.checkpointer is not None and db.checkpointer.runs < 3:
            await asyncio.sleep(0.01)

    asyncio.run(go())
    asyncio.run(db.close())
    assert db.checkpointer is not None and db.checkpointer.runs >= 3
    assert not db.checkpointer._thread  # stopped with the database


def test_the_wal_starts_again_while_writes_go_on_without_a_pause(tmp_path: Path) -> None:
    """Writes without a pause leave no moment at which every frame of the WAL is copied, so PASSIVE
    checkpoints alone let it grow by everything written (it grew by ~100 MB a second under the
    server's creates). Past its limit the thread starts the log again while the writes go on."""
    path = tmp_path / "db.sqlite"
    db = SQLiteDatabase(path, checkpoint_interval=0.01, wal_limit=2**20)
    commits = 5000  # each appends two pages: ~40 MiB of frames in all
    asyncio.run(_write(db, commits))
    assert db.checkpointer is not None and db.checkpointer.restarts >= 1
    asyncio.run(db.close())
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == commits
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_wal_past_its_limit_is_started_again(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    limit = 2**20
    db = SQLiteDatabase(path, checkpoint_interval=3600, wal_limit=limit)  # checkpoints run below
    asyncio.run(_write(db, 1000))  # ~8 MiB of frames
    assert db.checkpointer is not None
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        frames = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
        assert frames * 4096 > 4 * limit
        db.checkpointer.checkpoint(conn)
        assert db.checkpointer.restarts == 1
        asyncio.run(_write(db, 1))  # the next commit writes from the log's start
        assert conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1] <= 4
    asyncio.run(db.close())
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 1001
