"""`POST /v2/pre-annotations`: a pre-annotation from a cloud resource in the organization's own
bucket (the official client's `create_from_cloud_resource`); made available later with
`PATCH /v2/pre-annotations/<id>` when its import was postponed."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from annobatch import schemas
from annobatch.server.dependencies import WRITE
from annobatch.services.cloud_pre_annotations import CloudPreAnnotationService
from annobatch.services.identity import Caller
from annobatch.services.transactions import Write


class CloudPreAnnotationController(Controller):
    path = "/v2/pre-annotations"
    tags = ["pre-annotations"]

    @post(
        status_code=200,
        summary="Create a pre-annotation from a cloud resource (its OpenLABEL document in the "
        "organization's bucket)",
        description="Read now and validated like any pre-annotation; with "
        "postponeExternalResourceImport only checked to be readable and recorded indexed, read when it "
        'is made available (PATCH {"status": "processing"}). A URI outside the organization storage, '
        "or that its bucket refuses (403) or lacks, is a 400 naming it.",
        dependencies=WRITE,
    )
    async def create_from_cloud_resource(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        cloud_pre_annotations: NamedDependency[CloudPreAnnotationService],
        data: JSONBody[schemas.CloudPreAnnotationRequest],
    ) -> schemas.Envelope[schemas.CreatedPreAnnotation]:
        made = await cloud_pre_annotations.create(
            caller,
            data.scene_uuid,
            data.external_id,
            data.external_resource_id,
            data.postpone_external_resource_import,
            write,
        )
        return schemas.Envelope(schemas.CreatedPreAnnotation(made.id))
