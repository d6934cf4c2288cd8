"""Records → wire models: the one place that says how a stored thing looks on the wire, for the
HTTP API and the operator CLI's `--json` alike. No HTTP here: what a model needs of the request
(the address the client reached us at, the upload signer) comes in as arguments."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import msgspec

from annobatch import schemas
from annobatch.domain import ResourceKind, SceneStatus, SceneType
from annobatch.services.batches import BatchView
from annobatch.services.delivery_views import DeliveredAnnotation, RequestInputView, RequestView, ReviewDetail
from annobatch.services.direct_uploads import UploadLinks
from annobatch.services.downloads import DownloadSigner, SignedUrl
from annobatch.services.inputs import EntryRow
from annobatch.services.pre_annotations import ResolvedPreAnnotation as ResolvedPreAnnotationView
from annobatch.services.request_ids import request_uid
from annobatch.services.scenes import CreatedScene, SceneDetail
from annobatch.services.scenes_v2 import CreatedSceneV2
from annobatch.services.task_queue import TaskDetail
from annobatch.storage.records import (
    AnnotationRecord,
    BatchRecord,
    CalibrationRecord,
    ErrorTypeRow,
    EventRecord,
    InputRow,
    JobRecord,
    PreAnnotationRow,
    ProjectRecord,
    ReviewRecord,
    SceneRecord,
    TaskRecord,
    WebhookDeliveryRecord,
    WebhookSubscriptionRecord,
    WorkspaceRecord,
)


@functools.lru_cache(maxsize=1 << 12)
def when(micros: int) -> datetime:
    """A stored time as an aware datetime. Remembered: a list of a thousand batches needs two
    thousand of them per request, and building one costs ten times a cache hit. Not more: every
    new scene, input and upload adds a time of its own, and 32,768 of them held ~5.5 MiB a worker
    (~175 bytes each)."""
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
        indexed=by_status.get("indexed", 0),
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


def scene_job_created(
    created: CreatedScene, base: str, signer: UploadLinks, request_input_uuid: str | None = None
) -> schemas.SceneJobCreated:
    """`files` maps each resource id exactly as the client sent it to its signed upload URL;
    `requestInputUuid` names the input the scene's commit makes, when it makes one."""
    files = {r.resource_id: signer.url(base, r.scene_id, r.position) for r in created.uploads}
    return schemas.SceneJobCreated(created.scene.id, files, request_input_uuid)


def scene_created_v2(created: CreatedSceneV2, base: str, signer: UploadLinks) -> schemas.SceneCreatedV2:
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


# ------------------------------------------------------------------------- annotation work


def request(v: RequestView) -> schemas.Request:
    counts = None
    if v.counts is not None:
        c = v.counts
        counts = schemas.InputProgressCounts(c.not_started, c.in_progress, c.completed, c.total)
    return schemas.Request(v.request_id, v.project_uuid, when(v.created), v.title, counts)


def request_input(v: RequestInputView) -> schemas.RequestInput:
    s = v.stage
    definition = schemas.PhaseDefinition(s.phase_definition_id, s.phase.value)
    phase = schemas.WorkflowPhase(s.phase_id, s.phase_label, definition)
    action = None
    if s.action is not None and s.action_id is not None:
        action = schemas.PhaseAction(s.action_id, s.action.value.capitalize())
    task = None
    if v.task is not None:
        task = schemas.CurrentTask(v.task.id, v.task_is_ongoing, v.task.kind, v.task_assigned_user_id)
    details = schemas.InputProgressDetails(
        schemas.WorkflowStage(phase, s.name, action), v.available_for_integration_review, task
    )
    completed = v.completed_at
    return schemas.RequestInput(
        id=v.id,
        request_id=v.request_id,
        scene_id=v.scene_id,
        status=v.status,
        created_at=when(v.created_at),
        last_updated_at=when(v.last_updated_at),
        last_completed_annotation_id=v.last_completed_annotation_id,
        progress_details=details,
        completed_at=None if completed is None else when(completed),
    )


def signed_annotation(a: DeliveredAnnotation, signed: SignedUrl) -> schemas.SignedAnnotation:
    return schemas.SignedAnnotation(
        id=a.id,
        scene_id=a.scene_id,
        request_id=a.request_id,
        request_input_id=a.input_id,
        request_uid=a.request_id,
        is_preliminary=a.is_preliminary,
        signed_url=signed.url,
        expires_at=datetime.fromtimestamp(signed.expires, tz=UTC),
        created=when(a.created),
    )


def input_annotation(a: DeliveredAnnotation, signed: SignedUrl) -> schemas.InputAnnotation:
    return schemas.InputAnnotation(a.input_id, a.scene_id, a.request_id, when(a.created), signed.url)


def project_annotation(a: DeliveredAnnotation, signed: SignedUrl) -> schemas.ProjectAnnotation:
    """`inputUuid` is the scene's uuid: the official client reads it as such."""
    return schemas.ProjectAnnotation(a.scene_id, a.annotation_type, when(a.created), signed.url)


def scene_annotation(a: DeliveredAnnotation, content: bytes) -> schemas.SceneAnnotation:
    document: dict[str, Any] = msgspec.json.decode(content)
    return schemas.SceneAnnotation(a.scene_id, a.annotation_type, when(a.created), a.is_preliminary, document)


def feedback_item(item: dict[str, Any]) -> schemas.FeedbackItem:
    """A stored feedback item (the wire's camelCase keys)."""
    return msgspec.convert(item, schemas.FeedbackItem)


def review(d: ReviewDetail) -> schemas.Review:
    r = d.review
    members = []
    for item in d.feedback:
        f = feedback_item(item)
        members.append(
            schemas.ReviewMember(
                error_type_id=f.error_type_id,
                error_type_name=d.error_type_names.get(f.error_type_id, f.error_type_id),
                invalid=False,
                corrected=False,
                resolved=r.accepted,
                created_at=when(r.created),
                sensor_id=f.sensor_id,
                frame_id=f.frame_id,
                object_id=f.object_id,
                pin=f.pin,
                description=f.description,
                suggested_properties=None if f.suggested_property is None else [f.suggested_property],
                metadata=f.metadata,
            )
        )
    return schemas.Review(r.id, r.input_id, members, d.phase_id)


def error_type(e: ErrorTypeRow) -> schemas.ReviewErrorType:
    return schemas.ReviewErrorType(e.id, e.name, e.pin_allowed, e.object_allowed)


# --------------------------------------------------------------------------- workforce API


def workforce_task(t: TaskRecord) -> schemas.WorkforceTask:
    return schemas.WorkforceTask(
        t.id, t.kind, t.status, t.input_id, t.phase, t.assignee, t.holder, when(t.created),
        None if t.touched is None else when(t.touched),
    )  # fmt: skip


def task_review(r: ReviewRecord) -> schemas.TaskReview:
    items: list[dict[str, Any]] = msgspec.json.decode(r.feedback) if r.feedback else []
    return schemas.TaskReview(
        r.id, r.accepted, when(r.created), [feedback_item(i) for i in items], r.workflow
    )


def submitted_annotation(v: AnnotationRecord) -> schemas.SubmittedAnnotation:
    return schemas.SubmittedAnnotation(v.id, v.annotation_type, when(v.created))


def task_detail(d: TaskDetail, base: str, signer: DownloadSigner) -> schemas.WorkforceTaskDetail:
    """The task with signed download URLs of its scene's files (those uploaded) and of the input's
    latest annotation versions."""
    s = d.scene
    files = [
        schemas.TaskFile(
            r.resource_id,
            r.filename,
            r.sensor_name,
            r.kind,
            r.frame_id,
            signer.file_url(base, r.scene_id, r.position, blob_key=r.blob_key).url,
        )
        for r in d.resources
        if r.blob_key is not None
    ]
    description: dict[str, Any] = msgspec.json.decode(s.spec)
    scene = schemas.TaskScene(
        s.id, s.external_id, SceneType(s.scene_type).wire_name, s.calibration_id, description, files
    )
    versions = [
        schemas.AnnotationVersion(
            v.id,
            v.annotation_type,
            when(v.created),
            None if v.delivered is None else when(v.delivered),
            v.preliminary,
            signer.annotation_url(base, v.id, blob_key=v.blob_key).url,
        )
        for _, v in sorted(d.versions.items())
    ]
    return schemas.WorkforceTaskDetail(
        task=workforce_task(d.task),
        project=d.project,
        batch=d.batch,
        workflow=list(d.workflow),
        scene=scene,
        annotation_types=list(d.annotation_types),
        classes=dict(d.classes),
        draft=d.draft,
        versions=versions,
        review=None if d.review is None else task_review(d.review),
        pre_annotation_uuid=d.pre_annotation,
    )


def workforce_project(p: ProjectRecord) -> schemas.WorkforceProject:
    return schemas.WorkforceProject(p.external_id, p.title, p.status)


def pre_annotation_entry(row: PreAnnotationRow) -> schemas.PreAnnotationEntry:
    p = row.pre
    return schemas.PreAnnotationEntry(
        id=p.id,
        scene_uuid=p.scene_id,
        scene_external_id=row.scene_external_id,
        external_id=p.external_id,
        status=p.status,
        created=when(p.created),
        updated=when(p.updated),
        external_resource_id=p.external_resource_id,
        error_message=p.error_message,
    )


def resolved_pre_annotation(r: ResolvedPreAnnotationView) -> schemas.ResolvedPreAnnotation:
    return schemas.ResolvedPreAnnotation(
        uuid=r.pre.id,
        scene_uuid=r.pre.scene_id,
        # The official client's model wants a string: a pre-annotation made without one has "".
        external_id=r.pre.external_id or "",
        created=when(r.pre.created),
        content=r.content,
    )


# ------------------------------------------------------------------ webhooks and jobs


def webhook(rec: WebhookSubscriptionRecord, *, with_secret: bool = False) -> schemas.Webhook:
    return schemas.Webhook(
        rec.id, rec.url, rec.events.split(","), rec.description, when(rec.created),
        rec.secret if with_secret else None,
    )  # fmt: skip


def webhook_delivery(rec: WebhookDeliveryRecord) -> schemas.WebhookDelivery:
    return schemas.WebhookDelivery(
        rec.id, rec.subscription_id, rec.event, rec.event_id, rec.status, rec.attempts,
        rec.response_status, rec.last_error, when(rec.created), when(rec.updated),
    )  # fmt: skip


def job(rec: JobRecord) -> schemas.Job:
    return schemas.Job(
        rec.id, rec.kind, rec.payload, rec.status, rec.attempts, rec.max_attempts, when(rec.run_after),
        rec.last_error, rec.organization_id, when(rec.created), when(rec.updated),
    )  # fmt: skip
