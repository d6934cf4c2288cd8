from annobatch.model.scene.lidars_sequence.frame import Frame
from annobatch.model.scene.lidars_sequence.lidars_sequence import LidarsSequence

__all__ = ["Frame", "LidarsSequence"]
