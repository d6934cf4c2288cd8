"""An input as the v1 listings answer it (`get_inputs`, `get_inputs_by_uuids`)."""

from __future__ import annotations

from enum import StrEnum

from annobatch.schemas import InputEntry


class InputStatus(StrEnum):
    """An input's status in the v1 listings (its scene's)."""

    Pending = "pending"
    Processing = "processing"
    Created = "created"
    Failed = "failed"
    InvalidatedBadContent = "invalidated:broken-input"
    InvalidatedSlamRerun = "invalidated:slam-rerun"
    InvalidatedDuplicate = "invalidated:duplicate"
    InvalidatedIncorrectlyCreated = "invalidated:incorrectly-created"


#: The official client names this model `Input` in this module.
Input = InputEntry

__all__ = ["Input", "InputEntry", "InputStatus"]
