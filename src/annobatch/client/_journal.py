"""The resume journal: what the server confirmed holding of a scene being created.

A scene's creation is keyed by what it sends (host, endpoint, body without its uuid). Its entry
holds the scene uuid the first attempt reserved, the IMU data id, and for each file the SHA-256
and size the server answered for its upload. Running the same creation again reuses the uuid
(the server answers a repeated create with the pending scene) and skips each file whose local
checksum is the one the server confirmed. The entry is removed once the scene is committed.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

RESUME_DIR_ENV = "ANNOBATCH_RESUME_DIR"


def default_resume_dir() -> Path:
    """`ANNOBATCH_RESUME_DIR`, else `$XDG_CACHE_HOME/annobatch/uploads` (`~/.cache/...`)."""
    if os.environ.get(RESUME_DIR_ENV):
        return Path(os.environ[RESUME_DIR_ENV])
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "annobatch" / "uploads"


class Confirmed(msgspec.Struct):
    sha256: str
    size: int


class Entry(msgspec.Struct):
    scene_uuid: str
    imu_id: str | None = None
    files: dict[str, Confirmed] = {}


def creation_key(*parts: Any) -> str:
    """The key of one creation: a hash of what it sends."""
    return hashlib.sha256(msgspec.json.encode(parts)).hexdigest()


@dataclass
class Journal:
    """One creation's entry, saved (atomically) after every change. A journal without a
    directory keeps nothing on disk (resuming is off)."""

    directory: Path | None
    key: str
    entry: Entry | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def _path(self) -> Path | None:
        return None if self.directory is None else self.directory / f"{self.key}.json"

    @classmethod
    def open(cls, directory: Path | None, key: str) -> Journal:
        journal = cls(directory, key)
        path = journal._path
        if path is not None and path.exists():
            try:
                journal.entry = msgspec.json.decode(path.read_bytes(), type=Entry)
            except (msgspec.DecodeError, msgspec.ValidationError, OSError):
                journal.entry = None  # unreadable: start afresh
        return journal

    def start(self, scene_uuid: str) -> None:
        with self._lock:
            self.entry = Entry(scene_uuid)
            self._save()

    def set_imu(self, imu_id: str) -> None:
        with self._lock:
            assert self.entry is not None
            self.entry.imu_id = imu_id
            self._save()

    def confirmed(self, resource_id: str) -> Confirmed | None:
        with self._lock:
            return None if self.entry is None else self.entry.files.get(resource_id)

    def confirm(self, resource_id: str, sha256: str, size: int) -> None:
        with self._lock:
            assert self.entry is not None
            self.entry.files[resource_id] = Confirmed(sha256, size)
            self._save()

    def forget(self) -> None:
        with self._lock:
            self.entry = None
            path = self._path
            if path is not None:
                path.unlink(missing_ok=True)

    def _save(self) -> None:
        path = self._path
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{threading.get_ident()}.tmp")
        tmp.write_bytes(msgspec.json.encode(self.entry))
        tmp.replace(path)
