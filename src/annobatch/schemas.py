"""Wire models: every JSON shape annobatch sends or receives, shared by the server and the SDK.

Field names are camelCase on the wire (`rename="camel"`), as the official client expects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import msgspec

from annobatch.domain.integers import INT64_MAX, INT64_MIN

T = TypeVar("T")

#: Every integer on the wire: 64 bits, as every backend stores them. A body with one beyond is
#: refused naming the field (a test holds every integer of every request body to this).
Int64 = Annotated[int, msgspec.Meta(ge=INT64_MIN, le=INT64_MAX)]


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

    pending: Int64 = 0
    processing: Int64 = 0
    created: Int64 = 0
    failed: Int64 = 0
    invalidated: Int64 = 0
    total: Int64 = 0
    #: inputs of scenes whose files are still in the client's bucket (not imported yet)
    indexed: Int64 = 0


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
    id: Int64 | None = None


class Workspace(Wire):
    """`created` is always `YYYY-MM-DDTHH:MM:SS.ffffffZ`: the official client parses it strictly."""

    id: str
    external_id: str
    name: str
    created: str
    organization: Organization


class Event(Wire):
    """One entry of the audit log."""

    id: Int64
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
    expires_in: Int64


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


# ------------------------------------------------------------------ scenes, inputs, calibrations

#: Scene and frame metadata: a flat object of strings, numbers and booleans.
Metadata = dict[str, str | Int64 | float | bool]


class Position(Wire):
    x: float
    y: float
    z: float


class RotationQuaternion(Wire):
    w: float
    x: float
    y: float
    z: float


class EgoVehiclePose(Wire):
    position: Position
    rotation: RotationQuaternion


class ImageMetadata(Wire):
    shutter_time_start_ns: Int64
    shutter_time_end_ns: Int64
    reversed_shutter: bool | None = None


class Image(Wire):
    filename: str
    resource_id: str | None = None
    sensor_name: str = "CAM"
    client_filename: str | None = None
    metadata: ImageMetadata | None = None


class PointCloud(Wire):
    filename: str
    resource_id: str | None = None
    sensor_name: str = "lidar"
    client_filename: str | None = None


class SensorSpecification(Wire):
    sensor_to_pretty_name: dict[str, str] | None = None
    sensor_order: list[str] | None = None


class FeatureFlags(Wire):
    should_motion_compensate: bool = True


class CamerasFrame(Wire):
    images: list[Image]


class LidarsFrame(Wire):
    point_clouds: list[PointCloud]
    unix_timestamp: Int64 | None = None


class LidarsAndCamerasFrame(Wire):
    point_clouds: list[PointCloud]
    images: list[Image]
    unix_timestamp: Int64 | None = None


class SequenceFrame(Wire, kw_only=True):
    """A frame of any sequence type; which resources it must carry depends on the type."""

    frame_id: str
    relative_timestamp: Int64
    metadata: Metadata = {}
    images: list[Image] = []
    point_clouds: list[PointCloud] = []
    ego_vehicle_pose: EgoVehiclePose | None = None
    unix_timestamp: Int64 | None = None


class SceneBody(Wire, kw_only=True):
    """What every scene type carries; `internalId` is the uuid `initialize` gave out."""

    external_id: str
    internal_id: str
    metadata: Metadata = {}
    feature_flags: FeatureFlags | None = None
    sensor_specification: SensorSpecification | None = None


class CamerasScene(SceneBody, kw_only=True):
    frame: CamerasFrame


class CamerasSequenceScene(SceneBody, kw_only=True):
    frames: list[SequenceFrame]


class LidarsScene(SceneBody, kw_only=True):
    frame: LidarsFrame
    imu_data: str | None = None


class LidarsSequenceScene(SceneBody, kw_only=True):
    frames: list[SequenceFrame]
    imu_data: str | None = None


class LidarsAndCamerasScene(SceneBody, kw_only=True):
    frame: LidarsAndCamerasFrame
    calibration_id: str
    imu_data: str | None = None


class LidarsAndCamerasSequenceScene(SceneBody, kw_only=True):
    frames: list[SequenceFrame]
    calibration_id: str
    imu_data: str | None = None


AnyScene = (
    CamerasScene
    | CamerasSequenceScene
    | LidarsScene
    | LidarsSequenceScene
    | LidarsAndCamerasScene
    | LidarsAndCamerasSequenceScene
)


# Scene API v2 (`POST /v2/scenes`): every file is a local file (uploaded to a signed URL, then the
# v1 commit) or a cloud resource (a URI in the organization's own bucket).


class ResourceV2(Wire, omit_defaults=True):
    """Exactly one of `localFilename` and `externalResourceUri`."""

    sensor_name: str | None = None
    local_filename: str | None = None
    external_resource_uri: str | None = None


class ImageMetadataV2(Wire, omit_defaults=True):
    start_shutter_timestamp_ns: Int64
    end_shutter_timestamp_ns: Int64
    reversed_shutter: bool | None = None


class ImageV2(Wire, omit_defaults=True):
    resource: ResourceV2
    metadata: ImageMetadataV2 | None = None


class PointCloudsV2(Wire, omit_defaults=True):
    resources: list[ResourceV2]
    ego_vehicle_pose: EgoVehiclePose | None = None


class FrameV2(Wire, omit_defaults=True):
    id: str
    timestamp_ns: Int64
    images: list[ImageV2] = msgspec.field(default_factory=list)
    point_clouds: PointCloudsV2 | None = None
    metadata: dict[str, Any] | None = None


class SceneSpecificationV2(Wire, omit_defaults=True):
    frames: list[FrameV2]
    sensor_specification: SensorSpecification | None = None
    metadata: dict[str, Any] | None = None
    imu_data: ResourceV2 | None = None
    should_motion_compensate: bool | None = None


class SceneRequestV2(Wire, omit_defaults=True):
    external_id: str
    converted_specification: SceneSpecificationV2
    workspace_id: str | None = None
    calibration_id: str | None = None
    postpone_external_resource_import: bool | None = None


class SceneCreatedV2(Wire):
    """`signedUploadUrls`: [local filename, signed PUT URL] pairs (empty: nothing to upload)."""

    id: str
    signed_upload_urls: list[tuple[str, str]]


class SceneStatusChange(Wire):
    """`created`: import an indexed scene; `indexed`: reindex a created one."""

    status: str


class InitializeSceneRequest(Wire):
    workspace_id: str | None = None


class InitializedScene(Wire):
    scene_uuid: str


class SceneJobCreated(Wire, omit_defaults=True):
    """The answer to a scene create: `files` maps each resource id to its upload URL."""

    internal_id: str
    files: dict[str, str]
    request_input_uuid: str | None = None


class ImuSample(Wire):
    position: Position
    rotation_quaternion: RotationQuaternion
    timestamp: Int64


class ImuDataRequest(Wire):
    imu_data: list[ImuSample]
    internal_id: str


class ImuResource(Wire, omit_defaults=True):
    resource_id: str
    signed_url: str | None = None


class Input(Wire):
    uuid: str
    scene_uuid: str
    request_uid: str
    scene_external_id: str
    view_link: str


class InputEntry(Wire):
    """The deprecated v1 view of an input (`v1/inputs/fetch`, `v1/inputs/query`)."""

    internal_id: str
    external_id: str
    batch_id: str
    input_type: str
    status: str
    created: datetime
    annotation_types: list[str]
    calibration_id: str | None = None
    view_link: str | None = None
    error_message: str | None = None

    # The official client's attribute names for the same fields, so that code reading them moves
    # to the SDK unchanged.
    @property
    def scene_uuid(self) -> str:
        return self.internal_id

    @property
    def uuid(self) -> str:
        return self.internal_id

    @property
    def batch(self) -> str:
        return self.batch_id

    @property
    def scene_type(self) -> str:
        return self.input_type


class Scene(Wire):
    uuid: str
    workspace_id: str
    external_id: str
    scene_type: str
    status: str
    created: datetime
    calibration_id: str | None = None
    view_link: str | None = None
    error_message: str | None = None


class SceneSummary(Wire):
    scene_uuid: str
    external_id: str
    workspace_id: str
    created: datetime
    scene_type: str
    is_multi_sensor: bool
    is_motion_compensated: bool
    calibration_id: str | None = None
    frame_relative_times: list[Int64] | None = None
    lidars: list[str] | None = None
    cameras: list[str] | None = None
    metadata: Metadata = {}


class EgoPoses(Wire):
    poses: dict[str, EgoVehiclePose]


class SensorCalibrationEntry(Wire):
    """`calibration` keeps the snake_case keys it was created with, as the official client expects."""

    id: str
    external_id: str
    created: datetime
    workspace_id: str | None = None
    calibration: dict[str, dict[str, Any]] = {}


class CreateCalibrationRequest(Wire):
    external_id: str
    calibration: dict[str, dict[str, Any]]


class QueryInputsRequest(Wire):
    project: str | None = None
    batch: str | None = None
    scene_uuids: list[str] | None = None
    external_ids: list[str] | None = None


class FetchInputsRequest(Wire):
    project: str
    batch: str | None = None
    include_invalidated: bool = False
    external_ids: list[str] | None = None


class InputsByUuidsRequest(Wire):
    uuids: list[str]


class QueryScenesRequest(Wire):
    scene_uuids: list[str] | None = None
    external_ids: list[str] | None = None


class InvalidateScenesRequest(Wire):
    scene_uuids: list[str]
    reason: str


class RetargetSceneRequest(Wire):
    """`POST /v1/inputs/<scene>/actions/retarget`: where a pending scene's input goes instead.
    Without a batch, the project's open batch is chosen at commit."""

    project: str
    batch: str | None = None


class InvalidateInputsRequest(Wire):
    input_ids: list[str]
    invalidated_reason: str


class InputFromSceneRequest(Wire):
    """`POST /v1/inputs`: a created scene into a project (and batch)."""

    scene_uuid: str
    project: str
    batch: str | None = None


class InputFromSceneRequestV2(Wire):
    """`POST /v2/inputs`: names the target as `projectExtId` (+ `batchExtId`) or `requestUuid`."""

    scene_uuid: str | None = None
    pre_annotation_uuid: str | None = None
    project_ext_id: str | None = None
    batch_ext_id: str | None = None
    request_uuid: str | None = None


class Uploaded(Wire):
    """The answer to an upload: what was stored."""

    size: Int64
    sha256: str


# ------------------------------------------------------------------------- annotation work
#
# The official client's half after upload (requests, request inputs, tasks, annotations, reviews),
# then the workforce API (ours). Optional fields the official client reads as absent are left out
# when empty (`omit_defaults`).


class InputProgressCounts(Wire):
    """How many of a request's inputs are in each work status."""

    not_started: Int64 = 0
    in_progress: Int64 = 0
    completed: Int64 = 0
    total: Int64 = 0


class Request(Wire, omit_defaults=True):
    """A batch, as the official client knows it: `id` is its `requestUid`, `projectId` the
    project's uuid."""

    id: str
    project_id: str
    created_at: datetime
    title: str
    input_progress_counts: InputProgressCounts | None = None


class PhaseDefinition(Wire):
    """The kind of a phase: `name` is `annotate`, `review` or `integration-review`."""

    id: str
    name: str


class WorkflowPhase(Wire):
    """One phase of one request's workflow: `id` is unique to the request."""

    id: str
    name: str
    phase_definition: PhaseDefinition


class PhaseAction(Wire):
    id: str
    name: str


class WorkflowStage(Wire, omit_defaults=True):
    phase: WorkflowPhase
    name: str
    action: PhaseAction | None = None


class CurrentTask(Wire, omit_defaults=True):
    task_id: str
    is_ongoing: bool
    task_type: str
    assigned_user_id: Int64 | None = None


class InputProgressDetails(Wire, omit_defaults=True):
    current_workflow_stage: WorkflowStage
    available_for_integration_review: bool
    current_task: CurrentTask | None = None


class RequestInput(Wire, omit_defaults=True):
    """An input with its work status and where it is in its request's workflow."""

    id: str
    request_id: str
    scene_id: str
    status: str
    created_at: datetime
    last_updated_at: datetime
    last_completed_annotation_id: str | None = None
    progress_details: InputProgressDetails | None = None
    completed_at: datetime | None = None


class AssignTaskRequest(Wire):
    """`PATCH /v1/tasks/<task>`: `null` unassigns. The field is required, null or not."""

    assigned_user_id: Int64 | None


class SignedAnnotation(Wire):
    """An annotation version by its id, with a short-lived URL of its OpenLABEL content."""

    id: str
    scene_id: str
    request_id: str
    request_input_id: str
    request_uid: str
    is_preliminary: bool
    signed_url: str
    expires_at: datetime
    created: datetime


class InputAnnotation(Wire):
    """An input's current annotation (one per annotation type), with a short-lived `uri`."""

    input_uuid: str
    scene_uuid: str
    request_uid: str
    created: datetime
    uri: str


class ProjectAnnotation(Wire):
    """One current annotation of a project's annotation type. `inputUuid` is the scene's uuid, as
    the official client reads it."""

    input_uuid: str
    annotation_type: str
    created: datetime
    uri: str


class SceneAnnotation(Wire, omit_defaults=True):
    """A scene's current annotation of one type, with its OpenLABEL content."""

    input_uuid: str
    annotation_type: str
    created: datetime
    is_preliminary: bool
    content: dict[str, Any] | None = None


class FeedbackPin(Wire, omit_defaults=True):
    x: float
    y: float
    z: float | None = None
    world_coordinates: bool | None = None
    origin_frame: str | None = None


class SuggestedProperty(Wire):
    property_name: str
    suggested_property_value: str


class FeedbackItem(Wire, omit_defaults=True):
    """What a reviewer found: an error type from the catalogue, and where (sensor, frame, object,
    pin), each optional."""

    error_type_id: str
    sensor_id: str | None = None
    frame_id: str | None = None
    object_id: str | None = None
    pin: FeedbackPin | None = None
    description: str | None = None
    suggested_property: SuggestedProperty | None = None
    metadata: dict[str, str] | None = None


class ReviewRequest(Wire):
    """`POST /v1/annotations/<OpenLABEL uuid>/review`: accept, or reject with feedback and what
    follows (`correct` or `correct-review-loop`)."""

    accepted: bool
    feedback_items: list[FeedbackItem] | None = None
    workflow: str | None = None


class ReviewResponse(Wire):
    created_review_id: str


class ReviewMember(Wire, omit_defaults=True):
    """One feedback item of a review, as the official client reads it."""

    error_type_id: str
    error_type_name: str
    invalid: bool
    corrected: bool
    resolved: bool
    created_at: datetime
    sensor_id: str | None = None
    frame_id: str | None = None
    object_id: str | None = None
    comments: list[str] | None = None
    pin: FeedbackPin | None = None
    description: str | None = None
    suggested_properties: list[SuggestedProperty] | None = None
    metadata: dict[str, str] | None = None


class Review(Wire, omit_defaults=True):
    id: str
    input_uuid: str
    members: list[ReviewMember] = []
    phase_id: str | None = None


class ReviewErrorType(Wire):
    error_type_id: str
    name: str
    pin_allowed: bool
    object_allowed: bool


# --------------------------------------------------------------------------- workforce API


class ClaimRequest(Wire):
    """`POST /v1/workforce/tasks/claim`: the next task, of one project and/or one kind
    (`annotate`, `review`, `correct`), or of anything the caller may do."""

    project: str | None = None
    kind: str | None = None


class WorkforceTask(Wire):
    """A task as the workforce sees it: `kind` annotate, review or correct; `status` todo,
    ongoing, done or cancelled; `phase` the index of its phase in the workflow; `assignee` whom it
    is meant for and `holder` who holds it (user ids); `touched` its claim or last save."""

    id: str
    kind: str
    status: str
    input_id: str
    phase: Int64
    assignee: Int64 | None
    holder: Int64 | None
    created: datetime
    touched: datetime | None


class TaskFile(Wire):
    """One file of a task's scene, with a short-lived download URL."""

    resource_id: str
    filename: str
    sensor_name: str
    kind: str
    frame_id: str | None
    url: str


class TaskScene(Wire):
    """The scene to annotate: its description (frames, metadata, as created) and its files."""

    uuid: str
    external_id: str
    scene_type: str
    calibration_id: str | None
    description: dict[str, Any]
    files: list[TaskFile]


class AnnotationVersion(Wire):
    """A submitted (or delivered) version of the input's annotation of one type."""

    id: str
    annotation_type: str
    created: datetime
    delivered: datetime | None
    preliminary: bool
    url: str


class TaskReview(Wire):
    """A review: an internal review task's outcome, or a client's review of a delivery."""

    id: str
    accepted: bool
    created: datetime
    feedback_items: list[FeedbackItem]
    workflow: str | None = None


class WorkforceTaskDetail(Wire):
    """Everything a tool needs to do a task: the scene and its files, the annotation types to
    submit and their classes, the saved draft, the input's latest versions, and the review whose
    feedback a `correct` task answers."""

    task: WorkforceTask
    project: str
    batch: str
    workflow: list[str]
    scene: TaskScene
    annotation_types: list[str]
    classes: dict[str, list[str]]
    draft: dict[str, Any] | None
    versions: list[AnnotationVersion]
    review: TaskReview | None
    #: the pre-annotation the input was made from (its content is the starting draft)
    pre_annotation_uuid: str | None = None


class AnnotationsRequest(Wire):
    """`PUT …/draft` and `POST …/submit`: one OpenLABEL 1.0 document per annotation type."""

    annotations: dict[str, dict[str, Any]]


class SubmittedAnnotation(Wire):
    id: str
    annotation_type: str
    created: datetime


class WorkforceReviewRequest(Wire):
    """`POST …/review`: accept, or reject with feedback items (a `correct` task follows)."""

    accepted: bool
    feedback_items: list[FeedbackItem] = []


class WorkforceProject(Wire):
    project: str
    title: str
    status: str


# ------------------------------------------------------------------ pre-annotations


class CreatePreAnnotationRequest(Wire):
    """`POST /v1/pre-annotations`: an OpenLABEL document (snake_case keys, as OpenLABEL has them)
    for a scene of the caller's."""

    scene_uuid: str
    pre_annotation: dict[str, Any]
    external_id: str | None = None


class CreatedPreAnnotation(Wire):
    id: str


class PreAnnotationEntry(Wire):
    """One pre-annotation in the listing."""

    id: str
    scene_uuid: str
    scene_external_id: str
    external_id: str | None
    status: str
    created: datetime
    updated: datetime
    external_resource_id: str | None = None
    error_message: str | None = None


class PreAnnotationPage(Wire):
    """`GET /v2/pre-annotations`: a page, offset-paginated (`hasNext`: ask for the next offset)."""

    data: list[PreAnnotationEntry]
    has_next: bool


class ResolvedPreAnnotation(Wire):
    """`GET /v2/pre-annotations/<id>/resolved`: a pre-annotation with its document."""

    uuid: str
    scene_uuid: str
    external_id: str
    created: datetime
    content: dict[str, Any]


class CloudPreAnnotationRequest(Wire):
    """`POST /v2/pre-annotations`: a pre-annotation whose OpenLABEL document is a cloud resource
    (`externalResourceId`, s3://bucket/key in the organization's storage)."""

    scene_uuid: str
    external_resource_id: str
    external_id: str | None = None
    postpone_external_resource_import: bool = False


class PreAnnotationStatusChange(Wire):
    """`PATCH /v2/pre-annotations/<id>`: `{"status": "processing"}` imports an indexed one."""

    status: str


class InputPreAnnotationChange(Wire):
    """`PATCH /v2/inputs/<id>/pre-annotation`: the pre-annotation the input starts from."""

    uuid: str


class AutoReviewRequest(Wire):
    """`POST /v1/workforce/inputs/<id>/auto-reviews`: an automatic check's verdict on an input."""

    accepted: bool
    feedback_items: list[FeedbackItem] | None = None


class CreatedAutoReview(Wire):
    id: str
