"""Kept where the official client keeps its deprecated aliases (`kognic.io.model.input…`): the same
models as `annobatch.model.scene…`."""

from annobatch.model.scene.aggregated_lidars_and_cameras_seq import Frame

__all__ = [
    "Frame",
]
