"""`client.project`: projects, batches, annotation types, and the audit log."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TypeVar
from urllib.parse import quote

import msgspec

from annobatch.client._errors import BadRequest
from annobatch.client._requester import Requester
from annobatch.domain import BatchStatus, InvalidInput, validate_external_id
from annobatch.schemas import (
    BatchDetail,
    CreateBatchRequest,
    Envelope,
    Event,
    Page,
    Project,
    ProjectBatch,
)


def _seg(kind: str, value: str) -> str:
    """An id as a URL path segment. An id the server would refuse is refused here with the same
    rule and message: sent, one holding `/` would reach another endpoint."""
    try:
        validate_external_id(kind, value)
    except InvalidInput as e:
        raise BadRequest(e.message, status=400, code=e.code) from None
    return quote(value, safe="")


B = TypeVar("B", ProjectBatch, BatchDetail)


def _typed_status(batch: B) -> B:
    """`status` arrives as a string; hand it out as a `ProjectBatchStatus` member (still a string,
    so it compares and prints as one) when it is one the SDK knows."""
    with contextlib.suppress(ValueError):
        batch.status = BatchStatus(batch.status)
    return batch


class ProjectResource:
    """Projects and their batches, as the official client names them."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    def get_projects(self) -> list[Project]:
        """Every project of the caller's organization."""
        return self._requester.call("GET", "/v1/projects", Envelope[list[Project]]).data

    def get_project(self, project: str) -> Project:
        """One project; `NotFound` when the organization has no such project."""
        return self._requester.call("GET", f"/v1/projects/{_seg('project', project)}", Envelope[Project]).data

    def get_project_batches(self, project: str) -> list[ProjectBatch]:
        """Every batch of `project`, oldest first."""
        batches = self._requester.call(
            "GET", f"/v1/projects/{_seg('project', project)}/batches", Envelope[list[ProjectBatch]]
        )
        return [_typed_status(b) for b in batches.data]

    def create_batch(
        self,
        project: str,
        batch: str,
        publish_previous_batches: bool = False,
        *,
        title: str | None = None,
        dryrun: bool = False,
        idempotency_key: str | None = None,
    ) -> ProjectBatch:
        """Create `batch` in `project`. It inherits the annotation types of the project's latest
        previous batch and starts `open` (`pending` when there is nothing to inherit).

        With `publish_previous_batches=True` every other open batch of the project is published in
        the same step. `dryrun=True` checks everything and changes nothing. The call carries an
        `Idempotency-Key` (yours, or a fresh one), so a retried create answers the first result.
        """
        body = msgspec.to_builtins(
            CreateBatchRequest(publish_previous_batches=publish_previous_batches, title=title)
        )
        body = {k: v for k, v in body.items() if v is not None}
        created = self._requester.call(
            "POST",
            f"/v1/projects/{_seg('project', project)}/batches/{_seg('batch', batch)}",
            Envelope[ProjectBatch],
            json=body,
            dry_run=dryrun,
            idempotency_key=idempotency_key,
        )
        return _typed_status(created.data)

    def publish_batch(
        self, project: str, batch: str, *, dryrun: bool = False, idempotency_key: str | None = None
    ) -> ProjectBatch:
        """Publish an open batch: it becomes `ready` and accepts no more inputs. Publishing a batch
        that is already `ready` returns it unchanged."""
        published = self._requester.call(
            "POST",
            f"/v1/projects/{_seg('project', project)}/batches/{_seg('batch', batch)}/publish",
            Envelope[ProjectBatch],
            dry_run=dryrun,
            idempotency_key=idempotency_key,
        )
        return _typed_status(published.data)

    def get_annotation_types(self, project: str, batch: str | None = None) -> list[str]:
        """The project's annotation-type catalogue, or with `batch` that batch's types."""
        path = f"/v1/projects/{_seg('project', project)}"
        if batch:
            path += f"/batches/{_seg('batch', batch)}"
        return self._requester.call("GET", path + "/annotation-types", Envelope[list[str]]).data

    def get_batch(self, project: str, batch: str) -> BatchDetail:
        """One batch with its annotation types and how many of its inputs are in each status."""
        detail = self._requester.call(
            "GET",
            f"/v1/projects/{_seg('project', project)}/batches/{_seg('batch', batch)}",
            Envelope[BatchDetail],
        )
        return _typed_status(detail.data)

    def get_events(self, project: str, batch: str | None = None, *, page_size: int = 100) -> Iterator[Event]:
        """The audit log of `project` (or of one `batch`), oldest first. The iterator fetches one
        page of `page_size` (1-1000) events at a time, following the server's cursor."""
        path = f"/v1/projects/{_seg('project', project)}"
        if batch is not None:
            path += f"/batches/{_seg('batch', batch)}"
        path += "/events"
        cursor: str | None = None
        while True:
            params: dict[str, str | int] = {"limit": page_size}
            if cursor is not None:
                params["cursorId"] = cursor
            page = self._requester.call("GET", path, Page[Event], params=params)
            yield from page.data
            cursor = page.metadata.next_cursor_id
            if cursor is None:
                return
