"""Scenes: the creation flow (`v1/inputs/...`, as the official client names it: initialize,
create, commit) and the v2 scene calls (query, summary, ego poses, invalidation)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from annobatch import domain, presenters, schemas
from annobatch.domain import SceneType
from annobatch.server.bodies import MISSING_BODY, SCENE_BODY_LIMIT, JsonBody, OptionalBody
from annobatch.server.dependencies import WRITE
from annobatch.server.links import public_base, upload_links
from annobatch.server.params import WorkspaceId, flag
from annobatch.services.identity import Caller
from annobatch.services.placement import input_id_for_scene
from annobatch.services.scenes import SceneService
from annobatch.services.scenes_v2 import SceneV2Service
from annobatch.services.transactions import Write

_BODY_TYPES: dict[SceneType, type[schemas.AnyScene]] = {
    SceneType.CAMERAS: schemas.CamerasScene,
    SceneType.CAMERAS_SEQUENCE: schemas.CamerasSequenceScene,
    SceneType.LIDARS: schemas.LidarsScene,
    SceneType.LIDARS_SEQUENCE: schemas.LidarsSequenceScene,
    SceneType.LIDARS_AND_CAMERAS: schemas.LidarsAndCamerasScene,
    SceneType.LIDARS_AND_CAMERAS_SEQUENCE: schemas.LidarsAndCamerasSequenceScene,
    SceneType.AGGREGATED_LIDARS_AND_CAMERAS_SEQUENCE: schemas.LidarsAndCamerasSequenceScene,
}


class SceneBody(JsonBody):
    """A scene description decodes into the body type of the `{scene_type}` in its path; the
    OpenAPI document shows the handler's union of them all."""

    def body_type(self) -> Any:
        return _BODY_TYPES[domain.parse_scene_type(self.asgi_connection.path_params["scene_type"])]


class SceneCreationController(Controller):
    path = "/v1/inputs"
    tags = ["scenes"]

    @post("/initialize", status_code=200, summary="Reserve a scene uuid", operation_class=OptionalBody)
    async def initialize(
        self,
        caller: NamedDependency[Caller],
        scenes: NamedDependency[SceneService],
        workspace_id: WorkspaceId = None,
        data: JSONBody[schemas.InitializeSceneRequest | None] = None,
    ) -> schemas.Envelope[schemas.InitializedScene]:
        workspace = (data.workspace_id if data else None) or workspace_id
        return schemas.Envelope(schemas.InitializedScene(await scenes.initialize(caller, workspace)))

    @post(
        [
            "/{scene_type:str}",
            "/project/{project:str}/{scene_type:str}",
            "/project/{project:str}/batch/{batch:str}/{scene_type:str}",
        ],
        summary="Create a scene; with a project, its input too (in the named batch, else the open one)",
        status_code=200,
        request_max_body_size=SCENE_BODY_LIMIT,
        dependencies=WRITE,
        dto=SceneBody,
    )
    async def create_scene(
        self,
        request: Request,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        scenes: NamedDependency[SceneService],
        scene_type: FromPath[str],
        project: FromPath[str | None] = None,
        batch: FromPath[str | None] = None,
        workspace_id: WorkspaceId = None,
        data: JSONBody[schemas.AnyScene | None] = None,
    ) -> schemas.Envelope[schemas.SceneJobCreated]:
        kind = domain.parse_scene_type(scene_type)
        if data is None:  # the body is required; the scene type is checked first, as it names the body
            raise domain.InvalidInput(MISSING_BODY, "invalid-body")
        created = await scenes.create_scene(
            caller, workspace_id, kind, data, project=project, batch=batch, write=write
        )
        # A scene created into a project gets its input at commit (at once without files), with an
        # id known now: the official client reports it as the create's `requestInputUuid`.
        input_id = None if created.scene.project_id is None else input_id_for_scene(created.scene.id)
        return schemas.Envelope(
            presenters.scene_job_created(created, public_base(request), upload_links(request), input_id)
        )

    @post("/{scene:str}/actions/commit", status_code=200, summary="Every file is uploaded: finish the scene")
    async def commit(
        self,
        request: Request,
        caller: NamedDependency[Caller],
        scenes: NamedDependency[SceneService],
        scene: FromPath[str],
    ) -> schemas.Envelope[schemas.Scene]:
        rec = await scenes.commit(caller, scene)
        return schemas.Envelope(presenters.scene(rec, public_base(request)))


class SceneController(Controller):
    path = "/v2/scenes"
    tags = ["scenes"]

    @post(
        "/",
        status_code=200,
        summary="Create a scene (v2): local files get signed upload URLs, cloud resources are read from "
        "the organization's own bucket (or only indexed, with postponeExternalResourceImport)",
        request_max_body_size=SCENE_BODY_LIMIT,
        dependencies=WRITE,
    )
    async def create_scene(
        self,
        request: Request,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        scenes_v2: NamedDependency[SceneV2Service],
        data: JSONBody[schemas.SceneRequestV2],
    ) -> schemas.Envelope[schemas.SceneCreatedV2]:
        created = await scenes_v2.create(caller, data, write)
        return schemas.Envelope(
            presenters.scene_created_v2(created, public_base(request), upload_links(request))
        )

    @patch(
        "/{scene:str}",
        status_code=200,
        summary="Import an indexed scene (status created) or reindex a created one (status indexed)",
        dependencies=WRITE,
    )
    async def change_status(
        self,
        request: Request,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        scenes_v2: NamedDependency[SceneV2Service],
        scene: FromPath[str],
        data: JSONBody[schemas.SceneStatusChange],
    ) -> schemas.Envelope[schemas.Scene]:
        rec = await scenes_v2.change_status(caller, scene, data.status, write)
        return schemas.Envelope(presenters.scene(rec, public_base(request)))

    @post("/query", status_code=200, summary="Scenes by uuid or external id")
    async def query_scenes(
        self,
        request: Request,
        caller: NamedDependency[Caller],
        scenes: NamedDependency[SceneService],
        data: JSONBody[schemas.QueryScenesRequest],
    ) -> schemas.Envelope[list[schemas.Scene]]:
        found = await scenes.scenes(
            caller, uuids=data.scene_uuids or (), external_ids=data.external_ids or ()
        )
        base = public_base(request)
        return schemas.Envelope([presenters.scene(s, base) for s in found])

    @get("/{scene:str}", summary="A scene's summary")
    async def get_scene(
        self,
        caller: NamedDependency[Caller],
        scenes: NamedDependency[SceneService],
        scene: FromPath[str],
        include_invalidated: Annotated[str | None, QueryParameter(name="includeInvalidated")] = None,
    ) -> schemas.Envelope[schemas.SceneSummary]:
        detail = await scenes.scene(caller, scene, flag(include_invalidated))
        return schemas.Envelope(presenters.scene_summary(detail))

    @get("/{scene:str}/ego-poses", summary="A scene's ego vehicle pose per frame")
    async def ego_poses(
        self, caller: NamedDependency[Caller], scenes: NamedDependency[SceneService], scene: FromPath[str]
    ) -> schemas.Envelope[schemas.EgoPoses]:
        poses = presenters.ego_poses(await scenes.scene(caller, scene))
        if poses is None:
            raise domain.NotFound(f"scene {scene} has no ego vehicle poses", "no-ego-poses")
        return schemas.Envelope(poses)

    @post("/actions/invalidate", status_code=200, summary="Invalidate scenes, for good", dependencies=WRITE)
    async def invalidate_scenes(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        scenes: NamedDependency[SceneService],
        data: JSONBody[schemas.InvalidateScenesRequest],
    ) -> schemas.Envelope[dict[str, int]]:
        n = await scenes.invalidate_scenes(caller, data.scene_uuids, data.reason, write)
        return schemas.Envelope({"invalidated": n})
