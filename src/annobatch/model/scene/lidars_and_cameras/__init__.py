from annobatch.model.scene.lidars_and_cameras.frame import Frame
from annobatch.model.scene.lidars_and_cameras.lidars_and_cameras import LidarsAndCameras

__all__ = ["Frame", "LidarsAndCameras"]
