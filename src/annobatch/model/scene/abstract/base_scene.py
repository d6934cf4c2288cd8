"""What every scene has: an external id, metadata, and its files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import msgspec

from annobatch.model._base import Model
from annobatch.model.scene.metadata.metadata import MetaData
from annobatch.model.scene.resources.resource import Resource


class BaseScene(Model, kw_only=True):
    """A scene to create. `resources`: its files by resource id. `scene_path` is the scene type
    as the creation endpoint names it."""

    scene_path: ClassVar[str] = ""
    external_id: str
    metadata: dict[str, Any] = msgspec.field(default_factory=MetaData)

    @property
    def resources(self) -> Mapping[str, Resource]:
        found: dict[str, Resource] = {}
        for frame in self._frames():
            found.update(frame.resources)
        return found

    def _frames(self) -> list[Any]:
        frame = getattr(self, "frame", None)
        return [frame] if frame is not None else list(getattr(self, "frames", []))

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body.pop("imuData", None)  # sent on its own, before the scene
        return body
