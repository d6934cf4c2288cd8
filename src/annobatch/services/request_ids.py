"""The ids the official client names requests and projects by, and finding what they name.

A request is a batch. Its id is the batch's `requestUid`, `request_uid(batch.id)`: a uuid5 of the
batch id (the presenters use it too). Nothing new is stored to find a batch by it: the uids of the
organization's batches are computed (a few microseconds each) and remembered in a bounded
process-wide map uid → batch id. A uid not in the map makes them be computed again only if the
organization's batches have changed since (their count or highest id: a batch made since, here or
by another process), so an unknown uid costs one small query; the batch found is then checked to
be the caller's organization's. A project is named by its external id or by its uuid,
`project_uuid(project.id)`, a uuid5 of its id found the same way; that uuid is what the official
client calls the project id. Other stable ids (a workflow phase's, an action's) are `derived_id`s.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Callable

from annobatch.domain import NotFound
from annobatch.domain.errors import InvalidInput
from annobatch.services.identity import Caller
from annobatch.storage.records import BatchRecord, ProjectRecord
from annobatch.storage.unit_of_work import UnitOfWork

#: The namespace of the uuids derived from our integer ids.
ID_NAMESPACE = uuid.UUID("6f1f3c52-8c51-4a4e-9d0e-6a1bd8a3e0c1")

#: How many uid → id pairs a process remembers (cleared when full).
_REMEMBERED = 200_000


@functools.lru_cache(maxsize=65536)
def request_uid(batch_id: int) -> str:
    """A batch is what the official platform calls a request: a stable uid per batch. Remembered:
    a listing names the same few batches on every row, and a uuid5 costs ~9 µs."""
    return str(uuid.uuid5(ID_NAMESPACE, f"batch:{batch_id}"))


@functools.lru_cache(maxsize=65536)
def _project_uuid(pid: int) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"project:{pid}"))


def project_uuid(project: ProjectRecord | int) -> str:
    """A project's uuid, the project id the official client's `get_requests` takes."""
    return _project_uuid(project if isinstance(project, int) else project.id)


def derived_id(kind: str, *parts: object) -> str:
    """A stable uuid for a `kind` of thing named by `parts` (a phase of a request, an action)."""
    return str(uuid.uuid5(ID_NAMESPACE, ":".join([kind, *map(str, parts)])))


class _UuidIndex:
    """uuid → integer id of one kind of row (batches, projects), for uuids derived from the ids.

    A uuid not known yet makes the organization's rows be derived (and remembered); they are
    derived again only when the organization's census of them (how many, the highest id) has
    changed since, so an unknown uuid costs one small query, not a derivation of every row. What is
    found here is an id only: the caller checks the row is its organization's."""

    def __init__(self, derive: Callable[[int], str]) -> None:
        self.derive = derive
        self.ids: dict[str, int] = {}
        self.census: dict[int, tuple[int, int]] = {}

    async def find(
        self,
        key: str,
        org: int,
        census: Callable[[], Awaitable[tuple[int, int]]],
        every_id: Callable[[], Awaitable[list[int]]],
    ) -> int | None:
        found = self.ids.get(key)
        if found is not None:
            return found
        now = await census()
        if self.census.get(org) == now:
            return None
        ids = await every_id()
        if len(self.ids) + len(ids) > _REMEMBERED:
            self.ids.clear()
            self.census.clear()
        for i in ids:
            self.ids[self.derive(i)] = i
        self.census[org] = now
        return self.ids.get(key)


_BATCH_OF_UID = _UuidIndex(request_uid)
_PROJECT_OF_UUID = _UuidIndex(project_uuid)


async def find_project(uow: UnitOfWork, caller: Caller, project_id: str) -> ProjectRecord:
    """A project of the caller's organization by its external id, or else by its uuid."""
    found = await uow.projects.get(caller.org, project_id) if len(project_id) <= 128 else None
    if found is not None:
        return found
    key = normal_uuid(project_id)
    if key is not None:
        q = uow.deliveries
        pid = await _PROJECT_OF_UUID.find(
            key, caller.org, lambda: q.project_census(caller.org), lambda: q.project_ids(caller.org)
        )
        if pid is not None:
            p = await uow.projects.by_id(pid)
            if p.organization_id == caller.org:
                return p
    raise NotFound(f"project {project_id} not found", "project-not-found")


async def find_request(uow: UnitOfWork, caller: Caller, request_id: str) -> BatchRecord:
    """The batch whose requestUid this is, if it is the caller's organization's."""
    key = normal_uuid(request_id)
    if key is None:
        raise InvalidInput(f"invalid request id {request_id!r}: a uuid", "invalid-id")
    q = uow.deliveries
    bid = await _BATCH_OF_UID.find(
        key, caller.org, lambda: q.batch_census(caller.org), lambda: q.batch_ids(caller.org)
    )
    batch = None if bid is None else await q.batch(caller.org, bid)
    if batch is None:
        raise NotFound(f"request {request_id} not found", "request-not-found")
    return batch


def normal_uuid(value: str) -> str | None:
    """The uuid's canonical text, or None when it is not a uuid."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        return None
