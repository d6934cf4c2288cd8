"""How large one scene may be: a scene past a limit is refused with 400 before any other work,
and nothing of it is stored."""

from __future__ import annotations

import pytest
from scenes_testing import Api, api, cameras_body

from annobatch.settings import Settings

__all__ = ["api"]  # the fixture


def test_a_scene_with_more_sensors_than_the_limit_is_refused_and_nothing_is_stored(api: Api) -> None:
    sid = api.initialize()
    names = [f"CAM{i}" for i in range(Settings().max_scene_sensors + 1)]
    r = api.create(cameras_body(sid, *names))
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "scene-too-large"
    assert f"the scene has {len(names)} sensors" in body["message"]
    gone = api.client.post("/v2/scenes/query", json={"sceneUuids": [sid]}, headers=api.headers)
    assert gone.status_code == 404


def test_a_scene_at_the_limit_is_taken(api: Api) -> None:
    sid = api.initialize()
    names = [f"CAM{i}" for i in range(Settings().max_scene_sensors)]
    assert api.create(cameras_body(sid, *names)).status_code == 200


@pytest.mark.parametrize(
    ("variable", "field"),
    [
        ("ANNOBATCH_MAX_SCENE_FRAMES", "max_frames"),
        ("ANNOBATCH_MAX_SCENE_SENSORS", "max_sensors"),
        ("ANNOBATCH_MAX_SCENE_FILES", "max_files"),
    ],
)
def test_each_limit_is_a_setting(variable: str, field: str) -> None:
    limits = Settings.from_env({variable: "7"}).scene_limits()
    assert getattr(limits, field) == 7
