"""The bases of the scene models."""

from annobatch.model.scene.abstract.base_frame import BaseFrame
from annobatch.model.scene.abstract.base_scene import BaseScene
from annobatch.model.scene.abstract.base_scene_with_imu_data import BaseSceneWithIMUData
from annobatch.model.scene.abstract.sequence_frame import SequenceFrame

__all__ = ["BaseFrame", "BaseScene", "BaseSceneWithIMUData", "SequenceFrame"]
