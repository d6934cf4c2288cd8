"""A frame of a lidars sequence."""

from __future__ import annotations

from annobatch.model.ego.vehicle_pose import EgoVehiclePose
from annobatch.model.scene.abstract.sequence_frame import SequenceFrame
from annobatch.model.scene.resources.point_cloud import PointCloud


class Frame(SequenceFrame, kw_only=True):
    point_clouds: list[PointCloud]
    ego_vehicle_pose: EgoVehiclePose | None = None
    unix_timestamp: int | None = None
