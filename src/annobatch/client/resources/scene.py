"""`client.scene`: scenes by uuid or external id, their summaries, ego poses, invalidation, and
the v2 creation of any kind of scene in one request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from annobatch.client._errors import NotFound
from annobatch.client._requester import Requester
from annobatch.client.resources._common import Ignored, body, seg
from annobatch.model.scene.invalidated_reason import SceneInvalidatedReason
from annobatch.model.scene.scene_job import CreateSceneResponse
from annobatch.model.scene.scene_request import SceneRequest
from annobatch.schemas import (
    EgoPoses,
    EgoVehiclePose,
    Envelope,
    InvalidateScenesRequest,
    QueryScenesRequest,
    Scene,
    SceneCreatedV2,
    SceneStatusChange,
    SceneSummary,
)

if TYPE_CHECKING:
    from annobatch.client._uploads import Uploader


class SceneResource:
    """Scenes, as the official client names them."""

    def __init__(self, requester: Requester, uploader: Uploader) -> None:
        self._requester = requester
        self._uploader = uploader

    def get_scenes_by_uuids(self, scene_uuids: list[str]) -> list[Scene]:
        """These scenes; `NotFound` if any of them is not the caller's."""
        query = QueryScenesRequest(scene_uuids=scene_uuids)
        return self._requester.call("POST", "/v2/scenes/query", Envelope[list[Scene]], json=body(query)).data

    def get_scenes_by_external_ids(self, external_ids: list[str]) -> list[Scene]:
        """Every scene with one of these external ids."""
        query = QueryScenesRequest(external_ids=external_ids)
        return self._requester.call("POST", "/v2/scenes/query", Envelope[list[Scene]], json=body(query)).data

    def get_scene_summary(self, scene_uuid: str, find_invalidated_scenes: bool = False) -> SceneSummary:
        """A scene's summary: sensors, frame times, calibration, whether it is motion compensated."""
        params = {"includeInvalidated": str(find_invalidated_scenes)}
        path = f"/v2/scenes/{seg(scene_uuid)}"
        return self._requester.call("GET", path, Envelope[SceneSummary], params=params).data

    def get_ego_poses(self, scene_uuid: str) -> dict[str, EgoVehiclePose] | None:
        """The ego vehicle's pose per frame id (in frame order), or None when the scene has none."""
        try:
            poses = self._requester.call("GET", f"/v2/scenes/{seg(scene_uuid)}/ego-poses", Envelope[EgoPoses])
        except NotFound:
            return None
        return dict(sorted(poses.data.poses.items(), key=lambda item: int(item[0])))

    def invalidate_scenes(self, scene_uuids: list[str], reason: SceneInvalidatedReason) -> None:
        """Invalidate scenes, for good: their inputs leave every batch."""
        request = InvalidateScenesRequest(scene_uuids, SceneInvalidatedReason(reason).value)
        self._requester.call("POST", "/v2/scenes/actions/invalidate", Ignored, json=body(request))

    def import_indexed_scene(self, scene_uuid: str) -> None:
        """Import an indexed scene's cloud resources."""
        self._set_status(scene_uuid, "created")

    def reindex_scene(self, scene_uuid: str) -> None:
        """Make a created scene indexed again."""
        self._set_status(scene_uuid, "indexed")

    def _set_status(self, scene_uuid: str, status: str) -> None:
        path = f"/v2/scenes/{seg(scene_uuid)}"
        self._requester.call("PATCH", path, Ignored, json=body(SceneStatusChange(status)))

    def create_scene(self, scene_request: SceneRequest) -> CreateSceneResponse:
        """Create a scene of any kind (v2): its local files are uploaded (streamed, several at
        once), then the scene is committed."""
        created = self._requester.call(
            "POST", "/v2/scenes", Envelope[SceneCreatedV2], json=scene_request.to_dict()
        ).data
        if created.signed_upload_urls:
            files = scene_request.get_files()
            self._uploader.upload_v2(created.id, created.signed_upload_urls, files)
            self._requester.call("POST", f"/v1/inputs/{seg(created.id)}/actions/commit", Ignored)
        return CreateSceneResponse(scene_uuid=created.id)
