"""Pre-annotations whose OpenLABEL document is a cloud resource in the organization's own bucket
(`POST /v2/pre-annotations` with `externalResourceId`): read now and created like any other
(validated, fitted to its scene), or — with `postponeExternalResourceImport` — checked to be
readable and recorded `indexed`, its document read when it is made available
(`PATCH /v2/pre-annotations/<id>` `{"status": "processing"}`, through the reader `Services` gives
the pre-annotation service). The rules are the pre-annotation service's; this only reads the bucket."""

from __future__ import annotations

import msgspec

from annobatch.domain import InvalidInput
from annobatch.services.cloud_storage import CloudStorage
from annobatch.services.identity import Caller
from annobatch.services.lookups import load_scene, parse_uuid
from annobatch.services.pre_annotations import MAX_DOCUMENT_BYTES, PreAnnotationService
from annobatch.services.transactions import Write, reading
from annobatch.storage.records import PreAnnotationRecord


class CloudPreAnnotationService:
    def __init__(self, cloud: CloudStorage, pre_annotations: PreAnnotationService) -> None:
        self.cloud = cloud
        self.pre_annotations = pre_annotations

    async def create(
        self,
        caller: Caller,
        scene_id: str,
        external_id: str | None,
        uri: str,
        postpone: bool,
        write: Write,
    ) -> PreAnnotationRecord:
        """A pre-annotation from a cloud resource; another organization's scene is 404 before the
        bucket is asked anything; a URI outside the storage or unreadable is 400 naming it."""
        sid = parse_uuid("scene", scene_id)
        async with reading(self.cloud.db) as uow:
            await load_scene(uow, caller, sid)
        if postpone:
            f = (await self.cloud.locate(caller.org, [uri]))[uri]
            await self.cloud.check(f)
            return await self.pre_annotations.create(
                caller, sid, external_id, None, status="indexed", external_resource_id=uri, write=write
            )
        raw = await self.cloud.read_document(caller.org, uri, MAX_DOCUMENT_BYTES)
        try:
            document = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            raise InvalidInput(
                f"cloud resource {uri} is not a JSON (OpenLABEL) document", "invalid-openlabel"
            ) from None
        return await self.pre_annotations.create(
            caller, sid, external_id, document, external_resource_id=uri, write=write
        )
