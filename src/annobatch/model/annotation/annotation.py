"""An input's annotation with its OpenLABEL content."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from annobatch.schemas import InputAnnotation as PartialAnnotation
from annobatch.schemas import SignedAnnotation


class Annotation(msgspec.Struct, kw_only=True):
    """The annotation of one input: `content` is the OpenLABEL document."""

    input_uuid: str
    scene_uuid: str
    request_uid: str
    created: datetime
    is_preliminary: bool
    content: dict[str, Any] | None = None


__all__ = ["Annotation", "PartialAnnotation", "SignedAnnotation"]
