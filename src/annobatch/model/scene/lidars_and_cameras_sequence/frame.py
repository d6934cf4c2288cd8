"""A frame of a lidars-and-cameras sequence."""

from __future__ import annotations

from annobatch.model.ego.vehicle_pose import EgoVehiclePose
from annobatch.model.scene.abstract.sequence_frame import SequenceFrame
from annobatch.model.scene.resources.image import Image
from annobatch.model.scene.resources.point_cloud import PointCloud


class Frame(SequenceFrame, kw_only=True):
    point_clouds: list[PointCloud]
    images: list[Image] = []
    ego_vehicle_pose: EgoVehiclePose | None = None
    unix_timestamp: int | None = None
