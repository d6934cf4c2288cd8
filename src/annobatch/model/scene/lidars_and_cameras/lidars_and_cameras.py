"""A lidars-and-cameras scene: one frame of point clouds and images, with a calibration."""

from __future__ import annotations

from typing import ClassVar

from annobatch.model.scene.abstract.base_scene_with_imu_data import BaseSceneWithIMUData
from annobatch.model.scene.lidars_and_cameras.frame import Frame
from annobatch.model.scene.sensor_specification import SensorSpecification


class LidarsAndCameras(BaseSceneWithIMUData, kw_only=True):
    """One frame of point clouds and images; `calibration_id` names the sensors' calibration."""

    scene_path: ClassVar[str] = "lidars-and-cameras"
    frame: Frame
    calibration_id: str
    sensor_specification: SensorSpecification | None = None
