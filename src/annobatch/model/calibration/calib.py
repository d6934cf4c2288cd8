"""A rig's calibration: one entry per sensor, created once and named by scenes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from annobatch.model._base import Model
from annobatch.model.calibration.camera import (
    CustomCameraCalibration,
    CylindricalCalibration,
    FisheyeCalibration,
    FusedCylindricalCalibration,
    KannalaCalibration,
    PinholeCalibration,
    PrincipalPointDistortionCalibration,
    PrincipalPointFisheyeCalibration,
)
from annobatch.model.calibration.common import BaseCalibration, CalibrationType
from annobatch.model.calibration.lidar import LidarCalibration

calibration_factory: dict[CalibrationType, type[BaseCalibration]] = {
    CalibrationType.LIDAR: LidarCalibration,
    CalibrationType.PINHOLE: PinholeCalibration,
    CalibrationType.KANNALA: KannalaCalibration,
    CalibrationType.FISHEYE: FisheyeCalibration,
    CalibrationType.PRINCIPALPOINTDIST: PrincipalPointDistortionCalibration,
    CalibrationType.FUSEDCYLINDRICAL: FusedCylindricalCalibration,
    CalibrationType.CYLINDRICAL: CylindricalCalibration,
    CalibrationType.PRINCIPALPOINTFISHEYE: PrincipalPointFisheyeCalibration,
    CalibrationType.CUSTOM: CustomCameraCalibration,
}


class SensorCalibration(Model, kw_only=True):
    """What `client.calibration.create_calibration` sends: an external id and each sensor's
    calibration, keyed by sensor name."""

    external_id: str
    calibration: dict[str, BaseCalibration]


def parse_calibration(entry: dict[str, Any]) -> BaseCalibration:
    """One sensor's calibration as the model its `calibration_type` names; TypeError for a type
    this SDK does not know."""
    try:
        kind = CalibrationType(str(entry.get("calibration_type")))
    except ValueError:
        raise TypeError(f"Unable to parse calibration type: {entry.get('calibration_type')}") from None
    return msgspec.convert(entry, calibration_factory[kind])


class SensorCalibrationEntry(Model, kw_only=True):
    """A stored calibration, as the server answers it."""

    id: str
    external_id: str
    created: datetime
    workspace_id: str | None = None
    calibration: dict[str, BaseCalibration] | None = None

    @classmethod
    def from_json(cls, js: dict[str, Any]) -> SensorCalibrationEntry:
        sensors = js.get("calibration") or {}
        return cls(
            id=js["id"],
            external_id=js["externalId"],
            workspace_id=js.get("workspaceId"),
            created=msgspec.convert(js["created"], datetime),
            calibration={name: parse_calibration(c) for name, c in sensors.items()},
        )
