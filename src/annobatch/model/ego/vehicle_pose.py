"""The ego vehicle's pose in one frame."""

from __future__ import annotations

from annobatch.model._base import Model
from annobatch.model.calibration.common import Position, RotationQuaternion


class EgoVehiclePose(Model, kw_only=True):
    """Both `position` and `rotation` are in the local coordinate system."""

    position: Position
    rotation: RotationQuaternion
