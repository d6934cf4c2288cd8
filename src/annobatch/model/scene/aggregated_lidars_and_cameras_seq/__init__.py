from annobatch.model.scene.aggregated_lidars_and_cameras_seq.aggregated_lidars_and_cameras_seq import (
    AggregatedLidarsAndCamerasSequence,
)
from annobatch.model.scene.aggregated_lidars_and_cameras_seq.frame import Frame

__all__ = ["AggregatedLidarsAndCamerasSequence", "Frame"]
