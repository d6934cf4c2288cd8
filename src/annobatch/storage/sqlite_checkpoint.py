"""WAL checkpoints of a SQLite file, off the writers' path.

SQLite's automatic checkpoint runs inside the `COMMIT` that pushes the WAL past 1,000 pages, on the
thread that commits — the server's event loop — so about one write in sixty paid for copying the
WAL back into the database. With automatic checkpoints off (`PRAGMA wal_autocheckpoint = 0` on every
connection) a daemon thread of the process runs a PASSIVE checkpoint on a connection of its own
every `interval` seconds: it copies what no reader still needs and never waits for a lock, so
writers never queue behind it. Every process that opens the file runs one (the server's workers, the
operator CLI); two running at once is harmless."""

from __future__ import annotations

import contextlib
import sqlite3
import threading


class Checkpointer:
    def __init__(self, path: str, interval: float) -> None:
        self.path = path
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: checkpoints run (for tests and benchmarks)
        self.runs = 0

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
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        self.runs += 1

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
