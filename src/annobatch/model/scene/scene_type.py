"""The kinds of scene, as a scene summary names them."""

from __future__ import annotations

from enum import StrEnum


class SceneType(StrEnum):
    """A scene's kind, as a scene summary names it."""

    CAMERAS = "cameras"
    LIDARS_AND_CAMERAS = "lidars_and_cameras"
    CAMERAS_SEQUENCE = "cameras_sequence"
    LIDARS_AND_CAMERAS_SEQUENCE = "lidars_and_cameras_sequence"
    AGGREGATED_LIDARS_AND_CAMERAS_SEQUENCE = "aggregated_lidars_and_cameras_sequence"
