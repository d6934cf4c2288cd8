"""Records → wire models, and the request details every route reads the same way."""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Hashable
from datetime import UTC, datetime
from typing import Any, TypeVar

import msgspec
from litestar import Request

from annobatch import schemas
from annobatch.domain import InvalidInput
from annobatch.server.operations import BatchView, Write
from annobatch.storage.store import BatchRecord, EventRecord, ProjectRecord, WorkspaceRecord

T = TypeVar("T")


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


# ---------------------------------------------------------------------------------- requests


def write_options(request: Request) -> Write:
    """`X-Dryrun` (any value, even empty) asks for a dry run; `Idempotency-Key` makes a create safe
    to retry."""
    key = request.headers.get("idempotency-key")
    if key is not None and not 1 <= len(key) <= 255:
        raise InvalidInput("Idempotency-Key must be 1-255 characters", "invalid-idempotency-key")
    return Write(dry_run="x-dryrun" in request.headers, idempotency_key=key)


async def decode_body(request: Request, type_: type[T], default: T | None = None) -> T:
    """Decode a JSON body into `type_`; 400 naming the field when it does not fit. An empty body
    takes `default` when one is given."""
    raw = await request.body()
    if not raw.strip():
        if default is not None:
            return default
        raise InvalidInput("the request needs a JSON body", "invalid-body")
    try:
        return msgspec.json.decode(raw, type=type_)
    except msgspec.ValidationError as e:
        raise InvalidInput(f"invalid request body: {_field_message(e)}", "invalid-body") from None
    except msgspec.DecodeError:
        raise InvalidInput("the request body is not valid JSON", "invalid-json") from None


def _field_message(e: msgspec.ValidationError) -> str:
    text = str(e)
    if " - at `$." in text:
        msg, _, path = text.partition(" - at `$.")
        return f"field {path.rstrip('`')}: {msg}"
    return text


def event_page(rows: list[EventRecord], cursor: int | None) -> schemas.Page[schemas.Event]:
    return schemas.Page(
        [event(e) for e in rows], schemas.PageMetadata(None if cursor is None else str(cursor))
    )


class EncodedLists:
    """Encoded answers by key, each with the version it was made at; the least recently used go
    first once `size` are kept. One per worker, made by `create_app`."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, tuple[Hashable, bytes]] = OrderedDict()

    def get(self, key: Hashable) -> tuple[Hashable, bytes] | None:
        hit = self._items.get(key)
        if hit is not None:
            self._items.move_to_end(key)
        return hit

    def put(self, key: Hashable, version: Hashable, body: bytes) -> None:
        self._items[key] = (version, body)
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
