"""IMU data (`POST /v1/imu`): sent whole, refused when its samples are out of order."""

from __future__ import annotations

import uuid

from scenes_testing import Api, api

__all__ = ["api"]  # the fixture


def test_imu_data_out_of_order_is_refused(api: Api) -> None:
    sample = {"position": {"x": 0, "y": 0, "z": 0}, "rotationQuaternion": {"w": 1, "x": 0, "y": 0, "z": 0}}
    body = {
        "imuData": [{**sample, "timestamp": 20}, {**sample, "timestamp": 10}],
        "internalId": str(uuid.uuid4()),
    }
    r = api.client.post(f"/v1/imu?workspaceId={api.workspace}", json=body, headers=api.headers)
    assert (r.status_code, r.json()["message"]) == (
        400,
        "IMU sample 1: timestamp 10 does not come after 20; samples must be ordered by time",
    )
