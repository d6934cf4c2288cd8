"""`client.input`: inputs (scenes placed in a project's batch), listed, created, taken out."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

from annobatch.client._requester import Requester
from annobatch.client.resources._common import Ignored, body, seg
from annobatch.model.scene.invalidated_reason import SceneInvalidatedReason
from annobatch.schemas import (
    Envelope,
    FetchInputsRequest,
    Input,
    InputEntry,
    InputFromSceneRequestV2,
    InputPreAnnotationChange,
    InputsByUuidsRequest,
    InvalidateInputsRequest,
    Page,
    QueryInputsRequest,
    RequestInput,
)


class InputResource:
    """Inputs, as the official client names them."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    def query_inputs(
        self,
        *,
        project: str | None = None,
        batch: str | None = None,
        scene_uuids: list[str] | None = None,
        external_ids: list[str] | None = None,
    ) -> list[Input]:
        """The caller's inputs, narrowed by project, batch, scene uuids and scene external ids
        (all pages)."""
        query = QueryInputsRequest(project, batch, scene_uuids, external_ids)
        return list(self._requester.paginate("POST", "/v2/inputs/query", Page[Input], json=body(query)))

    def get_inputs(
        self,
        project: str,
        batch: str | None = None,
        include_invalidated: bool = False,
        external_ids: list[str] | None = None,
    ) -> list[InputEntry]:
        """A project's inputs in the v1 form (scene uuid, external id, batch, status, types)."""
        query = FetchInputsRequest(project, batch, include_invalidated, external_ids)
        return list(self._requester.paginate("POST", "/v1/inputs/fetch", Page[InputEntry], json=body(query)))

    def get_inputs_by_uuids(self, scene_uuids: list[str]) -> list[InputEntry]:
        """The inputs of these scenes, in the v1 form."""
        found = self._requester.call(
            "POST",
            "/v1/inputs/query",
            Envelope[list[InputEntry]],
            json=body(InputsByUuidsRequest(scene_uuids)),
        )
        return found.data

    def get_request_inputs(
        self, *, request_id: str, scene_id: str | None = None, page_size: int | None = None
    ) -> Iterator[RequestInput]:
        """A request's inputs with their workflow stage and current task, fetched lazily."""
        params = {"requestId": request_id, "sceneId": scene_id, "limit": page_size}
        params = {k: v for k, v in params.items() if v is not None}
        return self._requester.paginate("GET", "/v2/request-inputs", Page[RequestInput], params=params)

    def get_request_input(self, request_input_id: str) -> RequestInput:
        """One request input with its workflow stage and current task."""
        path = f"/v2/request-inputs/{seg(request_input_id)}"
        return self._requester.call("GET", path, Envelope[RequestInput]).data

    def create_from_scene(
        self,
        scene_uuid: str,
        pre_annotation_uuid: str | None = None,
        project: str | None = None,
        batch: str | None = None,
        request_uuid: str | None = None,
        dryrun: bool = False,
    ) -> Input | None:
        """Place a created scene in a project's batch (or in the request `request_uuid`), starting
        from the pre-annotation `pre_annotation_uuid` if given. None for a dry run."""
        return self._create(scene_uuid, pre_annotation_uuid, project, batch, request_uuid, dryrun)

    def create_from_pre_annotation(
        self,
        pre_annotation_uuid: str,
        project: str | None = None,
        batch: str | None = None,
        request_uuid: str | None = None,
        dryrun: bool = False,
    ) -> Input | None:
        """Place the scene of a pre-annotation in a project's batch, starting from it."""
        return self._create(None, pre_annotation_uuid, project, batch, request_uuid, dryrun)

    def _create(
        self,
        scene_uuid: str | None,
        pre_annotation_uuid: str | None,
        project: str | None,
        batch: str | None,
        request_uuid: str | None,
        dryrun: bool,
    ) -> Input | None:
        if (request_uuid is None) == (project is None):
            raise ValueError("Either request_uuid or project must be specified.")
        request = InputFromSceneRequestV2(
            scene_uuid, pre_annotation_uuid, project, batch if request_uuid is None else None, request_uuid
        )
        if dryrun:
            self._requester.call("POST", "/v2/inputs", Ignored, json=body(request), dry_run=True)
            return None
        return self._requester.call("POST", "/v2/inputs", Envelope[Input], json=body(request)).data

    def update_pre_annotation(self, request_input_uuid: str, pre_annotation_uuid: str) -> None:
        """Start the input's annotation from another pre-annotation (before annotation starts)."""
        path = f"/v2/inputs/{seg(request_input_uuid)}/pre-annotation"
        self._requester.call("PATCH", path, Ignored, json=body(InputPreAnnotationChange(pre_annotation_uuid)))

    def delete_input(self, input_uuid: str) -> None:
        """Take an input out of its batch; the scene stays."""
        self._requester.call("DELETE", f"/v2/inputs/{seg(input_uuid)}", Ignored)

    def invalidate_inputs(self, scene_uuids: list[str], invalidated_reason: SceneInvalidatedReason) -> None:
        """Invalidate scenes, for good (the deprecated form of `client.scene.invalidate_scenes`)."""
        reason = SceneInvalidatedReason(invalidated_reason).value
        request = InvalidateInputsRequest(scene_uuids, reason)
        self._requester.call("POST", "/v1/inputs/actions/invalidate", Ignored, json=body(request))

    def add_annotation_type(self, scene_uuid: str, annotation_type: str) -> None:
        """A no-op: annotation types are the batch's."""
        warnings.warn("add_annotation_type is a no-op: annotation types are the batch's", FutureWarning, 2)

    def remove_annotation_types(self, scene_uuid: str, annotation_types: list[str]) -> None:
        """A no-op: annotation types are the batch's."""
        warnings.warn(
            "remove_annotation_types is a no-op: annotation types are the batch's", FutureWarning, 2
        )
