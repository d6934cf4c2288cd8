"""Why scenes are invalidated."""

from __future__ import annotations

from enum import StrEnum


class SceneInvalidatedReason(StrEnum):
    """Why scenes are invalidated."""

    BAD_CONTENT = "bad-content"
    DUPLICATE = "duplicate"
    INCORRECTLY_CREATED = "incorrectly-created"
