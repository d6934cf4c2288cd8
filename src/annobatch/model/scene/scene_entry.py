"""A scene as the server lists it, and the statuses it goes through."""

from __future__ import annotations

from enum import StrEnum

from annobatch.schemas import Scene


class SceneStatus(StrEnum):
    """Where a scene is: pending (files coming), processing, created, failed, indexed, invalidated."""

    Pending = "pending"
    Processing = "processing"
    Created = "created"
    Failed = "failed"
    Indexed = "indexed"
    InvalidatedBadContent = "invalidated:broken-input"
    InvalidatedDuplicate = "invalidated:duplicate"
    InvalidatedIncorrectlyCreated = "invalidated:incorrectly-created"


__all__ = ["Scene", "SceneStatus"]
