"""The records queries return: immutable msgspec Structs, one per row shape, no behaviour."""

from __future__ import annotations

import time

import msgspec


def now_micros() -> int:
    """Times are stored as microseconds since the epoch, UTC."""
    return time.time_ns() // 1000


class Record(msgspec.Struct, frozen=True, gc=False):
    """Base of the records: immutable, and cheap to build, since a list answers a thousand rows
    (a frozen dataclass costs ten times as much per row as the driver spends fetching it).
    Change one with `msgspec.structs.replace`."""


class OrganizationRecord(Record, frozen=True):
    id: int
    name: str
    created: int


class WorkspaceRecord(Record, frozen=True):
    id: str
    external_id: str
    organization_id: int
    name: str
    created: int


class CredentialRecord(Record, frozen=True):
    client_id: str
    secret_hash: str
    organization_id: int
    workspace_id: str | None
    role: str
    email: str
    user_id: int
    expires: int | None
    revoked: bool
    created: int


class ProjectRecord(Record, frozen=True):
    id: int
    organization_id: int
    external_id: str
    title: str
    description: str
    status: str
    created: int
    updated: int
    batches_revision: int
    workflow: str = "annotate,review"  # tables.DEFAULT_WORKFLOW_TEXT


class BatchRecord(Record, frozen=True):
    id: int
    project_id: int
    external_id: str
    title: str
    status: str
    created: int
    updated: int
    workflow: str | None = None


class EventRecord(Record, frozen=True):
    id: int
    organization_id: int
    project_id: int
    batch_id: int | None
    kind: str
    actor: str
    data: str
    created: int
    workspace_id: str | None
    project: str
    batch: str | None


class IdempotentAnswer(Record, frozen=True):
    fingerprint: str
    status_code: int
    body: bytes
    created: int


class SceneRecord(Record, frozen=True):
    id: str
    organization_id: int
    workspace_id: str
    external_id: str
    scene_type: str
    status: str
    calibration_id: str | None
    imu_id: str | None
    project_id: int | None
    batch_id: int | None
    motion_compensate: bool
    spec: str
    fingerprint: str
    error_message: str | None
    created: int
    updated: int
    #: The client named the batch; otherwise the batch is chosen again at commit. (A default, so
    #: that answers stored for idempotency before the field existed still decode.)
    batch_named: bool = False


class ResourceRecord(Record, frozen=True):
    scene_id: str
    position: int
    resource_id: str
    filename: str
    sensor_name: str
    kind: str
    frame_id: str | None
    upload: bool
    blob_key: str | None
    size: int | None
    sha256: str | None
    content_type: str | None
    uploaded: int | None
    #: A cloud resource's URI in the organization's own bucket (its blob is the server's copy).
    external_uri: str | None = None


class InputRecord(Record, frozen=True):
    id: str
    organization_id: int
    project_id: int
    batch_id: int
    scene_id: str
    status: str
    created: int
    work_status: str = "not_started"
    phase: int = 0
    work_updated: int | None = None
    completed: int | None = None


class InputRow(Record, frozen=True):
    """An input with what listings show of its scene, project and batch."""

    id: str
    scene_id: str
    status: str
    created: int
    batch_id: int
    scene_external_id: str
    scene_type: str
    calibration_id: str | None
    error_message: str | None
    project: str
    batch: str


class CalibrationRecord(Record, frozen=True):
    id: str
    organization_id: int
    workspace_id: str
    external_id: str
    calibration: str
    created: int


class ImuRecord(Record, frozen=True):
    id: str
    organization_id: int
    workspace_id: str
    scene_id: str
    samples: int
    first_timestamp: int
    last_timestamp: int
    data: str
    created: int


# ------------------------------------------------------------------ annotation work


class TaskRecord(Record, frozen=True):
    """One piece of work on one input in one phase (`tables.tasks`)."""

    id: str
    organization_id: int
    project_id: int
    batch_id: int
    input_id: str
    kind: str
    phase: int
    status: str
    assignee: int | None
    holder: int | None
    touched: int | None
    draft: str | None
    review_id: str | None
    created: int
    finished: int | None


class TaskListing(Record, frozen=True):
    """A task with the names a person reads beside it: its project, batch and scene."""

    task: TaskRecord
    project: str
    batch: str
    scene_id: str
    scene_external_id: str


class WaitingWork(Record, frozen=True):
    """How many `todo` tasks of one kind in one project a member may claim, and how many of those
    are assigned to them."""

    project_id: int
    kind: str
    waiting: int
    assigned_to_me: int


class AnnotationRecord(Record, frozen=True):
    """One immutable version of one input's annotation of one type (`tables.annotation_versions`)."""

    id: str
    organization_id: int
    project_id: int
    batch_id: int
    input_id: str
    scene_id: str
    annotation_type: str
    task_id: str | None
    blob_key: str
    size: int
    created: int
    delivered: int | None
    preliminary: bool
    current: bool


class ReviewRecord(Record, frozen=True):
    """A review: an internal review task's outcome, or a client's review of a delivered version."""

    id: str
    organization_id: int
    project_id: int
    input_id: str
    task_id: str | None
    annotation_id: str | None
    phase: int
    accepted: bool
    workflow: str | None
    #: JSON list of feedback items.
    feedback: str
    actor: str
    created: int
    #: Posted by an automatic check through the workforce API (the client's auto reviews).
    automatic: bool = False


class ErrorTypeRecord(Record, frozen=True):
    id: str
    name: str
    pin_allowed: bool
    object_allowed: bool
    position: int


class MemberRecord(Record, frozen=True):
    """A workforce member's membership of a project."""

    project_id: int
    user_id: int
    added: int


# ------------------------------------------------------------------ client reads of annotation work


class OpenTaskRow(Record, frozen=True):
    """An input's open (todo or ongoing) task, as the client's request-input read shows it."""

    id: str
    input_id: str
    kind: str
    phase: int
    status: str
    assignee: int | None
    holder: int | None
    created: int


class DeliveredRow(Record, frozen=True):
    """One delivered annotation version (an `annotation_versions` row with `delivered` set)."""

    id: str
    organization_id: int
    project_id: int
    batch_id: int
    input_id: str
    scene_id: str
    annotation_type: str
    task_id: str | None
    blob_key: str
    size: int
    created: int
    delivered: int
    preliminary: bool
    current: bool


class ReviewRow(Record, frozen=True):
    """A review (internal, of a review task; or the client's own, of an annotation version)."""

    id: str
    organization_id: int
    project_id: int
    input_id: str
    task_id: str | None
    annotation_id: str | None
    phase: int
    accepted: bool
    workflow: str | None
    feedback: str
    actor: str
    created: int


class ErrorTypeRow(Record, frozen=True):
    """One entry of the installation's catalogue of review error types."""

    id: str
    name: str
    pin_allowed: bool
    object_allowed: bool


class StorageCredentialRecord(Record, frozen=True):
    """An organization's own bucket; `sealed_keys` is never shown (services/storage_keys.py)."""

    id: int
    organization_id: int
    endpoint: str
    bucket: str
    region: str | None
    sealed_keys: str
    created: int


# ------------------------------------------------------------------ pre-annotations


class PreAnnotationRecord(Record, frozen=True):
    """An OpenLABEL document a client made for one of its scenes (`tables.pre_annotations`)."""

    id: str
    organization_id: int
    workspace_id: str
    scene_id: str
    external_id: str | None
    status: str
    blob_key: str | None
    size: int | None
    external_resource_id: str | None
    error_message: str | None
    created: int
    updated: int


class PreAnnotationRow(Record, frozen=True):
    """A pre-annotation with its scene's external id (the listing)."""

    pre: PreAnnotationRecord
    scene_external_id: str


class DashboardInputRow(Record, frozen=True):
    """An input as a batch's page lists it: its scene, where it is, and its scene's error."""

    id: str
    scene_id: str
    scene_external_id: str
    scene_type: str
    status: str
    work_status: str
    phase: int
    error_message: str | None
    created: int
