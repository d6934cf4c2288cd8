"""A frame of a scene: its files."""

from __future__ import annotations

from collections.abc import Mapping

from annobatch.model._base import Model
from annobatch.model.scene.resources.resource import Resource


class BaseFrame(Model, kw_only=True):
    """A frame; `resources` are its images and point clouds by resource id."""

    @property
    def resources(self) -> Mapping[str, Resource]:
        found: dict[str, Resource] = {}
        for name in ("images", "point_clouds"):
            for r in getattr(self, name, None) or []:
                found[r.resource_id] = r
        return found
