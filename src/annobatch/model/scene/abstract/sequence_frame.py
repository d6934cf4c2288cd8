"""A frame of a sequence: its id and its time relative to the first frame."""

from __future__ import annotations

from typing import Any

import msgspec

from annobatch.model.scene.abstract.base_frame import BaseFrame
from annobatch.model.scene.metadata.metadata import FrameMetaData


class SequenceFrame(BaseFrame, kw_only=True):
    """A frame of a sequence: `frame_id`, `relative_timestamp` (ms from the first frame), metadata."""

    frame_id: str
    relative_timestamp: int
    metadata: dict[str, Any] = msgspec.field(default_factory=FrameMetaData)
