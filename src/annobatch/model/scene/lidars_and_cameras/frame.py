"""The one frame of a lidars-and-cameras scene."""

from __future__ import annotations

from annobatch.model.scene.abstract.base_frame import BaseFrame
from annobatch.model.scene.resources.image import Image
from annobatch.model.scene.resources.point_cloud import PointCloud


class Frame(BaseFrame, kw_only=True):
    point_clouds: list[PointCloud]
    images: list[Image]
    unix_timestamp: int | None = None
