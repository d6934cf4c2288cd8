"""Where the official client has these models (the same module path under `kognic.io`)."""

from annobatch.model.calibration.camera import (
    CustomCameraCalibration,
    Point2d,
    Point3d,
    TestCase,
)

__all__ = ["CustomCameraCalibration", "Point2d", "Point3d", "TestCase"]
