"""Where the official client has these models (the same module path under `kognic.io`)."""

from annobatch.model.calibration.camera import (
    KannalaCalibration,
    KannalaDistortionCoefficients,
    UndistortionCoefficients,
)

__all__ = ["KannalaCalibration", "KannalaDistortionCoefficients", "UndistortionCoefficients"]
