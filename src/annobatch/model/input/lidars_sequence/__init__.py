"""Kept where the official client keeps its deprecated aliases (`kognic.io.model.input…`): the same
models as `annobatch.model.scene…`."""

from annobatch.model.scene.lidars_sequence import Frame, LidarsSequence

__all__ = [
    "Frame",
    "LidarsSequence",
]
