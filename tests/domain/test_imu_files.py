"""The rule for an IMU file (a v2 scene's `imuData` resource)."""

from __future__ import annotations

import json

import pytest

from annobatch import domain

POSE = {"position": {"x": 0, "y": 0, "z": 0}, "rotationQuaternion": {"x": 0, "y": 0, "z": 0, "w": 1}}


def samples(*ts: int) -> bytes:
    return json.dumps([{"timestamp": t, **POSE} for t in ts]).encode()


def test_an_imu_file_covering_every_frame_is_fine() -> None:
    assert domain.imu_file_problem("imu", samples(1, 5, 9), [1, 9, None]) is None


@pytest.mark.parametrize(
    ("content", "frames", "says"),
    [
        (b"not json", [1], "file imu: the IMU file is not JSON"),
        (b'{"timestamp": 1}', [1], "not a JSON array of samples"),
        (b"[]", [1], "needs at least one sample"),
        (b"[1]", [1], "IMU sample 0 is not an object"),
        (b'[{"timestamp": "1"}]', [1], "IMU sample 0: timestamp is not an integer"),
        (
            b'[{"timestamp": 1, "position": {"x": 0, "y": 0}}]',
            [1],
            "IMU sample 0: position.z is not a number",
        ),
        (samples(5, 5), [5], "IMU sample 1: timestamp 5 does not come after 5"),
        (samples(2, 3), [1], "unix timestamp 1 is outside the IMU data (2 to 3)"),
    ],
)
def test_a_wrong_imu_file_is_named_with_what_is_wrong(content: bytes, frames: list[int], says: str) -> None:
    problem = domain.imu_file_problem("imu", content, frames)
    assert problem is not None and problem.startswith("file imu") and says in problem


def test_an_imu_file_over_the_limit_is_refused_before_it_is_parsed() -> None:
    problem = domain.imu_file_problem("imu", b" " * (domain.IMU_FILE_LIMIT + 1), [1])
    assert problem is not None and "at most" in problem
