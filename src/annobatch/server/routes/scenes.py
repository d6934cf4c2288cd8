"""Scenes: the official client's creation flow (initialize → create → uploads → commit), scene
queries, invalidation, and the `view` page its links point at."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Annotated

import msgspec
from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from annobatch import domain, presenters, schemas
from annobatch.domain import SceneType
from annobatch.server import views
from annobatch.server.uploads import public_base, signer
from annobatch.services import Services
from annobatch.services.identity import Caller
from annobatch.services.scenes import CreatedScene, SceneDetail, SceneService
from annobatch.storage.records import SceneRecord

#: A scene description (every frame and file path of a long sequence) may be far larger than an
#: ordinary request; IMU data too.
SCENE_BODY_LIMIT = 64 * 1024 * 1024

_BODY_TYPES: dict[SceneType, type[schemas.AnyScene]] = {
    SceneType.CAMERAS: schemas.CamerasScene,
    SceneType.CAMERAS_SEQUENCE: schemas.CamerasSequenceScene,
    SceneType.LIDARS: schemas.LidarsScene,
    SceneType.LIDARS_SEQUENCE: schemas.LidarsSequenceScene,
    SceneType.LIDARS_AND_CAMERAS: schemas.LidarsAndCamerasScene,
    SceneType.LIDARS_AND_CAMERAS_SEQUENCE: schemas.LidarsAndCamerasSequenceScene,
    SceneType.AGGREGATED_LIDARS_AND_CAMERAS_SEQUENCE: schemas.LidarsAndCamerasSequenceScene,
}

WorkspaceId = Annotated[str | None, QueryParameter(name="workspaceId")]


def _ops(request: Request) -> SceneService:
    services: Services = request.app.state.services
    return services.scenes


def view_link(base: str, scene_id: str) -> str:
    return f"{base}/view/{scene_id}"


def scene_view(s: SceneRecord, base: str) -> schemas.Scene:
    return schemas.Scene(
        s.id, s.workspace_id, s.external_id, SceneType(s.scene_type).wire_name,
        domain.SceneStatus(s.status).wire_status,
        presenters.when(s.created), s.calibration_id, view_link(base, s.id), s.error_message,
    )  # fmt: skip


def summary_view(d: SceneDetail) -> schemas.SceneSummary:
    s = d.scene
    spec = msgspec.json.decode(s.spec)
    kind = SceneType(s.scene_type)
    lidars = sorted({r.sensor_name for r in d.resources if r.kind == domain.ResourceKind.POINT_CLOUD})
    cameras = sorted({r.sensor_name for r in d.resources if r.kind == domain.ResourceKind.IMAGE})
    times = [f["relativeTimestamp"] for f in spec["frames"]] if kind.is_sequence else None
    return schemas.SceneSummary(
        scene_uuid=s.id,
        external_id=s.external_id,
        workspace_id=s.workspace_id,
        created=presenters.when(s.created),
        scene_type=kind.summary_name,
        is_multi_sensor=len(lidars) + len(cameras) > 1,
        is_motion_compensated=bool(lidars) and s.motion_compensate,
        calibration_id=s.calibration_id,
        frame_relative_times=times,
        lidars=lidars or None,
        cameras=cameras or None,
        metadata=spec["metadata"],
    )


# ------------------------------------------------------------------------------- creation flow


@post("/v1/inputs/initialize", status_code=200, summary="Reserve a scene uuid")
async def initialize(
    request: Request, caller: NamedDependency[Caller]
) -> schemas.Envelope[schemas.InitializedScene]:
    body = await views.decode_body(
        request, schemas.InitializeSceneRequest, default=schemas.InitializeSceneRequest()
    )
    workspace = body.workspace_id or request.query_params.get("workspaceId")
    return schemas.Envelope(schemas.InitializedScene(await _ops(request).initialize(caller, workspace)))


def job_created(request: Request, created: CreatedScene) -> schemas.SceneJobCreated:
    """`files` maps each resource id exactly as the client sent it to its signed upload URL."""
    base, sign = public_base(request), signer(request)
    files = {r.resource_id: sign.url(base, r.scene_id, r.position) for r in created.uploads}
    return schemas.SceneJobCreated(created.scene.id, files)


@post(
    [
        "/v1/inputs/{scene_type:str}",
        "/v1/inputs/project/{project:str}/{scene_type:str}",
        "/v1/inputs/project/{project:str}/batch/{batch:str}/{scene_type:str}",
    ],
    summary="Create a scene; with a project, its input too (in the named batch, else the open one)",
    status_code=200,
    request_max_body_size=SCENE_BODY_LIMIT,
)
async def create_scene(
    request: Request,
    caller: NamedDependency[Caller],
    scene_type: FromPath[str],
    project: FromPath[str | None] = None,
    batch: FromPath[str | None] = None,
    workspace_id: WorkspaceId = None,
) -> schemas.Envelope[schemas.SceneJobCreated]:
    kind = domain.parse_scene_type(scene_type)
    body = await views.decode_body(request, _BODY_TYPES[kind])
    created = await _ops(request).create_scene(
        caller, workspace_id, kind, body, project=project, batch=batch, write=views.write_options(request)
    )
    return schemas.Envelope(job_created(request, created))


@post(
    "/v1/inputs/{scene:str}/actions/commit",
    status_code=200,
    summary="Every file is uploaded: finish the scene",
)
async def commit(
    request: Request, caller: NamedDependency[Caller], scene: FromPath[str]
) -> schemas.Envelope[schemas.Scene]:
    rec = await _ops(request).commit(caller, scene)
    return schemas.Envelope(scene_view(rec, public_base(request)))


@post(
    "/v1/inputs/{scene:str}/actions/retarget",
    status_code=200,
    summary="Send a pending scene to another project or batch (without a batch: chosen at commit)",
)
async def retarget(
    request: Request, caller: NamedDependency[Caller], scene: FromPath[str]
) -> schemas.Envelope[schemas.Scene]:
    body = await views.decode_body(request, schemas.RetargetSceneRequest)
    services: Services = request.app.state.services
    rec = await services.scene_recovery.retarget(
        caller, scene, body.project, body.batch, views.write_options(request)
    )
    return schemas.Envelope(scene_view(rec, public_base(request)))


@post(
    "/v1/inputs/{scene:str}/actions/abandon",
    status_code=200,
    summary="Give up on a pending scene: its files are removed, it never gets an input",
)
async def abandon(
    request: Request, caller: NamedDependency[Caller], scene: FromPath[str]
) -> schemas.Envelope[schemas.Scene]:
    services: Services = request.app.state.services
    rec = await services.scene_recovery.abandon(caller, scene, views.write_options(request))
    return schemas.Envelope(scene_view(rec, public_base(request)))


# ------------------------------------------------------------------------------- reading


@post("/v2/scenes/query", status_code=200, summary="Scenes by uuid or external id")
async def query_scenes(
    request: Request, caller: NamedDependency[Caller]
) -> schemas.Envelope[list[schemas.Scene]]:
    body = await views.decode_body(request, schemas.QueryScenesRequest)
    found = await _ops(request).scenes(
        caller, uuids=body.scene_uuids or (), external_ids=body.external_ids or ()
    )
    base = public_base(request)
    return schemas.Envelope([scene_view(s, base) for s in found])


@get("/v2/scenes/{scene:str}", summary="A scene's summary")
async def get_scene(
    request: Request,
    caller: NamedDependency[Caller],
    scene: FromPath[str],
    include_invalidated: Annotated[str | None, QueryParameter(name="includeInvalidated")] = None,
) -> schemas.Envelope[schemas.SceneSummary]:
    detail = await _ops(request).scene(caller, scene, _flag(include_invalidated))
    return schemas.Envelope(summary_view(detail))


@get("/v2/scenes/{scene:str}/ego-poses", summary="A scene's ego vehicle pose per frame")
async def ego_poses(
    request: Request, caller: NamedDependency[Caller], scene: FromPath[str]
) -> schemas.Envelope[schemas.EgoPoses]:
    detail = await _ops(request).scene(caller, scene)
    frames = msgspec.json.decode(detail.scene.spec)["frames"]
    poses = {f["frameId"]: f["egoVehiclePose"] for f in frames if f.get("egoVehiclePose")}
    if not poses:
        raise domain.NotFound(f"scene {scene} has no ego vehicle poses", "no-ego-poses")
    return schemas.Envelope(msgspec.convert({"poses": poses}, schemas.EgoPoses))


@post("/v2/scenes/actions/invalidate", status_code=200, summary="Invalidate scenes, for good")
async def invalidate_scenes(
    request: Request, caller: NamedDependency[Caller]
) -> schemas.Envelope[dict[str, int]]:
    body = await views.decode_body(request, schemas.InvalidateScenesRequest)
    n = await _ops(request).invalidate_scenes(
        caller, body.scene_uuids, body.reason, views.write_options(request)
    )
    return schemas.Envelope({"invalidated": n})


def _flag(value: str | None) -> bool:
    """Booleans in query strings arrive as `True`/`False` from the official client."""
    if value is None:
        return False
    if value.lower() in {"true", "1", "yes"}:
        return True
    if value.lower() in {"false", "0", "no", ""}:
        return False
    raise domain.InvalidInput(f"invalid boolean {value!r}: true or false", "invalid-query")


# ------------------------------------------------------------------------------- view page


@get("/view/{scene:str}", media_type=MediaType.HTML, summary="A scene, for people", include_in_schema=False)
async def view_page(request: Request, scene: FromPath[str]) -> Response[str]:
    """The page a `viewLink` opens in a browser: the scene's status, files and inputs. The scene's
    uuid (unguessable) is the permission, as it is for the official platform's links."""
    detail = await _ops(request).view(scene)
    if detail is None:
        return Response(_page("Scene not found", f"<p>No scene {html.escape(scene)}.</p>"), status_code=404)
    return Response(_page(f"Scene {detail.scene.external_id}", _describe_scene(detail)))


def _page(title: str, body: str) -> str:
    style = (
        "body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}"
        "code{font-size:.9em}"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)} · annobatch</title>"
        f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def _table(head: list[str], rows: Sequence[Sequence[object]]) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    trs = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table>"


def _describe_scene(d: SceneDetail) -> str:
    s = d.scene
    facts = [
        ["uuid", s.id], ["external id", s.external_id], ["type", SceneType(s.scene_type).wire_name],
        ["status", s.status], ["created", presenters.when(s.created).isoformat()],
        ["workspace", s.workspace_id],
        ["calibration", s.calibration_id or "—"],
    ]  # fmt: skip
    if s.error_message:
        facts.append(["error", s.error_message])
    files = [
        [
            r.resource_id, r.frame_id or "—", r.sensor_name, r.kind,
            "uploaded" if r.blob_key else ("described only" if not r.upload else "not stored"),
            r.size if r.size is not None else "—", r.sha256 or "—",
        ]
        for r in d.resources
    ]  # fmt: skip
    inputs = [[i.id, i.project, i.batch, i.status, presenters.when(i.created).isoformat()] for i in d.inputs]
    return (
        _table(["", ""], facts)
        + f"<h2>Files ({len(files)})</h2>"
        + _table(["resource id", "frame", "sensor", "kind", "state", "bytes", "sha256"], files)
        + f"<h2>Inputs ({len(inputs)})</h2>"
        + (_table(["input", "project", "batch", "status", "created"], inputs) if inputs else "<p>None.</p>")
    )


ROUTES = [
    initialize,
    create_scene,
    commit,
    retarget,
    abandon,
    query_scenes,
    get_scene,
    ego_poses,
    invalidate_scenes,
    view_page,
]
