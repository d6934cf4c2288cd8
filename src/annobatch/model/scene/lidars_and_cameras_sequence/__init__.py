from annobatch.model.scene.lidars_and_cameras_sequence.frame import Frame
from annobatch.model.scene.lidars_and_cameras_sequence.lidars_and_cameras_sequence import (
    LidarsAndCamerasSequence,
)

__all__ = ["Frame", "LidarsAndCamerasSequence"]
