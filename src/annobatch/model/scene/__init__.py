"""Scene models: build a scene with these, create it with `client.<scene type>.create(scene)`."""

from annobatch.model.scene.abstract import BaseSceneWithIMUData, SequenceFrame
from annobatch.model.scene.aggregated_lidars_and_cameras_seq import AggregatedLidarsAndCamerasSequence
from annobatch.model.scene.cameras import Cameras
from annobatch.model.scene.cameras_sequence import CamerasSequence
from annobatch.model.scene.get_scenes_request import (
    GetScenesRequest,
    GetScenesRequestForExtIds,
    GetScenesRequestForUuids,
)
from annobatch.model.scene.invalidated_reason import SceneInvalidatedReason
from annobatch.model.scene.lidars import Lidars
from annobatch.model.scene.lidars_and_cameras import LidarsAndCameras
from annobatch.model.scene.lidars_and_cameras_sequence import LidarsAndCamerasSequence
from annobatch.model.scene.lidars_sequence import LidarsSequence
from annobatch.model.scene.resources import Image, ImageMetadata, MissingFileError, PointCloud
from annobatch.model.scene.scene_entry import Scene, SceneStatus
from annobatch.model.scene.scene_job import CreateSceneResponse, InitializedSceneJob, SceneJobCreated
from annobatch.model.scene.scene_request import (
    EgoVehiclePose,
    Frame,
    ImageResource,
    LocalFile,
    Resource,
    SceneRequest,
    SensorResource,
)
from annobatch.model.scene.scene_summary import SceneSummary
from annobatch.model.scene.scene_type import SceneType
from annobatch.model.scene.sensor_specification import CameraSettings, SensorSpecification

__all__ = [
    "AggregatedLidarsAndCamerasSequence",
    "BaseSceneWithIMUData",
    "CameraSettings",
    "Cameras",
    "CamerasSequence",
    "CreateSceneResponse",
    "EgoVehiclePose",
    "Frame",
    "GetScenesRequest",
    "GetScenesRequestForExtIds",
    "GetScenesRequestForUuids",
    "Image",
    "ImageMetadata",
    "ImageResource",
    "InitializedSceneJob",
    "Lidars",
    "LidarsAndCameras",
    "LidarsAndCamerasSequence",
    "LidarsSequence",
    "LocalFile",
    "MissingFileError",
    "PointCloud",
    "Resource",
    "Scene",
    "SceneInvalidatedReason",
    "SceneJobCreated",
    "SceneRequest",
    "SceneStatus",
    "SceneSummary",
    "SceneType",
    "SensorResource",
    "SensorSpecification",
    "SequenceFrame",
]
