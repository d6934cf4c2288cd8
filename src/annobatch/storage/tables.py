"""The schema's source of truth: SQLAlchemy Core tables.

Times are integer microseconds since the Unix epoch (UTC) on both SQLite and PostgreSQL, so that
ordering and comparison never depend on a driver's datetime handling.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Micros = sa.BigInteger

#: A project's workflow until staff choose another (the domain's DEFAULT_WORKFLOW, as stored).
DEFAULT_WORKFLOW_TEXT = "annotate,review"

organizations = sa.Table(
    "organizations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("created", Micros, nullable=False),
    # Bumped in the same transaction as every change to what the project list shows (a project
    # created, a project's status): a worker answers its kept list while it is unchanged.
    sa.Column("projects_revision", sa.BigInteger, nullable=False, server_default="0"),
)

workspaces = sa.Table(
    "workspaces",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("external_id", sa.String(200), nullable=False),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created", Micros, nullable=False),
    sa.UniqueConstraint("organization_id", "name"),
)

credentials = sa.Table(
    "credentials",
    metadata,
    sa.Column("client_id", sa.String(64), primary_key=True),
    sa.Column("secret_hash", sa.String(200), nullable=False),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False),
    # NULL: developer in every workspace of the organization.
    sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id"), nullable=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("expires", Micros, nullable=True),
    sa.Column("revoked", sa.Boolean, nullable=False),
    sa.Column("created", Micros, nullable=False),
    # Workforce members are named by it (assignments, memberships).
    sa.Index(None, "organization_id", "user_id"),
)

projects = sa.Table(
    "projects",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("external_id", sa.String(128), nullable=False),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created", Micros, nullable=False),
    sa.Column("updated", Micros, nullable=False),
    # Bumped by every change to the project's batches: lets a replica keep an encoded batch list
    # and know, with one row read, whether it is still current.
    sa.Column("batches_revision", sa.BigInteger, nullable=False),
    # The phases every input of the project's batches goes through, comma-separated
    # (`annotate,review`), unless a batch has its own.
    sa.Column("workflow", sa.String(200), nullable=False, server_default=DEFAULT_WORKFLOW_TEXT),
    sa.UniqueConstraint("organization_id", "external_id"),
)

project_annotation_types = sa.Table(
    "project_annotation_types",
    metadata,
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), primary_key=True),
    sa.Column("annotation_type", sa.String(128), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
)

batches = sa.Table(
    "batches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("external_id", sa.String(128), nullable=False),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created", Micros, nullable=False),
    sa.Column("updated", Micros, nullable=False),
    # The batch's own workflow (NULL: the project's), set by staff while no task has started.
    sa.Column("workflow", sa.String(200), nullable=True),
    sa.UniqueConstraint("project_id", "external_id"),
    sa.Index(None, "project_id", "status"),
    # A project's batches in creation order, and its latest batch (what a new one inherits),
    # without sorting them all: a create must not slow down as the project grows.
    sa.Index(None, "project_id", "created", "id"),
)

batch_annotation_types = sa.Table(
    "batch_annotation_types",
    metadata,
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), primary_key=True),
    sa.Column("annotation_type", sa.String(128), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False),
    # NULL for an entry about the organization itself (its storage credentials) or about a scene
    # without an input (a v2 scene's creation, import, reindexing); listings by project skip them.
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=True),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("actor", sa.String(320), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("created", Micros, nullable=False),
    # The workspace of the scene an entry is about (an input's); NULL for the organization's
    # own entries (projects, batches). A credential bound to a workspace reads only its own.
    sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id"), nullable=True),
    sa.Index(None, "project_id", "id"),
    sa.Index(None, "batch_id", "id"),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("created", Micros, nullable=False),
)

server_keys = sa.Table(
    "server_keys",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)

inputs = sa.Table(
    "inputs",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
    sa.Column("scene_id", sa.String(36), sa.ForeignKey("scenes.id"), nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("created", Micros, nullable=False),
    # How far its annotation is: not_started, in_progress or completed; the index of the workflow
    # phase it is in; when that last changed and when it was (last) completed.
    sa.Column("work_status", sa.String(16), nullable=False, server_default="not_started"),
    sa.Column("phase", sa.Integer, nullable=False, server_default="0"),
    sa.Column("work_updated", Micros, nullable=True),
    sa.Column("completed", Micros, nullable=True),
    sa.Index(None, "batch_id", "status"),
    sa.Index(None, "batch_id", "work_status"),
    # Keyset pagination: a page costs the same however large the batch, project or organization.
    sa.Index(None, "batch_id", "created", "id"),
    sa.Index(None, "project_id", "created", "id"),
    sa.Index(None, "organization_id", "created", "id"),
    # A scene is placed in a batch at most once.
    sa.UniqueConstraint("scene_id", "batch_id"),
)

calibrations = sa.Table(
    "calibrations",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("external_id", sa.String(256), nullable=False),
    # JSON, sensor → calibration, with the snake_case keys it was sent with.
    sa.Column("calibration", sa.Text, nullable=False),
    sa.Column("created", Micros, nullable=False),
    sa.Index(None, "organization_id", "external_id"),
)

imu_data = sa.Table(
    "imu_data",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id"), nullable=False),
    # The scene uuid it was sent for: the client sends IMU data before it creates the scene.
    sa.Column("scene_id", sa.String(36), nullable=False),
    sa.Column("samples", sa.Integer, nullable=False),
    sa.Column("first_timestamp", sa.BigInteger, nullable=False),
    sa.Column("last_timestamp", sa.BigInteger, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("created", Micros, nullable=False),
    sa.Index(None, "scene_id"),
)

scenes = sa.Table(
    "scenes",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("external_id", sa.String(256), nullable=False),
    sa.Column("scene_type", sa.String(64), nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("calibration_id", sa.String(36), sa.ForeignKey("calibrations.id"), nullable=True),
    sa.Column("imu_id", sa.String(36), sa.ForeignKey("imu_data.id"), nullable=True),
    # Where the scene's input goes once its files are in: chosen when the scene was created,
    # checked again (still open?) in the transaction that inserts the input; when the client named
    # no batch (`batch_named`), chosen again there.
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=True),
    sa.Column("motion_compensate", sa.Boolean, nullable=False),
    # JSON: frames (ids, timestamps, poses, metadata), scene metadata, sensor specification.
    sa.Column("spec", sa.Text, nullable=False),
    # Of the create request, so that a retried create answers the first one.
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("error_message", sa.Text, nullable=True),
    sa.Column("created", Micros, nullable=False),
    # When the scene last changed, an upload included: the sweep of stale pending scenes reads it.
    sa.Column("updated", Micros, nullable=False),
    sa.Column("batch_named", sa.Boolean, nullable=False),
    sa.Index(None, "organization_id", "external_id"),
    sa.Index(None, "status", "updated"),
)

scene_resources = sa.Table(
    "scene_resources",
    metadata,
    sa.Column("scene_id", sa.String(36), sa.ForeignKey("scenes.id"), primary_key=True),
    # The resource's place in the scene; upload URLs name it.
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("resource_id", sa.Text, nullable=False),
    sa.Column("filename", sa.Text, nullable=False),
    sa.Column("sensor_name", sa.String(128), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("frame_id", sa.String(128), nullable=True),
    # False: described only (the official client never uploads a lidars-sequence's files).
    sa.Column("upload", sa.Boolean, nullable=False),
    sa.Column("blob_key", sa.String(300), nullable=True),
    sa.Column("size", sa.BigInteger, nullable=True),
    sa.Column("sha256", sa.String(64), nullable=True),
    sa.Column("content_type", sa.String(200), nullable=True),
    sa.Column("uploaded", Micros, nullable=True),
    # A cloud resource: the file's URI in the organization's own bucket (s3://bucket/key). Its blob
    # is the server's copy, made at create or at import (NULL while the scene is indexed).
    sa.Column("external_uri", sa.Text, nullable=True),
    # What processing learnt of the file (JSON): an image's width and height, a point cloud's
    # points and extent. NULL: not learnt (processed inline, or a format it cannot read).
    sa.Column("facts", sa.Text, nullable=True),
    # Whether a blob is still referred to, asked by the sweep of unreferenced blobs.
    sa.Index(None, "blob_key"),
)

blob_deletions = sa.Table(
    "blob_deletions",
    metadata,
    # A blob that a committed change left without a row referring to it: recorded in that change's
    # transaction, deleted after its commit (then the record goes), or by the sweep after a crash.
    sa.Column("blob_key", sa.String(300), primary_key=True),
    sa.Column("created", Micros, nullable=False),
)

housekeeping = sa.Table(
    "housekeeping",
    metadata,
    # One row per periodic job (the sweep): who runs it now, until when, and when it last finished,
    # so that one process at a time runs it across every worker and replica.
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("holder", sa.String(200), nullable=True),
    sa.Column("expires", Micros, nullable=False),
    sa.Column("finished", Micros, nullable=False),
)

# ------------------------------------------------------------------ annotation work
#
# A batch is the official platform's "request"; its inputs go through the batch's workflow (the
# project's unless staff set the batch's), one task at a time. Workforce members are credentials
# with role `annotator` or `reviewer`, known on the wire by their numeric `user_id`.

project_members = sa.Table(
    "project_members",
    metadata,
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), primary_key=True),
    sa.Column("user_id", sa.Integer, primary_key=True),
    sa.Column("added", Micros, nullable=False),
    sa.Index(None, "user_id"),
)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
    sa.Column("input_id", sa.String(36), sa.ForeignKey("inputs.id"), nullable=False),
    # annotate, review or correct; `phase`: the index of its phase in the batch's workflow.
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("phase", sa.Integer, nullable=False),
    # todo, ongoing, done or cancelled.
    sa.Column("status", sa.String(16), nullable=False),
    # Who it is meant for (set by an assignment or the rules; claimed by them first) and who holds
    # it now (while ongoing).
    sa.Column("assignee", sa.Integer, nullable=True),
    sa.Column("holder", sa.Integer, nullable=True),
    # The lease runs from the claim or the last save.
    sa.Column("touched", Micros, nullable=True),
    # JSON: annotation type -> OpenLABEL document, the holder's saved work in progress.
    sa.Column("draft", sa.Text, nullable=True),
    # The review whose feedback a `correct` task answers.
    sa.Column("review_id", sa.String(36), nullable=True),
    sa.Column("created", Micros, nullable=False),
    sa.Column("finished", Micros, nullable=True),
    # Claims: a project's todo tasks, oldest input first.
    sa.Index(None, "project_id", "status", "created"),
    sa.Index(None, "input_id", "status"),
    sa.Index(None, "status", "touched"),
    sa.Index(None, "holder", "status"),
)

annotation_versions = sa.Table(
    "annotation_versions",
    metadata,
    # The OpenLABEL uuid: one immutable version of one input's annotation of one type.
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
    sa.Column("input_id", sa.String(36), sa.ForeignKey("inputs.id"), nullable=False),
    sa.Column("scene_id", sa.String(36), sa.ForeignKey("scenes.id"), nullable=False),
    sa.Column("annotation_type", sa.String(128), nullable=False),
    # The task whose submission made it (NULL: imported with `annobatch annotations import`).
    sa.Column("task_id", sa.String(36), sa.ForeignKey("tasks.id"), nullable=True),
    sa.Column("blob_key", sa.String(300), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("created", Micros, nullable=False),
    # When it was delivered to the client (NULL: submitted, still in the workforce's hands), and
    # whether the client's integration review of it is pending.
    sa.Column("delivered", Micros, nullable=True),
    sa.Column("preliminary", sa.Boolean, nullable=False),
    # The latest delivered version of its input and type: what the client downloads.
    sa.Column("current", sa.Boolean, nullable=False),
    sa.Index(None, "input_id", "annotation_type", "created"),
    sa.Index(None, "scene_id", "current"),
    # A project's delivered annotations of one type, page by page.
    sa.Index(None, "project_id", "annotation_type", "current", "id"),
    sa.Index(None, "blob_key"),
)

reviews = sa.Table(
    "reviews",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("input_id", sa.String(36), sa.ForeignKey("inputs.id"), nullable=False),
    # An internal review is a review task's outcome; a client's names the annotation it reviewed.
    sa.Column("task_id", sa.String(36), sa.ForeignKey("tasks.id"), nullable=True),
    sa.Column("annotation_id", sa.String(36), sa.ForeignKey("annotation_versions.id"), nullable=True),
    sa.Column("phase", sa.Integer, nullable=False),
    sa.Column("accepted", sa.Boolean, nullable=False),
    # correct or correct-review-loop: what a client's rejection asked for.
    sa.Column("workflow", sa.String(32), nullable=True),
    # JSON list of feedback items (error type, sensor, frame, object, pin, description …).
    sa.Column("feedback", sa.Text, nullable=False),
    sa.Column("actor", sa.String(320), nullable=False),
    sa.Column("created", Micros, nullable=False),
    # Posted by an automatic check (staff or a workforce tool, through the workforce API): the
    # client reads these as the input's auto reviews; they move no work.
    sa.Column("automatic", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index(None, "input_id", "created"),
)

error_types = sa.Table(
    "error_types",
    metadata,
    # The installation's catalogue of review error types; seeded by the migration, edited by staff.
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("pin_allowed", sa.Boolean, nullable=False),
    sa.Column("object_allowed", sa.Boolean, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
)

taxonomies = sa.Table(
    "taxonomies",
    metadata,
    # Per project and annotation type, the classes a submitted object may have.
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), primary_key=True),
    sa.Column("annotation_type", sa.String(128), primary_key=True),
    # JSON list of class names.
    sa.Column("classes", sa.Text, nullable=False),
)

storage_credentials = sa.Table(
    "storage_credentials",
    metadata,
    # An organization's own S3-compatible bucket, which its cloud resources (s3://bucket/key) are
    # read from. Configured by staff (`annobatch storage add`), never shown back.
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("endpoint", sa.Text, nullable=False),
    sa.Column("bucket", sa.String(255), nullable=False),
    sa.Column("region", sa.String(64), nullable=True),
    # The access key id and secret, sealed (AES-256-GCM under a key derived from the server's
    # signing key, bound to the organization and bucket): see services/storage_keys.py.
    sa.Column("sealed_keys", sa.Text, nullable=False),
    sa.Column("created", Micros, nullable=False),
    sa.UniqueConstraint("organization_id", "bucket"),
)

# ------------------------------------------------------------------ pre-annotations

pre_annotations = sa.Table(
    "pre_annotations",
    metadata,
    # An OpenLABEL document a client made for one of its scenes (its model's output): the starting
    # draft of the annotate task of an input made from it.
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False),
    # The scene's workspace: a credential bound to a workspace sees only its own.
    sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("scene_id", sa.String(36), sa.ForeignKey("scenes.id"), nullable=False),
    # The client's name for it, unique per scene (NULL: none given).
    sa.Column("external_id", sa.String(256), nullable=True),
    # available (its document is here), indexed (named in the client's bucket, not imported
    # yet), processing (being imported), failed (the import failed: error_message says why).
    sa.Column("status", sa.String(16), nullable=False),
    # Its document in the blob store (NULL until it is imported).
    sa.Column("blob_key", sa.String(300), nullable=True),
    sa.Column("size", sa.BigInteger, nullable=True),
    # The cloud resource URI it comes from (cloud pre-annotations only).
    sa.Column("external_resource_id", sa.Text, nullable=True),
    sa.Column("error_message", sa.Text, nullable=True),
    sa.Column("created", Micros, nullable=False),
    sa.Column("updated", Micros, nullable=False),
    sa.UniqueConstraint("scene_id", "external_id"),
    # The organization's pre-annotations in creation order (the listing's pages).
    sa.Index(None, "organization_id", "created", "id"),
    # Whether a blob is still referred to, asked by the sweep of unreferenced blobs.
    sa.Index(None, "blob_key"),
)

input_pre_annotations = sa.Table(
    "input_pre_annotations",
    metadata,
    # The pre-annotation an input's annotation starts from (`create_from_pre_annotation`,
    # `update_pre_annotation`): its annotate task's draft until the annotator saves one.
    sa.Column("input_id", sa.String(36), sa.ForeignKey("inputs.id"), primary_key=True),
    sa.Column("pre_annotation_id", sa.String(36), sa.ForeignKey("pre_annotations.id"), nullable=False),
    sa.Index(None, "pre_annotation_id"),
)

# ------------------------------------------------------------------ background jobs and webhooks

jobs = sa.Table(
    "jobs",
    metadata,
    # Work that must not hold a request (a webhook delivery, a sweep, a scene's processing),
    # written in the transaction of what causes it and run by the job workers of any replica.
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(64), nullable=False),
    # JSON: what the job's handler needs (a delivery's id, a scene's id).
    sa.Column("payload", sa.Text, nullable=False),
    # queued, running (under a lease), dead (failed its last attempt). A done job is deleted.
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    # When a queued job may run (a failed one waits out its pause).
    sa.Column("run_after", Micros, nullable=False),
    # The worker holding a running job, and until when (renewed while it works).
    sa.Column("holder", sa.String(128), nullable=True),
    sa.Column("lease_until", Micros, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    # The organization a job works for (NULL: the installation's own, a sweep).
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=True),
    sa.Column("created", Micros, nullable=False),
    sa.Column("updated", Micros, nullable=False),
    # The claim's scan: what is queued and due, oldest first; running jobs by lease.
    sa.Index(None, "status", "run_after", "id"),
)

webhook_subscriptions = sa.Table(
    "webhook_subscriptions",
    metadata,
    # An organization's subscription to events of its audit log, delivered by POST to its URL.
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False),
    # The workspace of the credential that made it (NULL: the organization's): it gets that
    # workspace's events and the organization's own (projects, batches).
    sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id"), nullable=True),
    sa.Column("url", sa.Text, nullable=False),
    # Comma-separated event kinds (domain.WEBHOOK_EVENTS).
    sa.Column("events", sa.Text, nullable=False),
    # Signs the deliveries (HMAC-SHA256); shown once, when the subscription is made.
    sa.Column("secret", sa.String(128), nullable=False),
    sa.Column("description", sa.String(200), nullable=True),
    sa.Column("created", Micros, nullable=False),
    sa.Index(None, "organization_id", "created"),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    # One event sent (or to be sent) to one subscription: the delivery log.
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("subscription_id", sa.String(36), sa.ForeignKey("webhook_subscriptions.id"), nullable=False),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column(
        "event_id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        sa.ForeignKey("events.id"),
        nullable=False,
    ),
    sa.Column("event", sa.String(64), nullable=False),
    # pending (being tried), delivered (a 2xx answer), failed (dead-lettered after its last attempt).
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    # The last attempt's HTTP status (NULL: no answer) and what went wrong.
    sa.Column("response_status", sa.Integer, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created", Micros, nullable=False),
    sa.Column("updated", Micros, nullable=False),
    # The subscription's log, newest first.
    sa.Index(None, "subscription_id", "created"),
)
