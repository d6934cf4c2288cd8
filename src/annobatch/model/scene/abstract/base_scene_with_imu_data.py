"""A scene that may carry IMU samples (sent before the scene, on their own)."""

from __future__ import annotations

import msgspec

from annobatch.model.ego.imu_data import IMUData
from annobatch.model.scene.abstract.base_scene import BaseScene


class BaseSceneWithIMUData(BaseScene, kw_only=True):
    """A scene with optional IMU samples (`imu_data`), sent before the scene."""

    imu_data: list[IMUData] = msgspec.field(default_factory=list)
