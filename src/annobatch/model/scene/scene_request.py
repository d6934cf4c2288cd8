"""Scene API v2: one request describes any kind of scene, frame by frame; each file is a local
file (uploaded) or a cloud resource (read from the organization's own bucket)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class SensorSpecification:
    sensorToPrettyName: dict[str, str]
    sensorOrder: list[str]


@dataclass
class LocalFile:
    """A file to upload: from disk at `filename`, or from `data` / `callback(filename)`."""

    filename: str
    data: bytes | None = None
    callback: Callable[[str], bytes] | None = None


@dataclass
class Resource:
    """Exactly one of a cloud resource URI or a local file."""

    external_resource_uri: str | None
    local_file: LocalFile | None

    def __post_init__(self) -> None:
        if bool(self.external_resource_uri) == bool(self.local_file):
            raise ValueError("Exactly one of external_resource_uri or local_file must be provided")

    def to_dict(self) -> dict[str, Any]:
        if self.external_resource_uri:
            return {"externalResourceUri": self.external_resource_uri}
        assert self.local_file is not None
        return {"localFilename": self.local_file.filename}


@dataclass
class SensorResource(Resource):
    sensor_name: str

    def to_dict(self) -> dict[str, Any]:
        return {"sensorName": self.sensor_name, **super().to_dict()}


@dataclass
class ImageResource(SensorResource):
    """An image, with its shutter times (ns) if known."""

    start_shutter_timestamp_ns: int | None = None
    end_shutter_timestamp_ns: int | None = None
    reversed_shutter: bool | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        start, end = self.start_shutter_timestamp_ns, self.end_shutter_timestamp_ns
        if bool(start) != bool(end):
            raise ValueError(
                "start_shutter_timestamp_ns and end_shutter_timestamp_ns must be both set or neither"
            )
        if start is not None and end is not None and start >= end:
            raise ValueError("start_shutter_timestamp_ns must be less than end_shutter_timestamp_ns")
        if self.reversed_shutter is not None and start is None:
            raise ValueError("reversed_shutter requires shutter timestamps be set")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"resource": super().to_dict()}
        if self.start_shutter_timestamp_ns:
            meta: dict[str, Any] = {
                "startShutterTimestampNs": self.start_shutter_timestamp_ns,
                "endShutterTimestampNs": self.end_shutter_timestamp_ns,
            }
            if self.reversed_shutter is not None:
                meta["reversedShutter"] = self.reversed_shutter
            out["metadata"] = meta
        return out


@dataclass
class EgoVehiclePose:
    x: float
    y: float
    z: float
    rotation_x: float
    rotation_y: float
    rotation_z: float
    rotation_w: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": {"x": self.x, "y": self.y, "z": self.z},
            "rotation": {
                "x": self.rotation_x,
                "y": self.rotation_y,
                "z": self.rotation_z,
                "w": self.rotation_w,
            },
        }


@dataclass
class Frame:
    frame_id: str
    timestamp_ns: int
    images: list[ImageResource]
    pointclouds: list[SensorResource] | None = None
    ego_vehicle_pose: EgoVehiclePose | None = None
    metadata: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if not self.images:
            raise ValueError("Frame must contain at least one image")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.frame_id,
            "timestampNs": self.timestamp_ns,
            "images": [i.to_dict() for i in self.images],
        }
        if self.pointclouds:
            clouds: dict[str, Any] = {"resources": [p.to_dict() for p in self.pointclouds]}
            if self.ego_vehicle_pose is not None:
                clouds["egoVehiclePose"] = self.ego_vehicle_pose.to_dict()
            out["pointClouds"] = clouds
        if self.metadata:
            out["metadata"] = self.metadata
        return out


@dataclass
class SceneRequest:
    """`client.scene.create_scene(SceneRequest(...))`: a scene of any kind in one request."""

    workspace_id: str
    external_id: str
    frames: list[Frame]
    sensor_specification: SensorSpecification | None = None
    calibration_id: str | None = None
    metadata: dict[str, Any] | None = None
    imudata_resource: Resource | None = None
    should_motion_compensate: bool | None = None
    postpone_external_resource_import: bool | None = None

    def __post_init__(self) -> None:
        if not self.frames:
            raise ValueError("Scene must contain at least one frame")

    def get_files(self) -> dict[str, LocalFile]:
        """The local files to upload, by filename."""
        files: dict[str, LocalFile] = {}
        resources: list[Resource] = []
        for frame in self.frames:
            resources += [*frame.images, *(frame.pointclouds or [])]
        if self.imudata_resource is not None:
            resources.append(self.imudata_resource)
        for r in resources:
            if r.local_file is not None:
                files[r.local_file.filename] = r.local_file
        return files

    def to_dict(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"frames": [f.to_dict() for f in self.frames]}
        if self.sensor_specification:
            s = self.sensor_specification
            spec["sensorSpecification"] = {
                "sensorToPrettyName": s.sensorToPrettyName,
                "sensorOrder": s.sensorOrder,
            }
        if self.metadata:
            spec["metadata"] = self.metadata
        if self.imudata_resource:
            spec["imuData"] = self.imudata_resource.to_dict()
        if self.should_motion_compensate is not None:
            spec["shouldMotionCompensate"] = self.should_motion_compensate
        out: dict[str, Any] = {"workspaceId": self.workspace_id, "externalId": self.external_id}
        if self.calibration_id:
            out["calibrationId"] = self.calibration_id
        if self.postpone_external_resource_import is not None:
            out["postponeExternalResourceImport"] = self.postpone_external_resource_import
        out["convertedSpecification"] = spec
        return out
