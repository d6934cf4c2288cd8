"""A file of a scene: an image or a point cloud, read from disk or from a `FileData`."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from annobatch.model._base import Model
from annobatch.model.scene.resources.file_data import FileData


class MissingFileError(Exception):
    """A resource names a local file that does not exist, or is empty."""

    def __init__(self, filename: str, empty: bool = False) -> None:
        self.filename = filename
        self.empty = empty
        super().__init__(self.to_string())

    def to_string(self) -> str:
        return f"Local file {'contains no data' if self.empty else 'is missing'}: {self.filename}"


def check_local_file(filename: str) -> None:
    """Raise `MissingFileError` unless `filename` is a file with some bytes in it."""
    path = Path(filename)
    if not path.is_file():
        raise MissingFileError(filename)
    if path.stat().st_size == 0:
        raise MissingFileError(filename, empty=True)


def _resource_id(path: Path) -> str:
    """The filename with every dot of its last component but the last made `_` (object stores
    allow one dot per name)."""
    name = path.name
    if name.count(".") > 1:
        path = path.with_name(name.replace(".", "_", name.count(".") - 1))
    return str(path)


class Resource(Model, kw_only=True):
    """A file of a scene. `filename` is the path as given (kept in `client_filename`), `~`
    expanded, with the `FileData` format's suffix added when it lacks it; `resource_id` names the
    file in the scene (by default derived from `filename`). A local file must exist and not be
    empty when the resource is built (`MissingFileError`)."""

    filename: str
    resource_id: str | None = None
    sensor_name: str = ""
    file_data: Any = None  # a FileData; never sent
    client_filename: str | None = None

    def __post_init__(self) -> None:
        if self.file_data is None and self.client_filename is None:
            check_local_file(self.filename)
        if self.client_filename is None:
            self.client_filename = self.filename
            path = Path(self.filename).expanduser()
            if isinstance(self.file_data, FileData) and path.suffix != self.file_data.suffix:
                path = path.with_name(path.name + self.file_data.suffix)
            self.filename = str(path)
        if self.resource_id is None:
            self.resource_id = _resource_id(Path(self.filename))

    @property
    def content_type(self) -> str:
        if isinstance(self.file_data, FileData):
            return self.file_data.content_type
        return mimetypes.guess_type(self.filename)[0] or "application/octet-stream"
