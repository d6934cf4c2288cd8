"""The scene page, `/view/<scene>` (the `viewLink` of an input): what was uploaded and what came
back — frames and sensors, the images with the delivered annotations' boxes drawn over them,
the calibration, the inputs, and each point cloud seen from above (`/view/<scene>/clouds/<n>`, a
PNG drawn here). Clients and staff of the scene's organization and the workforce of its projects
see it; anyone else is shown the 404 page. Without a session it asks to sign in first, then comes
back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream, Template

from annobatch.domain import DomainError, SceneType
from annobatch.server.dashboard.web import EVERYONE, POLICY, ROLES, page
from annobatch.server.params import FilePosition
from annobatch.services.identity import Caller
from annobatch.services.point_clouds import TopDown
from annobatch.services.scene_views import Box, DeliveredAnnotation, SceneViewService
from annobatch.storage.records import ResourceRecord

#: One colour per class, in the order the page meets them (the same palette as the editor's).
PALETTE = ("#1f5fd1", "#c0392b", "#1e7f45", "#b35c00", "#7b3fb0", "#8a5a2b", "#c0307f", "#0f7c8c", "#6d7a00")

#: Which frame of a sequence the page shows, from 1.
Frame = Annotated[int, QueryParameter(name="frame", ge=1, le=1_000_000)]


@dataclass(frozen=True, slots=True)
class CloudView:
    """A point cloud of a frame, as the page shows it: drawn, or why not."""

    resource: ResourceRecord
    url: str
    drawn: TopDown | None
    problem: str = ""


async def clouds_of(
    scene_views: SceneViewService,
    caller: NamedDependency[Caller],
    scene_id: str,
    clouds: Sequence[ResourceRecord],
) -> list[CloudView]:
    """The frame's point clouds drawn from above (each kept by the service for its image)."""
    shown = []
    for r in clouds:
        url = f"/view/{scene_id}/clouds/{r.position}"
        if r.blob_key is None:
            shown.append(CloudView(r, url, None, "not uploaded"))
            continue
        try:
            shown.append(CloudView(r, url, await scene_views.point_cloud(caller, scene_id, r.position)))
        except DomainError as e:
            shown.append(CloudView(r, url, None, e.message))
    return shown


def image_url(r: ResourceRecord) -> str:
    """Where the pages load a scene's image: through the session, which outlives any signed URL
    (an editor stays open longer than a download URL lives)."""
    return f"/view/{r.scene_id}/images/{r.position}"


def colours(annotations: Sequence[DeliveredAnnotation]) -> dict[str, str]:
    found: dict[str, str] = {}
    for a in annotations:
        for b in a.boxes:
            if b.cls not in found:
                found[b.cls] = PALETTE[len(found) % len(PALETTE)]
    return found


def boxes_on(annotations: Sequence[DeliveredAnnotation], frame: str, sensor: str, single: bool) -> list[Box]:
    """The delivered boxes drawn over one image: its frame's, on its camera's stream (a box that
    names no stream belongs to the only camera)."""
    return [
        b
        for a in annotations
        for b in a.boxes
        if b.frame == frame and (b.stream == sensor or (b.stream is None and single))
    ]


class ScenePages(Controller):
    path = "/view"
    include_in_schema = False
    opt = {ROLES: EVERYONE}

    @get("/{scene:str}")
    async def scene_page(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        scene_views: NamedDependency[SceneViewService],
        scene: FromPath[str],
        frame: Frame = 1,
    ) -> Template:
        view = await scene_views.page(caller, scene, frame - 1)
        index = min(frame, len(view.frames)) - 1
        current = view.frames[index]
        images = [
            {
                "resource": r,
                "url": image_url(r) if r.blob_key else None,
                "size": view.image_sizes.get(r.position),
                "boxes": boxes_on(view.annotations, current.key, r.sensor_name, len(current.images) == 1),
            }
            for r in current.images
        ]
        sensors: dict[str, tuple[str, int]] = {}
        for r in view.resources:
            kind, n = sensors.get(r.sensor_name, (r.kind, 0))
            sensors[r.sensor_name] = (kind, n + 1)
        return page(
            request,
            "scene.html",
            view=view,
            scene_type=SceneType(view.scene.scene_type).wire_name,
            index=index,
            current=current,
            images=images,
            clouds=await clouds_of(scene_views, caller, view.scene.id, current.clouds),
            sensors=sensors,
            colours=colours(view.annotations),
            calibration_text=None
            if view.calibration is None
            else msgspec.json.format(msgspec.json.encode(view.calibration), indent=2).decode(),
        )

    @get("/{scene:str}/images/{position:int}")
    async def image(
        self,
        caller: NamedDependency[Caller],
        scene_views: NamedDependency[SceneViewService],
        scene: FromPath[str],
        position: FilePosition,
    ) -> Stream:
        """An image of the scene, for the pages (the session is the permission)."""
        r = await scene_views.image(caller, scene, position)
        assert r.blob_key is not None
        headers = {"Cache-Control": "private, max-age=3600", "Content-Security-Policy": POLICY}
        if r.size is not None:
            headers["Content-Length"] = str(r.size)
        return Stream(
            scene_views.blobs.stream(r.blob_key),
            media_type=r.content_type or "application/octet-stream",
            headers=headers,
        )

    @get("/{scene:str}/clouds/{position:int}", media_type="image/png")
    async def cloud_image(
        self,
        caller: NamedDependency[Caller],
        scene_views: NamedDependency[SceneViewService],
        scene: FromPath[str],
        position: FilePosition,
    ) -> Response[bytes]:
        """A point cloud of the scene seen from above, as a PNG."""
        drawn = await scene_views.point_cloud(caller, scene, position)
        headers = {"Cache-Control": "private, max-age=300", "Content-Security-Policy": POLICY}
        return Response(drawn.png, media_type="image/png", headers=headers)
