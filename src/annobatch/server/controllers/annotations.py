"""Delivered annotations, the five reads of `client.annotation`: by id (with a signed URL), an
input's, a scene's, a project's of one type page by page (per batch if named), and a scene's of one
type with its content. Only delivered versions are ever answered; the content is downloaded from
short-lived signed URLs (`/v1/downloads/annotations/<id>`).

The content is served as it was submitted: `isoBoxes` and `useDefaultCartesian` are accepted and
change nothing (annotations here are stored in the one coordinate convention they were made in).
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from annobatch import presenters, schemas
from annobatch.server.links import annotation_link
from annobatch.services.deliveries import DEFAULT_PAGE, MAX_ANNOTATION_PAGE, DeliveryService
from annobatch.services.identity import Caller

CursorId = Annotated[str | None, QueryParameter(name="cursorId")]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_ANNOTATION_PAGE)]


class AnnotationByIdController(Controller):
    path = "/v1/annotations"
    tags = ["annotations"]

    @get("/{annotation:str}", summary="A delivered annotation version by its id, with a signed URL")
    async def get_annotation_by_id(
        self,
        request: Request,
        caller: NamedDependency[Caller],
        deliveries: NamedDependency[DeliveryService],
        annotation: FromPath[str],
    ) -> schemas.Envelope[schemas.SignedAnnotation]:
        found = await deliveries.annotation(caller, annotation)
        signed = annotation_link(request, found)
        return schemas.Envelope(presenters.signed_annotation(found, signed))

    @get(
        [
            "/projects/{project:str}/annotation-type/{annotation_type:str}/search",
            "/projects/{project:str}/batch/{batch:str}/annotation-type/{annotation_type:str}/search",
        ],
        summary="A project's current annotations of one type, of one batch if named (cursor-paginated)",
    )
    async def project_annotations(
        self,
        request: Request,
        caller: NamedDependency[Caller],
        deliveries: NamedDependency[DeliveryService],
        project: FromPath[str],
        annotation_type: FromPath[str],
        batch: FromPath[str | None] = None,
        cursor_id: CursorId = None,
        limit: Limit = DEFAULT_PAGE,
    ) -> schemas.Page[schemas.ProjectAnnotation]:
        page = await deliveries.project_annotations(caller, project, annotation_type, batch, cursor_id, limit)
        items = [presenters.project_annotation(a, annotation_link(request, a)) for a in page.items]
        return schemas.Page(items, schemas.PageMetadata(page.next_cursor))

    @get(
        "/inputs/{scene:str}/annotation-type/{annotation_type:str}",
        summary="A scene's current annotation of one type, with its content",
    )
    async def scene_annotation_of_type(
        self,
        caller: NamedDependency[Caller],
        deliveries: NamedDependency[DeliveryService],
        scene: FromPath[str],
        annotation_type: FromPath[str],
    ) -> schemas.Envelope[schemas.SceneAnnotation]:
        found = await deliveries.for_scene_and_type(caller, scene, annotation_type)
        return schemas.Envelope(presenters.scene_annotation(found, await deliveries.content(found)))


class InputAnnotationController(Controller):
    path = "/v2/inputs"
    tags = ["annotations"]

    @get("/{input_uuid:str}/annotation", summary="An input's current annotation, with a signed URL")
    async def get_annotation_for_input(
        self,
        request: Request,
        caller: NamedDependency[Caller],
        deliveries: NamedDependency[DeliveryService],
        input_uuid: FromPath[str],
    ) -> schemas.Envelope[schemas.InputAnnotation]:
        found = await deliveries.for_input(caller, input_uuid)
        signed = annotation_link(request, found)
        return schemas.Envelope(presenters.input_annotation(found, signed))


class SceneAnnotationController(Controller):
    path = "/v2/scenes"
    tags = ["annotations"]

    @get("/{scene:str}/annotations", summary="The current annotations of a scene's inputs, with signed URLs")
    async def get_annotations_for_scene(
        self,
        request: Request,
        caller: NamedDependency[Caller],
        deliveries: NamedDependency[DeliveryService],
        scene: FromPath[str],
    ) -> schemas.Envelope[list[schemas.InputAnnotation]]:
        found = await deliveries.for_scene(caller, scene)
        return schemas.Envelope([presenters.input_annotation(a, annotation_link(request, a)) for a in found])
