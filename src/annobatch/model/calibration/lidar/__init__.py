"""Lidar calibrations."""

from annobatch.model.calibration.lidar.lidar_calibration import LidarCalibration, LidarFieldOfView

__all__ = ["LidarCalibration", "LidarFieldOfView"]
