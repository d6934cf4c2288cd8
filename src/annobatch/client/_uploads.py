"""Uploading a scene's files (filled in below)."""

from __future__ import annotations

from typing import Any


class Uploader:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def upload_v2(self, scene_uuid: str, urls: list[tuple[str, str]], files: dict[str, Any]) -> None:
        raise NotImplementedError
