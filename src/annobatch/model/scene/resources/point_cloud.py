"""A point cloud of a scene."""

from __future__ import annotations

from annobatch.model.scene.resources.file_data import FileData
from annobatch.model.scene.resources.resource import Resource

lidar_sensor_default = "lidar"


class PointCloud(Resource, kw_only=True):
    """A point-cloud file (csv, las, laz, pcd) of sensor `sensor_name` (default `lidar`)."""

    sensor_name: str = lidar_sensor_default

    def __post_init__(self) -> None:
        if isinstance(self.file_data, FileData) and not self.file_data.format.is_pointcloud:
            raise ValueError(f"Invalid format for pointcloud data: {self.file_data.format}")
        super().__post_init__()
