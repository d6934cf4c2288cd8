"""Wire models: every JSON shape annobatch sends or receives, shared by the server and the SDK.

Field names are camelCase on the wire (`rename="camel"`), as the official client expects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

import msgspec

T = TypeVar("T")


class Wire(msgspec.Struct, rename="camel"):
    """Base of every wire model: camelCase names, unknown fields ignored."""


# ---------------------------------------------------------------------------------- responses


class Project(Wire):
    project: str
    title: str
    description: str
    status: str
    created: datetime


class ProjectBatch(Wire):
    project: str
    batch: str
    title: str
    status: str
    created: datetime
    updated: datetime


class InputCounts(Wire):
    """How many of a batch's inputs are in each status; `total` counts them all."""

    pending: int = 0
    processing: int = 0
    created: int = 0
    failed: int = 0
    invalidated: int = 0
    total: int = 0


class BatchDetail(Wire):
    """One batch with its annotation types and progress (an annobatch extension)."""

    project: str
    batch: str
    title: str
    status: str
    created: datetime
    updated: datetime
    annotation_types: list[str]
    input_counts: InputCounts


class Organization(Wire):
    name: str
    id: int | None = None


class Workspace(Wire):
    """`created` is always `YYYY-MM-DDTHH:MM:SS.ffffffZ`: the official client parses it strictly."""

    id: str
    external_id: str
    name: str
    created: str
    organization: Organization


class Event(Wire):
    """One entry of the audit log."""

    id: int
    kind: str
    project: str
    batch: str | None
    actor: str
    created: datetime
    data: dict[str, Any]


class Envelope(Wire, Generic[T]):
    data: T


class PageMetadata(Wire):
    next_cursor_id: str | None = None


class Page(Wire, Generic[T]):
    data: list[T]
    metadata: PageMetadata


class ErrorBody(Wire):
    message: str
    code: str


class TokenResponse(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int


# ----------------------------------------------------------------------------------- requests


class CreateBatchRequest(Wire):
    publish_previous_batches: bool = False
    title: str | None = None


class CreateProjectRequest(Wire):
    project: str
    title: str
    description: str = ""
    annotation_types: list[str] = []
    status: str = "ongoing"


class SetAnnotationTypesRequest(Wire):
    annotation_types: list[str]


class SetProjectStatusRequest(Wire):
    status: str
