"""IMU data sent as a file (a v2 scene's `imuData` resource): what the file must hold."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from annobatch.domain.errors import InvalidInput
from annobatch.domain.scenes import ImuSample, validate_imu

__all__ = ["IMU_FILE_LIMIT", "imu_file_problem", "parse_imu_file"]

#: The most bytes an IMU file may hold: it is read whole to be checked (about 200,000 samples).
IMU_FILE_LIMIT = 32 * 1024 * 1024


def _vector(value: Any, keys: str, where: str) -> tuple[float, ...]:
    if not isinstance(value, dict):
        raise InvalidInput(f"{where} is not an object with {', '.join(keys)}", "invalid-imu")
    out = []
    for k in keys:
        v = value.get(k)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise InvalidInput(f"{where}.{k} is not a number", "invalid-imu")
        out.append(float(v))
    return tuple(out)


def _sample(item: Any, i: int) -> ImuSample:
    if not isinstance(item, dict):
        raise InvalidInput(f"IMU sample {i} is not an object", "invalid-imu")
    t = item.get("timestamp")
    if isinstance(t, bool) or not isinstance(t, int):
        raise InvalidInput(f"IMU sample {i}: timestamp is not an integer (ns)", "invalid-imu")
    x, y, z = _vector(item.get("position"), "xyz", f"IMU sample {i}: position")
    qx, qy, qz, qw = _vector(item.get("rotationQuaternion"), "xyzw", f"IMU sample {i}: rotationQuaternion")
    return ImuSample(t, (x, y, z), (qw, qx, qy, qz))


def parse_imu_file(content: bytes) -> list[ImuSample]:
    """An IMU file is a JSON array of samples, as the v1 API takes them in `imuData`:
    `{"timestamp": ns, "position": {x, y, z}, "rotationQuaternion": {x, y, z, w}}`."""
    try:
        doc = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as e:
        raise InvalidInput(f"the IMU file is not JSON: {e}", "invalid-imu") from None
    if not isinstance(doc, list):
        raise InvalidInput("the IMU file is not a JSON array of samples", "invalid-imu")
    return [_sample(item, i) for i, item in enumerate(doc)]


def imu_file_problem(resource_id: str, content: bytes, frame_timestamps: Sequence[int | None]) -> str | None:
    """What is wrong with an IMU file, or None: it parses, its samples are valid (`validate_imu`)
    and their time span covers every frame's unix timestamp."""
    if len(content) > IMU_FILE_LIMIT:
        return f"file {resource_id}: an IMU file holds at most {IMU_FILE_LIMIT} bytes"
    try:
        lo, hi = validate_imu(parse_imu_file(content))
    except InvalidInput as e:
        return f"file {resource_id}: {e.message}"
    for t in frame_timestamps:
        if t is not None and not lo <= t <= hi:
            return (
                f"file {resource_id}: a frame's unix timestamp {t} is outside the IMU data ({lo} to {hi}); "
                "IMU data must cover every frame"
            )
    return None
