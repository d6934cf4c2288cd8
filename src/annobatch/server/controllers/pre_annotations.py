"""Pre-annotations (`client.pre_annotation`): create one for a scene (an OpenLABEL document,
validated and checked to fit the scene; a dry run validates and still answers an id), list them
(offset-paginated, `hasNext`), read one with its content, delete one, and make an indexed (cloud)
one available."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from annobatch import presenters, schemas
from annobatch.domain.integers import INT64_MAX
from annobatch.server.dependencies import WRITE
from annobatch.services.identity import Caller
from annobatch.services.pre_annotations import MAX_PAGE, PreAnnotationService
from annobatch.services.transactions import Write

Ids = Annotated[list[str] | None, QueryParameter(description="Repeat the key for several.")]


class PreAnnotationV1Controller(Controller):
    path = "/v1/pre-annotations"
    tags = ["pre-annotations"]

    @post(
        status_code=200,
        summary="Create a pre-annotation (OpenLABEL) for a scene",
        description="The document must be valid OpenLABEL 1.0 (the `kognic-openlabel` models) and fit "
        "its scene: frames numbered within the scene's frames (an `external_id` one of its frame ids), "
        "streams among its sensors; else 400 naming the first mismatch. `externalId` is unique per "
        "scene (409). With X-Dryrun nothing is kept, and the answer still carries an id.",
        dependencies=WRITE,
    )
    async def create(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        pre_annotations: NamedDependency[PreAnnotationService],
        data: JSONBody[schemas.CreatePreAnnotationRequest],
    ) -> schemas.Envelope[schemas.CreatedPreAnnotation]:
        made = await pre_annotations.create(
            caller, data.scene_uuid, data.external_id, data.pre_annotation, write=write
        )
        return schemas.Envelope(schemas.CreatedPreAnnotation(made.id))


class PreAnnotationController(Controller):
    path = "/v2/pre-annotations"
    tags = ["pre-annotations"]

    @get(summary="The caller's pre-annotations, oldest first (offset-paginated: hasNext)")
    async def list_pre_annotations(
        self,
        caller: NamedDependency[Caller],
        pre_annotations: NamedDependency[PreAnnotationService],
        offset: Annotated[int, QueryParameter(ge=0, le=INT64_MAX)] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = MAX_PAGE,
        uuids: Ids = None,
        external_ids: Annotated[list[str] | None, QueryParameter(name="externalIds")] = None,
        scene_uuids: Annotated[list[str] | None, QueryParameter(name="sceneUuids")] = None,
        scene_external_ids: Annotated[list[str] | None, QueryParameter(name="sceneExternalIds")] = None,
        statuses: Ids = None,
    ) -> schemas.PreAnnotationPage:
        rows, more = await pre_annotations.list(
            caller,
            ids=uuids or (),
            external_ids=external_ids or (),
            scene_ids=scene_uuids or (),
            scene_external_ids=scene_external_ids or (),
            statuses=statuses or (),
            offset=offset,
            limit=limit,
        )
        return schemas.PreAnnotationPage([presenters.pre_annotation_entry(r) for r in rows], more)

    @get("/{pre_annotation:str}/resolved", summary="A pre-annotation with its OpenLABEL content")
    async def resolved(
        self,
        caller: NamedDependency[Caller],
        pre_annotations: NamedDependency[PreAnnotationService],
        pre_annotation: FromPath[str],
    ) -> schemas.Envelope[schemas.ResolvedPreAnnotation]:
        found = await pre_annotations.resolved(caller, pre_annotation)
        return schemas.Envelope(presenters.resolved_pre_annotation(found))

    @patch(
        "/{pre_annotation:str}",
        status_code=200,
        summary='Make an indexed pre-annotation available: {"status": "processing"}',
        dependencies=WRITE,
    )
    async def make_available(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        pre_annotations: NamedDependency[PreAnnotationService],
        pre_annotation: FromPath[str],
        data: JSONBody[schemas.PreAnnotationStatusChange],
    ) -> schemas.Envelope[schemas.CreatedPreAnnotation]:
        found = await pre_annotations.make_available(caller, pre_annotation, data.status, write)
        return schemas.Envelope(schemas.CreatedPreAnnotation(found.id))

    @delete(
        "/{pre_annotation:str}",
        status_code=200,
        summary="Delete a pre-annotation (409 while an input starts from it)",
        dependencies=WRITE,
    )
    async def delete_pre_annotation(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        pre_annotations: NamedDependency[PreAnnotationService],
        pre_annotation: FromPath[str],
    ) -> schemas.Envelope[dict[str, str]]:
        await pre_annotations.delete(caller, pre_annotation, write)
        return schemas.Envelope({"deleted": pre_annotation})
