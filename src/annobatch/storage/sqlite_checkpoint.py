"""WAL checkpoints of a SQLite file, off the writers' path.

SQLite's automatic checkpoint runs inside the `COMMIT` that pushes the WAL past 1,000 pages, on the
thread that commits — the server's event loop — so about one write in sixty paid for copying the
WAL back into the database. With automatic checkpoints off (`PRAGMA wal_autocheckpoint = 0` on every
connection) a daemon thread of the process runs a PASSIVE checkpoint on a connection of its own
every `interval` seconds: it copies what no reader still needs and never waits for a lock, so
writers never queue behind it. Every process that opens the file runs one (the server's workers, the
operator CLI); two running at once is harmless.

A PASSIVE checkpoint alone does not bound the WAL: the log starts again from its beginning only when
a writer finds every frame of it copied, and while writes go on without a pause new frames land
during each checkpoint (measured: the server's creates grew the WAL by ~100 MB a second, none of it
ever reused). So once the WAL is past `wal_limit` bytes, the thread runs PASSIVE checkpoints back to
back: each copies what piled up during the last, and one that ends between two commits lets the next
commit start the log again, no writer waiting. Only a WAL past `FORCED_RESTART` times its limit (the
writers never left a gap) is started again by a RESTART checkpoint, which holds writers back while
it copies the last frames and the readers leave the log (at most `RESTART_WAIT_MS` each), and only
right after a PASSIVE one that found little to copy. The file keeps the largest size it had (written
again from its start): cutting it back (`journal_size_limit`) is done by the commit that starts the
log again, and freeing a few hundred MiB held that commit up to 100 ms (`bench/sqlite_writes.py`)."""

from __future__ import annotations

import contextlib
import sqlite3
import threading

#: How long a RESTART checkpoint waits for the writer and the readers before it gives up (the next
#: round tries again); the writers wait while it runs.
RESTART_WAIT_MS = 10
#: PASSIVE checkpoints run back to back, at most this many, once the WAL is past its limit.
CATCH_UP_PASSES = 16
#: Past this many times its limit, a WAL that no back-to-back checkpoint could start again is
#: started again by a RESTART checkpoint, which holds the writers back while it runs.
FORCED_RESTART = 4
#: A RESTART runs only after a PASSIVE checkpoint that found at most this much to copy: the RESTART
#: then has about as little left, and the writers wait only that long.
RESTART_BACKLOG = 2**20
#: The WAL's size past which the log is started again.
WAL_LIMIT = 64 * 2**20


class Checkpointer:
    def __init__(self, path: str, interval: float, wal_limit: int = WAL_LIMIT) -> None:
        self.path = path
        self.interval = interval
        self.wal_limit = wal_limit
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: checkpoints run, and the WAL's restarts among them (for tests and benchmarks)
        self.runs = 0
        self.restarts = 0
        self.forced_restarts = 0

    def start(self) -> None:
        """Start the thread (again, after a stop); a no-op while it runs."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="sqlite-checkpoint", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._stop = threading.Event()

    def checkpoint(self, conn: sqlite3.Connection) -> None:
        busy, frames, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.runs += 1
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        if busy or frames * page <= self.wal_limit:
            return
        # Past the limit: PASSIVE checkpoints back to back. Each copies what piled up during the
        # last one's copy and fsyncs, so they shrink to a few frames; one that ends before the next
        # commit leaves the whole log copied, and that commit starts the log again. No writer waits.
        copied = frames
        for _ in range(CATCH_UP_PASSES):
            last, before = frames, copied
            busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if busy:
                return
            if frames < last:
                self.restarts += 1
                return
        if frames * page <= FORCED_RESTART * self.wal_limit or (copied - before) * page > RESTART_BACKLOG:
            return  # under the bound, or the last pass found much to copy: the writers would wait long
        # The writers never left a gap: hold them back once, for as long as a RESTART takes.
        conn.execute(f"PRAGMA busy_timeout = {RESTART_WAIT_MS}")
        try:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
        finally:
            conn.execute("PRAGMA busy_timeout = 0")
        self.restarts += not busy
        self.forced_restarts += not busy

    def _loop(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout = 0")
            while not self._stop.wait(self.interval):
                try:
                    self.checkpoint(conn)
                except sqlite3.Error:
                    continue  # busy or locked: the next round copies it
            with contextlib.suppress(sqlite3.Error):
                self.checkpoint(conn)  # a last one, so a stopped process leaves a short WAL
        finally:
            conn.close()
