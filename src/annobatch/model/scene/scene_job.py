"""What creating a scene answers."""

from __future__ import annotations

import msgspec

from annobatch.schemas import InitializedScene as InitializedSceneJob
from annobatch.schemas import SceneJobCreated


class CreateSceneResponse(msgspec.Struct, kw_only=True):
    """The created scene's uuid, and the input its commit makes when it was created into a
    project."""

    scene_uuid: str
    request_input_uuid: str | None = None


__all__ = ["CreateSceneResponse", "InitializedSceneJob", "SceneJobCreated"]
