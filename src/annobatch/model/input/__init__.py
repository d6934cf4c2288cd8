"""Kept where the official client keeps its deprecated aliases (`kognic.io.model.input…`): the same
models as `annobatch.model.scene…`."""

from annobatch.model.input.abstract import BaseInputWithIMUData, SequenceFrame
from annobatch.model.input.input import Input
from annobatch.model.input.request_input import (
    CurrentTask,
    InputProgressDetails,
    Phase,
    PhaseAction,
    PhaseDefinition,
    RequestInput,
    RequestInputStatus,
    TaskType,
    WorkflowStage,
)
from annobatch.model.scene import (
    AggregatedLidarsAndCamerasSequence,
    Cameras,
    CameraSettings,
    CamerasSequence,
    Image,
    ImageMetadata,
    LidarsAndCameras,
    LidarsAndCamerasSequence,
    MissingFileError,
    PointCloud,
    SensorSpecification,
)

__all__ = [
    "AggregatedLidarsAndCamerasSequence",
    "BaseInputWithIMUData",
    "CameraSettings",
    "Cameras",
    "CamerasSequence",
    "CurrentTask",
    "Image",
    "ImageMetadata",
    "Input",
    "InputProgressDetails",
    "LidarsAndCameras",
    "LidarsAndCamerasSequence",
    "MissingFileError",
    "Phase",
    "PhaseAction",
    "PhaseDefinition",
    "PointCloud",
    "RequestInput",
    "RequestInputStatus",
    "SensorSpecification",
    "SequenceFrame",
    "TaskType",
    "WorkflowStage",
]
