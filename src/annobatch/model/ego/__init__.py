"""Ego motion: IMU samples and per-frame vehicle poses."""

from annobatch.model.ego.imu_data import IMUData
from annobatch.model.ego.utils import UnixTimestampNs
from annobatch.model.ego.vehicle_pose import EgoVehiclePose

__all__ = ["EgoVehiclePose", "IMUData", "UnixTimestampNs"]
