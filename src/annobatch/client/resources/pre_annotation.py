"""`client.pre_annotation`: OpenLABEL documents an input's annotation starts from."""

from __future__ import annotations

import builtins
from typing import Any

from annobatch.client._requester import Requester
from annobatch.client.resources._common import Ignored, body, seg
from annobatch.schemas import (
    CloudPreAnnotationRequest,
    CreatedPreAnnotation,
    CreatePreAnnotationRequest,
    Envelope,
    PreAnnotationPage,
    PreAnnotationStatusChange,
    ResolvedPreAnnotation,
)

PAGE = 1000


def _openlabel(document: Any) -> dict[str, Any]:
    """An OpenLABEL document as a dict: a dict as it is, a model through its own serializer."""
    if isinstance(document, dict):
        return document
    for method in ("to_dict", "model_dump"):
        if hasattr(document, method):
            out: dict[str, Any] = (
                getattr(document, method)(exclude_none=True)
                if method == "model_dump"
                else (getattr(document, method)())
            )
            return out
    raise TypeError(f"cannot send a {type(document).__name__} as an OpenLABEL document")


class PreAnnotationResource:
    """Pre-annotations, as the official client names them."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    def create(
        self, scene_uuid: str, pre_annotation: Any, dryrun: bool, external_id: str | None = None
    ) -> CreatedPreAnnotation:
        """Add a pre-annotation (an OpenLABEL document, a dict or a model) to a created scene."""
        request = CreatePreAnnotationRequest(scene_uuid, _openlabel(pre_annotation), external_id)
        return self._requester.call(
            "POST", "/v1/pre-annotations", Envelope[CreatedPreAnnotation], json=body(request), dry_run=dryrun
        ).data

    def list(
        self,
        ids: builtins.list[str] | None = None,
        external_ids: builtins.list[str] | None = None,
        scene_uuids: builtins.list[str] | None = None,
        scene_external_ids: builtins.list[str] | None = None,
        statuses: builtins.list[str] | None = None,
    ) -> builtins.list[dict[str, Any]]:
        """Every pre-annotation matching the filters (a filter left empty is not applied)."""
        filters = {
            "uuids": ids,
            "externalIds": external_ids,
            "sceneUuids": scene_uuids,
            "sceneExternalIds": scene_external_ids,
            "statuses": statuses,
        }
        params: dict[str, Any] = {k: v for k, v in filters.items() if v}
        found: builtins.list[dict[str, Any]] = []
        offset = 0
        while True:
            page = self._requester.call(
                "GET",
                "/v2/pre-annotations",
                PreAnnotationPage,
                params={**params, "offset": offset, "limit": PAGE},
            )
            found += [body(e) for e in page.data]
            if not page.has_next:
                return found
            offset += PAGE

    def create_from_cloud_resource(
        self, scene_uuid: str, external_id: str, cloud_resource_uri: str, postpone_import: bool | None = True
    ) -> str:
        """A pre-annotation whose document is a file in the organization's bucket; its id."""
        request = CloudPreAnnotationRequest(
            scene_uuid, cloud_resource_uri, external_id, bool(postpone_import)
        )
        return self._requester.call(
            "POST", "/v2/pre-annotations", Envelope[CreatedPreAnnotation], json=body(request)
        ).data.id

    def make_indexed_pre_annotation_available(self, id: str) -> None:
        """Import an indexed pre-annotation's document."""
        change = PreAnnotationStatusChange("processing")
        self._requester.call("PATCH", f"/v2/pre-annotations/{seg(id)}", Ignored, json=body(change))

    def delete(self, id: str) -> None:
        """Delete a pre-annotation."""
        self._requester.call("DELETE", f"/v2/pre-annotations/{seg(id)}", Ignored)

    def get_with_content(
        self, uuid: str | None = None, scene_uuid: str | None = None, external_id: str | None = None
    ) -> ResolvedPreAnnotation:
        """A pre-annotation with its document, by `uuid`, or by `external_id` within `scene_uuid`."""
        if uuid:
            if external_id or scene_uuid:
                raise ValueError("Cannot specify uuid together with other parameters")
            target = uuid
        elif external_id:
            if not scene_uuid:
                raise ValueError("scene_uuid is required when using external_id")
            hits = self.list(external_ids=[external_id], scene_uuids=[scene_uuid])
            if len(hits) != 1:
                raise ValueError(f"{len(hits)} pre-annotations {external_id} found in scene {scene_uuid}")
            target = hits[0]["id"]
        else:
            raise ValueError("Must specify either uuid or (external_id and scene_uuid)")
        path = f"/v2/pre-annotations/{seg(target)}/resolved"
        return self._requester.call("GET", path, Envelope[ResolvedPreAnnotation]).data
