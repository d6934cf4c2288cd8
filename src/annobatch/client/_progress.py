"""Progress of a transfer: files, bytes, rate and time left, drawn on a terminal, silent
otherwise."""

from __future__ import annotations

import sys
import threading
from types import TracebackType
from typing import Any


def wanted(progress: bool | None) -> bool:
    """Draw a progress display? As asked, else only when stderr is a terminal."""
    return sys.stderr.isatty() if progress is None else progress


class Progress:
    """Counts files and bytes from any thread. `Progress(False)` counts and draws nothing."""

    def __init__(self, show: bool, what: str = "uploading") -> None:
        self.files_done = self.files_total = self.bytes_done = self.bytes_total = 0
        self.scenes_done = self.scenes_total = 0  # counted by create_scenes only
        self._lock = threading.Lock()
        self._what = what
        self._bar: Any = None
        self._task: Any = None
        if show:
            self._start()

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )
        from rich.progress import (
            Progress as Bar,
        )

        self._bar = Bar(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[files]}"),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._task = self._bar.add_task(self._what, total=0, files="0/0 files")
        self._bar.start()

    def _draw(self) -> None:
        if self._bar is not None:
            self._bar.update(
                self._task,
                completed=self.bytes_done,
                total=self.bytes_total or None,
                files=self._counts(),
            )

    def _counts(self) -> str:
        scenes = f"{self.scenes_done}/{self.scenes_total} scenes, " if self.scenes_total else ""
        return f"{scenes}{self.files_done}/{self.files_total} files"

    def scene_started(self) -> None:
        with self._lock:
            self.scenes_total += 1
            self._draw()

    def scene_done(self) -> None:
        with self._lock:
            self.scenes_done += 1
            self._draw()

    def expect(self, files: int, size: int) -> None:
        """More work to come: `files` files of `size` bytes in all."""
        with self._lock:
            self.files_total += files
            self.bytes_total += size
            self._draw()

    def advance(self, size: int) -> None:
        with self._lock:
            self.bytes_done += size
            self._draw()

    def rewind(self, size: int) -> None:
        """A failed attempt's bytes, to be sent again."""
        self.advance(-size)

    def file_done(self) -> None:
        with self._lock:
            self.files_done += 1
            self._draw()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
