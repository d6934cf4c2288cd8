"""How large one scene may be, and what a refusal says."""

from __future__ import annotations

import pytest

from annobatch import domain
from annobatch.domain import InvalidInput, SceneLimits

LIMITS = SceneLimits(max_frames=10, max_sensors=3, max_files=20)


@pytest.mark.parametrize(
    ("frames", "sensors", "files"),
    [(1, 1, 1), (10, 3, 20), (10, 1, 10)],
)
def test_a_scene_at_or_under_every_limit_passes(frames: int, sensors: int, files: int) -> None:
    domain.require_scene_within_limits(frames, sensors, files, LIMITS)


@pytest.mark.parametrize(
    ("frames", "sensors", "files", "named"),
    [
        (11, 1, 11, "11 frames"),
        (1, 4, 4, "4 sensors"),
        (2, 2, 21, "21 files"),
        (1_000_000, 100, 1_000_000, "1000000 frames"),
    ],
)
def test_a_scene_past_a_limit_is_refused_naming_the_count_and_the_limit(
    frames: int, sensors: int, files: int, named: str
) -> None:
    with pytest.raises(InvalidInput) as e:
        domain.require_scene_within_limits(frames, sensors, files, LIMITS)
    assert e.value.code == "scene-too-large"
    assert named in e.value.message and "at most" in e.value.message


def test_the_default_limits_take_a_long_multi_sensor_sequence() -> None:
    domain.require_scene_within_limits(2_000, 12, 24_000, SceneLimits())


def test_a_calibration_external_id_is_refused_as_a_calibrations() -> None:
    with pytest.raises(InvalidInput) as e:
        domain.validate_calibration("bad\x00id", {})
    assert "invalid calibration external id" in e.value.message
