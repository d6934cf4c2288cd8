"""Kept where the official client keeps its deprecated aliases (`kognic.io.model.input…`): the same
models as `annobatch.model.scene…`."""

from annobatch.model.scene.abstract import BaseSceneWithIMUData as BaseInputWithIMUData
from annobatch.model.scene.abstract import SequenceFrame

__all__ = [
    "BaseInputWithIMUData",
    "SequenceFrame",
]
