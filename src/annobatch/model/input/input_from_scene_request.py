"""Kept where the official client keeps its deprecated aliases (`kognic.io.model.input…`): the same
models as `annobatch.model.scene…`."""

from annobatch.schemas import InputFromSceneRequest

__all__ = [
    "InputFromSceneRequest",
]
