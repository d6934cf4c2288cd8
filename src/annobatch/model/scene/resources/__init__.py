"""The files of a scene."""

from annobatch.model.scene.resources.file_data import FileData
from annobatch.model.scene.resources.image import Image, ImageMetadata
from annobatch.model.scene.resources.point_cloud import PointCloud
from annobatch.model.scene.resources.resource import MissingFileError, Resource

__all__ = ["FileData", "Image", "ImageMetadata", "MissingFileError", "PointCloud", "Resource"]
