"""Where the official client has these models (the same module path under `kognic.io`)."""

from annobatch.model.calibration.camera import (
    DistortionCenter,
    LensProjectionCoefficients,
    PrincipalPoint,
    PrincipalPointDistortionCalibration,
    PrincipalPointDistortionCoefficients,
)

__all__ = [
    "DistortionCenter",
    "LensProjectionCoefficients",
    "PrincipalPoint",
    "PrincipalPointDistortionCalibration",
    "PrincipalPointDistortionCoefficients",
]
