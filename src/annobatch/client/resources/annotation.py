"""`client.annotation`: delivered annotations with their OpenLABEL content, one at a time or a
whole project's to a directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from annobatch.client._downloads import DownloadResult, download_annotations
from annobatch.client._requester import Requester
from annobatch.client.resources._common import seg
from annobatch.model.annotation import client_annotation
from annobatch.model.annotation.annotation import Annotation
from annobatch.schemas import (
    Envelope,
    InputAnnotation,
    Page,
    ProjectAnnotation,
    SceneAnnotation,
    SignedAnnotation,
)


def _cartesian(iso_rotated_cuboids: bool) -> dict[str, str]:
    return {"useDefaultCartesian": "true"} if iso_rotated_cuboids else {}


class AnnotationResource:
    """Annotations, as the official client names them."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    def _content(self, url: str) -> dict[str, Any]:
        document: dict[str, Any] = msgspec.json.decode(self._requester.get_url(url))
        return document

    def get_annotation_by_id(self, annotation_id: str, *, iso_rotated_cuboids: bool = False) -> Annotation:
        """A delivered annotation (or preliminary one) by its id, with its content."""
        params = {"isoBoxes": "true"} if iso_rotated_cuboids else None
        path = f"/v1/annotations/{seg(annotation_id)}"
        signed = self._requester.call("GET", path, Envelope[SignedAnnotation], params=params).data
        return Annotation(
            input_uuid=signed.request_input_id,
            scene_uuid=signed.scene_id,
            request_uid=signed.request_uid,
            created=signed.created,
            is_preliminary=signed.is_preliminary,
            content=self._content(signed.signed_url),
        )

    def _input_annotation(self, a: InputAnnotation) -> Annotation:
        return Annotation(
            input_uuid=a.input_uuid,
            scene_uuid=a.scene_uuid,
            request_uid=a.request_uid,
            created=a.created,
            is_preliminary=False,
            content=self._content(a.uri),
        )

    def get_annotation_for_input(self, input_uuid: str, iso_rotated_cuboids: bool = False) -> Annotation:
        """An input's current annotation with its content; `NotFound` when it has none."""
        path = f"/v2/inputs/{seg(input_uuid)}/annotation"
        found = self._requester.call(
            "GET", path, Envelope[InputAnnotation], params=_cartesian(iso_rotated_cuboids)
        )
        return self._input_annotation(found.data)

    def get_annotations_for_scene(
        self, scene_uuid: str, iso_rotated_cuboids: bool = False
    ) -> list[Annotation]:
        """The current annotations of every input of a scene, with their content."""
        path = f"/v2/scenes/{seg(scene_uuid)}/annotations"
        found = self._requester.call(
            "GET", path, Envelope[list[InputAnnotation]], params=_cartesian(iso_rotated_cuboids)
        )
        return [self._input_annotation(a) for a in found.data]

    def get_partial_annotations(
        self, project: str, annotation_type: str, batch: str | None = None, iso_rotated_cuboids: bool = False
    ) -> Iterator[ProjectAnnotation]:
        """A project's current annotations of one type (of one batch if named), without content:
        each carries a short-lived `uri` to its document. Fetched lazily, page by page."""
        path = f"/v1/annotations/projects/{seg(project)}/"
        if batch:
            path += f"batch/{seg(batch)}/"
        path += f"annotation-type/{seg(annotation_type)}/search"
        return self._requester.paginate(
            "GET", path, Page[ProjectAnnotation], params=_cartesian(iso_rotated_cuboids)
        )

    def get_project_annotations(
        self,
        project: str,
        annotation_type: str,
        batch: str | None = None,
        include_content: bool = True,
        iso_rotated_cuboids: bool = False,
    ) -> Iterator[client_annotation.Annotation]:
        """A project's current annotations of one type (of one batch if named), lazily; with
        their content unless `include_content=False`."""
        for p in self.get_partial_annotations(project, annotation_type, batch, iso_rotated_cuboids):
            yield client_annotation.Annotation(
                scene_uuid=p.input_uuid,
                annotation_type=p.annotation_type,
                created=p.created,
                content=self._content(p.uri) if include_content else None,
            )

    def get_annotation(
        self, scene_uuid: str, annotation_type: str, iso_rotated_cuboids: bool = False
    ) -> client_annotation.Annotation:
        """A scene's current annotation of one type, with its content."""
        path = f"/v1/annotations/inputs/{seg(scene_uuid)}/annotation-type/{seg(annotation_type)}"
        a = self._requester.call(
            "GET", path, Envelope[SceneAnnotation], params=_cartesian(iso_rotated_cuboids)
        ).data
        return client_annotation.Annotation(
            scene_uuid=a.input_uuid,
            annotation_type=a.annotation_type,
            created=a.created,
            content=a.content,
            is_preliminary=a.is_preliminary,
        )

    def download(
        self,
        project: str,
        annotation_type: str,
        batch: str | None = None,
        *,
        to: str | Path,
        workers: int = 8,
        iso_rotated_cuboids: bool = False,
        progress: bool | None = None,
    ) -> list[DownloadResult]:
        """Write each current annotation of one type of a project (of one batch if named) to
        `to/<scene uuid>.json`, `workers` at a time. Resumable: a file already written completely
        for the same delivery is skipped (files are written whole, then renamed into place; each
        file's modification time is its delivery's). One failed download does not stop the others:
        it is reported in its result. `progress`: a progress bar (default: on a terminal)."""
        partials = self.get_partial_annotations(project, annotation_type, batch, iso_rotated_cuboids)
        return download_annotations(self._requester, partials, Path(to), workers, progress)
