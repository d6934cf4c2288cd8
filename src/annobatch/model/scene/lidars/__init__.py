from annobatch.model.scene.lidars.frame import Frame
from annobatch.model.scene.lidars.lidars import Lidars

__all__ = ["Frame", "Lidars"]
