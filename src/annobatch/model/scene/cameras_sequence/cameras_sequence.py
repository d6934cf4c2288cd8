"""A cameras sequence: frames of images."""

from __future__ import annotations

from typing import ClassVar

from annobatch.model.scene.abstract.base_scene import BaseScene
from annobatch.model.scene.cameras_sequence.frame import Frame
from annobatch.model.scene.sensor_specification import SensorSpecification


class CamerasSequence(BaseScene, kw_only=True):
    """Frames of images: `CamerasSequence(external_id=..., frames=[Frame(frame_id=..., ...)])`."""

    scene_path: ClassVar[str] = "cameras-sequence"
    frames: list[Frame]
    sensor_specification: SensorSpecification | None = None
