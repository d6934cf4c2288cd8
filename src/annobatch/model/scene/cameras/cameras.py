"""A cameras scene: one frame of images."""

from __future__ import annotations

from typing import ClassVar

from annobatch.model.scene.abstract.base_scene import BaseScene
from annobatch.model.scene.cameras.frame import Frame
from annobatch.model.scene.sensor_specification import SensorSpecification


class Cameras(BaseScene, kw_only=True):
    """`Cameras(external_id=..., frame=Frame(images=[Image(filename=...)]))`."""

    scene_path: ClassVar[str] = "cameras"
    frame: Frame
    sensor_specification: SensorSpecification | None = None
