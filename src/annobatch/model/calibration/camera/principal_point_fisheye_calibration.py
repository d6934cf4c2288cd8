"""Where the official client has these models (the same module path under `kognic.io`)."""

from annobatch.model.calibration.camera import (
    PrincipalPointFisheyeCalibration,
    PrincipalPointFisheyeCoefficients,
)

__all__ = ["PrincipalPointFisheyeCalibration", "PrincipalPointFisheyeCoefficients"]
