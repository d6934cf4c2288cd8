from annobatch.model.scene.cameras.cameras import Cameras
from annobatch.model.scene.cameras.frame import Frame

__all__ = ["Cameras", "Frame"]
