"""Kept where the official client keeps its deprecated aliases (`kognic.io.model.input…`): the same
models as `annobatch.model.scene…`."""

from annobatch.model.scene.lidars_and_cameras_sequence import LidarsAndCamerasSequence

__all__ = [
    "LidarsAndCamerasSequence",
]
