"""Calibrations over HTTP: refused naming the field, found by id, created once per idempotency key."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from scenes_testing import Api, api

__all__ = ["api"]  # the fixture


@pytest.mark.parametrize(
    ("calibration", "message"),
    [
        ({}, "a calibration needs at least one sensor"),
        ({"L": {"calibration_type": "sonar"}}, "calibration of sensor L: unknown calibration_type 'sonar'"),
        (
            {"L": {"calibration_type": "lidar", "position": {"x": 0, "y": 0}}},
            "field position needs numbers z",
        ),
        (
            {
                "C": {
                    "calibration_type": "pinhole",
                    "position": {"x": 0, "y": 0, "z": 0},
                    "rotation_quaternion": {"w": 1, "x": 0, "y": 0, "z": 0},
                    "image_width": 8,
                    "image_height": 8,
                }
            },
            "calibration of sensor C (pinhole): field camera_matrix is missing",
        ),
    ],
)
def test_bad_calibrations_are_refused_naming_the_field(
    api: Api, calibration: dict[str, Any], message: str
) -> None:
    r = api.client.post(
        f"/v1/calibrations?workspaceId={api.workspace}",
        json={"externalId": "cal", "calibration": calibration},
        headers=api.headers,
    )
    assert r.status_code == 400
    assert message in r.json()["message"]


def test_an_unknown_calibration_id_is_not_found(api: Api) -> None:
    r = api.client.get(f"/v1/calibrations?id={uuid.uuid4()}", headers=api.headers)
    assert r.status_code == 404
    r = api.client.get("/v1/calibrations?id=nope", headers=api.headers)
    assert (r.status_code, r.json()["message"]) == (400, "invalid calibration id 'nope': a uuid")


def test_an_idempotency_key_makes_a_retried_calibration_create_answer_the_first(api: Api) -> None:
    body = {
        "externalId": "rig",
        "calibration": {
            "L": {
                "calibration_type": "lidar",
                "position": {"x": 0, "y": 0, "z": 0},
                "rotation_quaternion": {"w": 1, "x": 0, "y": 0, "z": 0},
            }
        },
    }
    headers = {**api.headers, "Idempotency-Key": "cal-1"}
    url = f"/v1/calibrations?workspaceId={api.workspace}"
    first = api.client.post(url, json=body, headers=headers).json()["data"]
    again = api.client.post(url, json=body, headers=headers).json()["data"]
    assert again == first
    listed = api.client.get("/v1/calibrations?externalId=rig", headers=api.headers).json()["data"]
    assert [c["id"] for c in listed] == [first["id"]]
