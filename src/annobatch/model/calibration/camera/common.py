"""Where the official client has these models (the same module path under `kognic.io`)."""

from annobatch.model.calibration.camera import (
    BaseCameraCalibration,
    BaseStandardCameraCalibration,
    CameraMatrix,
    DistortionCoefficients,
)

__all__ = ["BaseCameraCalibration", "BaseStandardCameraCalibration", "CameraMatrix", "DistortionCoefficients"]
