"""Camera calibrations, one model per lens model."""

from __future__ import annotations

import base64
from pathlib import Path

import msgspec

from annobatch.model._base import SnakeModel
from annobatch.model.calibration.common import BaseCalibration, CalibrationType


class CameraMatrix(SnakeModel, kw_only=True):
    """Focal lengths and principal point, in pixels."""

    fx: float
    fy: float
    cx: float
    cy: float


class DistortionCoefficients(SnakeModel, kw_only=True):
    """Radial (k1, k2, k3) and tangential (p1, p2) distortion."""

    k1: float
    k2: float
    p1: float
    p2: float
    k3: float


class BaseCameraCalibration(BaseCalibration, kw_only=True):
    image_height: int
    image_width: int


class BaseStandardCameraCalibration(BaseCameraCalibration, kw_only=True):
    """A camera with a camera matrix and an optional field of view (degrees)."""

    camera_matrix: CameraMatrix
    field_of_view: float | None = None


class PinholeCalibration(BaseStandardCameraCalibration, kw_only=True):
    """A pinhole camera with radial and tangential distortion."""

    distortion_coefficients: DistortionCoefficients
    calibration_type: CalibrationType = CalibrationType.PINHOLE


class FisheyeCalibration(BaseStandardCameraCalibration, kw_only=True):
    """A fisheye camera (unified model, `xi`)."""

    distortion_coefficients: DistortionCoefficients
    xi: float
    calibration_type: CalibrationType = CalibrationType.FISHEYE


class KannalaDistortionCoefficients(SnakeModel, kw_only=True):
    k1: float
    k2: float
    p1: float
    p2: float


class UndistortionCoefficients(SnakeModel, kw_only=True):
    l1: float
    l2: float
    l3: float
    l4: float


class KannalaCalibration(BaseStandardCameraCalibration, kw_only=True):
    """A Kannala-Brandt fisheye camera."""

    distortion_coefficients: KannalaDistortionCoefficients
    undistortion_coefficients: UndistortionCoefficients
    calibration_type: CalibrationType = CalibrationType.KANNALA


class CylindricalCalibration(BaseStandardCameraCalibration, kw_only=True):
    """A cylindrical projection."""

    calibration_type: CalibrationType = CalibrationType.CYLINDRICAL


class CutAngles(SnakeModel, kw_only=True):
    upper: float
    lower: float


class FusedCylindricalCalibration(BaseStandardCameraCalibration, kw_only=True):
    """A fused cylindrical projection, cut at `cut_angles_degree`."""

    cut_angles_degree: CutAngles
    vertical_fov_degree: float = 72.5
    horizontal_fov_degree: float = 93
    max_altitude_angle_degree: float = 90.0
    calibration_type: CalibrationType = CalibrationType.FUSEDCYLINDRICAL


class PrincipalPointDistortionCoefficients(SnakeModel, kw_only=True):
    k1: float
    k2: float


class PrincipalPoint(SnakeModel, kw_only=True):
    x: float
    y: float


class DistortionCenter(SnakeModel, kw_only=True):
    x: float
    y: float


class LensProjectionCoefficients(SnakeModel, kw_only=True):
    c1: float
    c2: float
    c3: float
    c4: float
    c5: float
    c6: float

    def get_coefficients(self) -> list[float]:
        return [self.c1, self.c2, self.c3, self.c4, self.c5, self.c6]


class PrincipalPointDistortionCalibration(BaseStandardCameraCalibration, kw_only=True):
    """A camera distorted around its principal point."""

    principal_point_distortion_coefficients: PrincipalPointDistortionCoefficients
    distortion_center: DistortionCenter
    principal_point: PrincipalPoint
    lens_projection_coefficients: LensProjectionCoefficients | None = None
    calibration_type: CalibrationType = CalibrationType.PRINCIPALPOINTDIST


class PrincipalPointFisheyeCoefficients(SnakeModel, kw_only=True):
    alpha_l: float
    alpha_r: float
    beta_u: float
    beta_l: float


class PrincipalPointFisheyeCalibration(BaseStandardCameraCalibration, kw_only=True):
    """A fisheye camera distorted around its principal point."""

    principal_point_fisheye_coefficients: PrincipalPointFisheyeCoefficients
    calibration_type: CalibrationType = CalibrationType.PRINCIPALPOINTFISHEYE


class Point3d(SnakeModel, kw_only=True):
    x: float
    y: float
    z: float


class Point2d(SnakeModel, kw_only=True):
    x: float
    y: float


class TestCase(SnakeModel, kw_only=True):
    """A 3D point and the pixel the camera model must project it to."""

    __test__ = False  # not a test, whatever pytest thinks of the name
    point3d: Point3d
    point2d: Point2d


class CustomCameraCalibration(BaseCameraCalibration, kw_only=True):
    """A camera model compiled to WebAssembly (base64 in `wasm_base64`)."""

    wasm_base64: str
    test_cases: list[TestCase] = msgspec.field(default_factory=list)
    calibration_type: CalibrationType = CalibrationType.CUSTOM

    def get_wasm_bytes(self) -> bytes:
        return base64.b64decode(self.wasm_base64)

    @staticmethod
    def from_bytes(wasm_bytes: bytes, **kwargs: object) -> CustomCameraCalibration:
        return msgspec.convert(
            {**kwargs, "wasm_base64": base64.b64encode(wasm_bytes).decode()},
            CustomCameraCalibration,
            from_attributes=True,
        )

    @staticmethod
    def from_file(wasm_path: str, **kwargs: object) -> CustomCameraCalibration:
        return CustomCameraCalibration.from_bytes(Path(wasm_path).read_bytes(), **kwargs)
