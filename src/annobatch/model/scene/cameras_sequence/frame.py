"""A frame of a cameras sequence."""

from __future__ import annotations

from annobatch.model.scene.abstract.sequence_frame import SequenceFrame
from annobatch.model.scene.resources.image import Image


class Frame(SequenceFrame, kw_only=True):
    images: list[Image] = []
