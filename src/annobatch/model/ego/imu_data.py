"""IMU samples: where the vehicle was, and how it was turned, at each instant (local coordinates)."""

from __future__ import annotations

from annobatch.model._base import Model
from annobatch.model.calibration.common import Position, RotationQuaternion
from annobatch.model.ego.utils import UnixTimestampNs


class IMUData(Model, kw_only=True):
    """One IMU sample: `position` and `rotation_quaternion` in the local coordinate system, at
    `timestamp` (Unix nanoseconds)."""

    position: Position
    rotation_quaternion: RotationQuaternion
    timestamp: UnixTimestampNs
