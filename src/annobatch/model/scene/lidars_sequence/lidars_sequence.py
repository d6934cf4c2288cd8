"""A lidars sequence: frames of point clouds."""

from __future__ import annotations

from typing import ClassVar

from annobatch.model.scene.abstract.base_scene_with_imu_data import BaseSceneWithIMUData
from annobatch.model.scene.lidars_sequence.frame import Frame


class LidarsSequence(BaseSceneWithIMUData, kw_only=True):
    """Frames of point clouds, with optional IMU data."""

    scene_path: ClassVar[str] = "lidars-sequence"
    frames: list[Frame]
