"""An aggregated lidars-and-cameras sequence: the frames' point clouds form one aggregate."""

from __future__ import annotations

from typing import ClassVar

from annobatch.model.scene.abstract.base_scene_with_imu_data import BaseSceneWithIMUData
from annobatch.model.scene.aggregated_lidars_and_cameras_seq.frame import Frame
from annobatch.model.scene.sensor_specification import SensorSpecification


class AggregatedLidarsAndCamerasSequence(BaseSceneWithIMUData, kw_only=True):
    """Frames of point clouds (aggregated into one) and images, each frame with its ego pose; a
    calibration names the sensors."""

    scene_path: ClassVar[str] = "aggregated-lidars-and-cameras-sequence"
    frames: list[Frame]
    calibration_id: str
    sensor_specification: SensorSpecification | None = None
