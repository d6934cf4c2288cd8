"""Kept where the official client keeps its deprecated aliases (`kognic.io.model.input…`): the same
models as `annobatch.model.scene…`."""

from annobatch.model.scene.metadata.metadata import FrameMetaData, MetaData, MetaDataBase

__all__ = [
    "FrameMetaData",
    "MetaData",
    "MetaDataBase",
]
