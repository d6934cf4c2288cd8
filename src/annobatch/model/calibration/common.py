"""What every calibration has: its type, and where the sensor sits on the vehicle."""

from __future__ import annotations

from enum import StrEnum

from annobatch.model._base import SnakeModel


class CalibrationType(StrEnum):
    """The calibration models the server knows (the value is `calibration_type` on the wire)."""

    PINHOLE = "pinhole"
    FISHEYE = "fisheye"
    KANNALA = "kannala"
    LIDAR = "lidar"
    PRINCIPALPOINTDIST = "principal_point_distortion"
    FUSEDCYLINDRICAL = "fused_cylindrical"
    CYLINDRICAL = "cylindrical"
    PRINCIPALPOINTFISHEYE = "principal_point_fisheye"
    CUSTOM = "custom"


class Position(SnakeModel, kw_only=True):
    """A position in metres."""

    x: float
    y: float
    z: float


class RotationQuaternion(SnakeModel, kw_only=True):
    """A rotation as a unit quaternion."""

    w: float
    x: float
    y: float
    z: float


class BaseCalibration(SnakeModel, kw_only=True):
    """A sensor's calibration; sent with snake_case keys, as the server stores it."""

    position: Position
    rotation_quaternion: RotationQuaternion
