"""A unit of work: every query group over one transaction, so that what one operation reads and
writes commits or rolls back together.

`uow.projects.get(org, "p1")`, `uow.batches.create(...)`, `uow.events.add(...)` all run on
`uow.tx`. A group is made the first time it is used and then kept on the instance, so a read
that needs one group pays for one object, not a dozen. Opening and closing the transaction is the
caller's (`Database.transaction`, or `annobatch.services.transactions`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

from annobatch.storage.database import Tx
from annobatch.storage.queries.annotation_versions import AnnotationVersionQueries
from annobatch.storage.queries.batches import BatchQueries
from annobatch.storage.queries.blob_deletions import BlobDeletionQueries
from annobatch.storage.queries.calibrations import CalibrationQueries
from annobatch.storage.queries.credentials import CredentialQueries
from annobatch.storage.queries.dashboard import DashboardQueries
from annobatch.storage.queries.deliveries import DeliveryQueries
from annobatch.storage.queries.downloads import DownloadQueries
from annobatch.storage.queries.events import EventQueries
from annobatch.storage.queries.housekeeping import HousekeepingQueries
from annobatch.storage.queries.idempotency import IdempotencyQueries
from annobatch.storage.queries.imu import ImuQueries
from annobatch.storage.queries.inputs import InputQueries
from annobatch.storage.queries.organizations import OrganizationQueries
from annobatch.storage.queries.pre_annotations import PreAnnotationQueries
from annobatch.storage.queries.projects import ProjectQueries
from annobatch.storage.queries.scenes import SceneQueries
from annobatch.storage.queries.server_keys import ServerKeyQueries
from annobatch.storage.queries.storage_credentials import StorageCredentialQueries
from annobatch.storage.queries.tasks import TaskQueries
from annobatch.storage.queries.workforce import WorkforceQueries
from annobatch.storage.queries.workspaces import WorkspaceQueries

G = TypeVar("G")


class _Group(Generic[G]):
    """A query group made on first use and kept in the instance's `__dict__`: being a non-data
    descriptor, later reads find it there, a plain attribute lookup."""

    __slots__ = ("make", "name")

    def __init__(self, make: Callable[[Tx], G]) -> None:
        self.make = make
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, uow: None, owner: type) -> _Group[G]: ...
    @overload
    def __get__(self, uow: UnitOfWork, owner: type) -> G: ...

    def __get__(self, uow: UnitOfWork | None, owner: type) -> Any:
        if uow is None:
            return self
        group = uow.__dict__[self.name] = self.make(uow.tx)
        return group


class UnitOfWork:
    """The query groups of one transaction."""

    organizations = _Group(OrganizationQueries)
    workspaces = _Group(WorkspaceQueries)
    credentials = _Group(CredentialQueries)
    server_keys = _Group(ServerKeyQueries)
    projects = _Group(ProjectQueries)
    batches = _Group(BatchQueries)
    events = _Group(EventQueries)
    idempotency = _Group(IdempotencyQueries)
    scenes = _Group(SceneQueries)
    inputs = _Group(InputQueries)
    calibrations = _Group(CalibrationQueries)
    imu = _Group(ImuQueries)
    blob_deletions = _Group(BlobDeletionQueries)
    housekeeping = _Group(HousekeepingQueries)
    deliveries = _Group(DeliveryQueries)
    pre_annotations = _Group(PreAnnotationQueries)
    downloads = _Group(DownloadQueries)
    tasks = _Group(TaskQueries)
    workforce = _Group(WorkforceQueries)
    annotation_versions = _Group(AnnotationVersionQueries)
    deliveries = _Group(DeliveryQueries)
    storage_credentials = _Group(StorageCredentialQueries)
    dashboard = _Group(DashboardQueries)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
