"""Calibrations: which sensor calibrations exist and what each must carry."""

from __future__ import annotations

from annobatch.domain.batches import (
    validate_scene_external_id,
)
from annobatch.domain.errors import (
    InvalidInput,
)
from annobatch.domain.scenes import (
    LIDAR_CALIBRATION,
    MAX_SENSOR_NAME,
)

# Calibrations

__all__ = [
    "CALIBRATION_FIELDS",
    "validate_calibration",
]


_NUMBER = "number"
_VECTOR3 = ("x", "y", "z")
_CAMERA_MATRIX = ("fx", "fy", "cx", "cy")
_DISTORTION5 = ("k1", "k2", "p1", "p2", "k3")

#: Per calibration type, the fields a calibration of that type must carry: an object with these
#: numeric members, `number`, `string` or a positive `integer`.
CALIBRATION_FIELDS: dict[str, dict[str, tuple[str, ...] | str]] = {
    "lidar": {},
    "pinhole": {"camera_matrix": _CAMERA_MATRIX, "distortion_coefficients": _DISTORTION5},
    "fisheye": {"camera_matrix": _CAMERA_MATRIX, "distortion_coefficients": _DISTORTION5, "xi": _NUMBER},
    "kannala": {
        "camera_matrix": _CAMERA_MATRIX,
        "distortion_coefficients": ("k1", "k2", "p1", "p2"),
        "undistortion_coefficients": ("l1", "l2", "l3", "l4"),
    },
    "principal_point_distortion": {
        "camera_matrix": _CAMERA_MATRIX,
        "principal_point_distortion_coefficients": ("k1", "k2"),
        "distortion_center": ("x", "y"),
        "principal_point": ("x", "y"),
    },
    "fused_cylindrical": {"camera_matrix": _CAMERA_MATRIX, "cut_angles_degree": ("upper", "lower")},
    "cylindrical": {"camera_matrix": _CAMERA_MATRIX},
    "principal_point_fisheye": {
        "camera_matrix": _CAMERA_MATRIX,
        "principal_point_fisheye_coefficients": ("alpha_l", "alpha_r", "beta_u", "beta_l"),
    },
    "custom": {"wasm_base64": "string"},
}


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def validate_calibration(external_id: str, calibration: dict[str, object]) -> dict[str, str]:
    """A calibration has an external id (as a scene's), and for each of at least one sensor a
    calibration of a known type (`calibration_type`) with a position (x, y, z), a rotation
    quaternion (w, x, y, z), and the fields its type needs (`CALIBRATION_FIELDS`); cameras also
    need a positive image width and height. Answers sensor → calibration type."""
    validate_scene_external_id(external_id, "calibration")
    if not calibration:
        raise InvalidInput("a calibration needs at least one sensor", "invalid-calibration")
    types: dict[str, str] = {}
    for sensor, entry in calibration.items():
        if not 1 <= len(sensor) <= MAX_SENSOR_NAME:
            raise InvalidInput(
                f"invalid sensor name {sensor!r}: 1-{MAX_SENSOR_NAME} characters", "invalid-calibration"
            )
        if not isinstance(entry, dict):
            raise InvalidInput(f"calibration of sensor {sensor}: must be an object", "invalid-calibration")
        ctype = entry.get("calibration_type")
        if ctype not in CALIBRATION_FIELDS:
            allowed = ", ".join(CALIBRATION_FIELDS)
            raise InvalidInput(
                f"calibration of sensor {sensor}: unknown calibration_type {ctype!r}: one of {allowed}",
                "invalid-calibration",
            )
        needed: dict[str, tuple[str, ...] | str] = {
            "position": _VECTOR3,
            "rotation_quaternion": ("w", *_VECTOR3),
        }
        if ctype != LIDAR_CALIBRATION:
            needed.update(image_height="integer", image_width="integer")
        needed.update(CALIBRATION_FIELDS[ctype])
        for field, shape in needed.items():
            problem = _field_problem(entry.get(field), shape)
            if problem:
                raise InvalidInput(
                    f"calibration of sensor {sensor} ({ctype}): field {field} {problem}",
                    "invalid-calibration",
                )
        types[sensor] = str(ctype)
    return types


def _field_problem(value: object, shape: tuple[str, ...] | str) -> str | None:
    if value is None:
        return "is missing"
    if shape == "string":
        return None if isinstance(value, str) and value else "must be a non-empty string"
    if shape == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
        return None if ok else "must be a positive integer"
    if shape == _NUMBER:
        return None if _is_number(value) else "must be a number"
    if not isinstance(value, dict):
        return f"must be an object with {', '.join(shape)}"
    bad = [k for k in shape if not _is_number(value.get(k))]
    return f"needs numbers {', '.join(bad)}" if bad else None
