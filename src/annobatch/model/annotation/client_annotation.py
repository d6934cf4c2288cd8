"""A project's annotation of one type, as the project search answers it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from annobatch.schemas import ProjectAnnotation as PartialAnnotation


class Annotation(msgspec.Struct, kw_only=True):
    """An annotation of one type of the input whose scene is `scene_uuid`; `content` is the
    OpenLABEL document (None when not downloaded)."""

    scene_uuid: str
    annotation_type: str
    created: datetime
    content: dict[str, Any] | None = None
    is_preliminary: bool = False

    @property
    def input_uuid(self) -> str:
        return self.scene_uuid


__all__ = ["Annotation", "PartialAnnotation"]
