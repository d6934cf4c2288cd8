from annobatch.model.scene.cameras_sequence.cameras_sequence import CamerasSequence
from annobatch.model.scene.cameras_sequence.frame import Frame

__all__ = ["CamerasSequence", "Frame"]
