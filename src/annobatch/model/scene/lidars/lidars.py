"""A lidars scene: one frame of point clouds."""

from __future__ import annotations

from typing import ClassVar

from annobatch.model.scene.abstract.base_scene_with_imu_data import BaseSceneWithIMUData
from annobatch.model.scene.lidars.frame import Frame


class Lidars(BaseSceneWithIMUData, kw_only=True):
    """One frame of point clouds, with optional IMU data."""

    scene_path: ClassVar[str] = "lidars"
    frame: Frame
