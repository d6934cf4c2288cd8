"""A file's content that is not (yet) a file on disk: bytes now, or a callback that gives them."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from enum import StrEnum

UploadableData = bytes | bytearray | memoryview
#: Called with the resource's filename when the file is uploaded; returns its bytes.
Callback = Callable[[str], UploadableData]


class FileData:
    """The content of one resource, from `data` (bytes) or from `callback(filename)`; exactly one.
    `format` names what it is (and the filename suffix it gets)."""

    class Format(StrEnum):
        CSV = "csv"
        LAS = "las"
        LAZ = "laz"
        PCD = "pcd"
        JPG = "jpg"
        PNG = "png"
        WEBP = "webp"
        AVIF = "avif"

        @property
        def is_pointcloud(self) -> bool:
            return self.value in ("csv", "las", "laz", "pcd")

        @property
        def is_image(self) -> bool:
            return self.value in ("jpg", "png", "webp", "avif")

    def __init__(
        self, format: Format, data: UploadableData | None = None, callback: Callback | None = None
    ) -> None:
        self.format = FileData.Format(format)
        self.data = data
        self.callback = callback
        if (data is None) == (callback is None):
            raise ValueError("Exactly one of data or callback must be set on FileData")

    @property
    def suffix(self) -> str:
        return f".{self.format.value}"

    @property
    def content_type(self) -> str:
        return mimetypes.types_map.get(self.suffix, "application/octet-stream")

    def read(self, filename: str) -> bytes:
        """The bytes to upload."""
        got = self.data if self.data is not None else self.callback(filename)  # type: ignore[misc]
        return bytes(got)

    def __repr__(self) -> str:
        source = "blob" if self.data is not None else "callback"
        return f"FileData({source} format={self.format.value})"
