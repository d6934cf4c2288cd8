"""A lidar's calibration: its pose, and optionally its field of view."""

from __future__ import annotations

from annobatch.model._base import SnakeModel
from annobatch.model.calibration.common import BaseCalibration, CalibrationType


class LidarFieldOfView(SnakeModel, kw_only=True):
    """The angles (degrees) a lidar sees, and optionally how far."""

    start_angle_deg: float
    stop_angle_deg: float
    depth: float | None = None


class LidarCalibration(BaseCalibration, kw_only=True):
    """A lidar's pose, and optionally its field of view."""

    field_of_view: LidarFieldOfView | None = None
    calibration_type: CalibrationType = CalibrationType.LIDAR
