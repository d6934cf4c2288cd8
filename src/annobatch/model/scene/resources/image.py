"""A camera image of a scene."""

from __future__ import annotations

from annobatch.model._base import Model
from annobatch.model.scene.resources.file_data import FileData
from annobatch.model.scene.resources.resource import Resource

camera_sensor_default = "CAM"


class ImageMetadata(Model, kw_only=True):
    """When the shutter opened and closed (ns); `reversed_shutter`: the rolling shutter scanned
    bottom to top."""

    shutter_time_start_ns: int
    shutter_time_end_ns: int
    reversed_shutter: bool | None = None


class Image(Resource, kw_only=True):
    """An image file of sensor `sensor_name` (default `CAM`)."""

    sensor_name: str = camera_sensor_default
    metadata: ImageMetadata | None = None

    def __post_init__(self) -> None:
        if isinstance(self.file_data, FileData) and not self.file_data.format.is_image:
            raise ValueError(f"Invalid format for image data: {self.file_data.format}")
        super().__post_init__()
