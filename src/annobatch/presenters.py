"""Records → wire models: the one place that says how a stored thing looks on the wire, for the
HTTP API and the operator CLI's `--json` alike. No HTTP here: what a model needs of the request
(the address the client reached us at, the upload signer) comes in as arguments."""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec

from annobatch import schemas
from annobatch.domain import ResourceKind, SceneStatus, SceneType
from annobatch.services.batches import BatchView
from annobatch.services.inputs import EntryRow
from annobatch.services.scenes import CreatedScene, SceneDetail
from annobatch.services.scenes_v2 import CreatedSceneV2
from annobatch.services.uploads import UploadSigner
from annobatch.storage.records import (
    BatchRecord,
    CalibrationRecord,
    EventRecord,
    InputRow,
    ProjectRecord,
    SceneRecord,
    WorkspaceRecord,
)

_REQUEST_NAMESPACE = uuid.UUID("6f1f3c52-8c51-4a4e-9d0e-6a1bd8a3e0c1")


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


# ------------------------------------------------------------------ scenes, inputs, calibrations


def view_link(base: str, scene_id: str) -> str:
    """Where a person sees a scene: the `/view` page of the server at `base`."""
    return f"{base}/view/{scene_id}"


def request_uid(batch_id: int) -> str:
    """A batch is what the official platform calls a request: a stable uid per batch."""
    return str(uuid.uuid5(_REQUEST_NAMESPACE, f"batch:{batch_id}"))


def scene(s: SceneRecord, base: str) -> schemas.Scene:
    return schemas.Scene(
        s.id, s.workspace_id, s.external_id, SceneType(s.scene_type).wire_name,
        SceneStatus(s.status).wire_status, when(s.created), s.calibration_id, view_link(base, s.id),
        s.error_message,
    )  # fmt: skip


def scene_summary(d: SceneDetail) -> schemas.SceneSummary:
    s = d.scene
    spec = msgspec.json.decode(s.spec)
    kind = SceneType(s.scene_type)
    lidars = sorted({r.sensor_name for r in d.resources if r.kind == ResourceKind.POINT_CLOUD})
    cameras = sorted({r.sensor_name for r in d.resources if r.kind == ResourceKind.IMAGE})
    times = [f["relativeTimestamp"] for f in spec["frames"]] if kind.is_sequence else None
    return schemas.SceneSummary(
        scene_uuid=s.id,
        external_id=s.external_id,
        workspace_id=s.workspace_id,
        created=when(s.created),
        scene_type=kind.summary_name,
        is_multi_sensor=len(lidars) + len(cameras) > 1,
        is_motion_compensated=bool(lidars) and s.motion_compensate,
        calibration_id=s.calibration_id,
        frame_relative_times=times,
        lidars=lidars or None,
        cameras=cameras or None,
        metadata=spec["metadata"],
    )


def ego_poses(d: SceneDetail) -> schemas.EgoPoses | None:
    """The ego vehicle pose of each frame that has one; None when no frame has."""
    frames = msgspec.json.decode(d.scene.spec)["frames"]
    poses = {f["frameId"]: f["egoVehiclePose"] for f in frames if f.get("egoVehiclePose")}
    return msgspec.convert({"poses": poses}, schemas.EgoPoses) if poses else None


def scene_job_created(created: CreatedScene, base: str, signer: UploadSigner) -> schemas.SceneJobCreated:
    """`files` maps each resource id exactly as the client sent it to its signed upload URL."""
    files = {r.resource_id: signer.url(base, r.scene_id, r.position) for r in created.uploads}
    return schemas.SceneJobCreated(created.scene.id, files)


def scene_created_v2(created: CreatedSceneV2, base: str, signer: UploadSigner) -> schemas.SceneCreatedV2:
    """`signedUploadUrls`: a [local filename, signed upload URL] pair per local file (the client
    uploads each, then sends the v1 commit); none for cloud resources."""
    urls = [(r.resource_id, signer.url(base, r.scene_id, r.position)) for r in created.uploads]
    return schemas.SceneCreatedV2(created.scene.id, urls)


def input_(r: InputRow, base: str) -> schemas.Input:
    return schemas.Input(
        r.id, r.scene_id, request_uid(r.batch_id), r.scene_external_id, view_link(base, r.scene_id)
    )


def input_entry(e: EntryRow, base: str) -> schemas.InputEntry:
    r = e.row
    return schemas.InputEntry(
        r.scene_id, r.scene_external_id, r.batch, SceneType(r.scene_type).wire_name, r.status,
        when(r.created), e.annotation_types, r.calibration_id, view_link(base, r.scene_id),
        r.error_message,
    )  # fmt: skip


def calibration(c: CalibrationRecord) -> schemas.SensorCalibrationEntry:
    """The calibration keeps the snake_case keys it was sent with, as the official client expects."""
    entries: dict[str, dict[str, Any]] = msgspec.json.decode(c.calibration)
    return schemas.SensorCalibrationEntry(c.id, c.external_id, when(c.created), c.workspace_id, entries)
