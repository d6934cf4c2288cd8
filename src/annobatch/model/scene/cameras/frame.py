"""The one frame of a cameras scene."""

from __future__ import annotations

from annobatch.model.scene.abstract.base_frame import BaseFrame
from annobatch.model.scene.resources.image import Image


class Frame(BaseFrame, kw_only=True):
    images: list[Image]
