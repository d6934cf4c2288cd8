"""Records → wire models: the one place that says how a stored thing looks on the wire, for the
HTTP API and the operator CLI's `--json` alike."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import msgspec

from annobatch import schemas
from annobatch.services.batches import BatchView
from annobatch.storage.records import BatchRecord, EventRecord, ProjectRecord, WorkspaceRecord


@functools.lru_cache(maxsize=1 << 15)
def when(micros: int) -> datetime:
    """A stored time as an aware datetime. Remembered: a list of a thousand batches needs two
    thousand of them per request, and building one costs ten times a cache hit."""
    return datetime.fromtimestamp(micros / 1_000_000, tz=UTC)


def strict_timestamp(micros: int) -> str:
    """`YYYY-MM-DDTHH:MM:SS.ffffffZ`, always with the fraction (the client's workspace parser needs it)."""
    return when(micros).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def project(p: ProjectRecord) -> schemas.Project:
    return schemas.Project(p.external_id, p.title, p.description, p.status, when(p.created))


def batch(project_id: str, b: BatchRecord) -> schemas.ProjectBatch:
    return schemas.ProjectBatch(
        project_id, b.external_id, b.title, b.status, when(b.created), when(b.updated)
    )


def counts(by_status: dict[str, int]) -> schemas.InputCounts:
    invalidated = sum(n for s, n in by_status.items() if s.startswith("invalidated"))
    return schemas.InputCounts(
        pending=by_status.get("pending", 0),
        processing=by_status.get("processing", 0),
        created=by_status.get("created", 0),
        failed=by_status.get("failed", 0),
        invalidated=invalidated,
        total=sum(by_status.values()),
    )


def batch_detail(v: BatchView) -> schemas.BatchDetail:
    b = v.batch
    return schemas.BatchDetail(
        v.project, b.external_id, b.title, b.status, when(b.created), when(b.updated),
        v.annotation_types, counts(v.input_counts),
    )  # fmt: skip


def workspace(w: WorkspaceRecord, org_name: str) -> schemas.Workspace:
    return schemas.Workspace(
        w.id,
        w.external_id,
        w.name,
        strict_timestamp(w.created),
        schemas.Organization(org_name, w.organization_id),
    )


def event(e: EventRecord) -> schemas.Event:
    data: dict[str, Any] = msgspec.json.decode(e.data)
    return schemas.Event(e.id, e.kind, e.project, e.batch, e.actor, when(e.created), data)


def event_page(rows: list[EventRecord], cursor: int | None) -> schemas.Page[schemas.Event]:
    return schemas.Page(
        [event(e) for e in rows], schemas.PageMetadata(None if cursor is None else str(cursor))
    )
