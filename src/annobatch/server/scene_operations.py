"""Scenes and inputs: one method per operation, each one transaction (load facts → domain → write).

The creation flow of the official client: `initialize` hands out a scene uuid (nothing is
written: a dry run must leave no trace); optional IMU data is stored; `create_scene` validates the
scene, chooses its batch and stores it with its files' descriptions; the files arrive through
signed uploads; `commit` checks that every file arrived, inserts the input (choosing the batch
again, in the same transaction, so that it can never land in a batch published meanwhile), looks
at the files and moves the scene to `created` or `failed`. A scene with no files to upload is
complete at once, its input inserted in the create's transaction.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import msgspec

from annobatch import domain, schemas
from annobatch.domain import (
    BatchChoice,
    BatchStatus,
    Conflict,
    InvalidInput,
    NotFound,
    ResourceKind,
    SceneStatus,
    SceneType,
)
from annobatch.server.auth import Caller
from annobatch.server.transactions import OperationsBase, Write, fingerprint
from annobatch.storage.blobs import BlobInfo, BlobStore
from annobatch.storage.database import Database
from annobatch.storage.scenes import (
    CalibrationRecord,
    Cursor,
    ImuRecord,
    InputRecord,
    InputRow,
    ResourceRecord,
    SceneRecord,
    SceneStore,
)
from annobatch.storage.store import ProjectRecord, Store, WorkspaceRecord, now_micros

MAX_IDS = 1000
MAX_PAGE = 1000


def parse_uuid(kind: str, value: str) -> str:
    """Scene, input and calibration ids are uuids; anything else is refused naming the id."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise InvalidInput(f"invalid {kind} id {value!r}: a uuid", "invalid-id") from None


def _optional_uuid(kind: str, value: str | None) -> str | None:
    return None if value is None else parse_uuid(kind, value)


def parse_uuids(kind: str, values: Sequence[str]) -> list[str]:
    if len(values) > MAX_IDS:
        raise InvalidInput(f"at most {MAX_IDS} {kind} ids per request", "too-many-ids")
    return list(dict.fromkeys(parse_uuid(kind, v) for v in values))


# ------------------------------------------------------------------------- scene descriptions


@dataclass(frozen=True, slots=True)
class Described:
    """A scene body turned into the domain's terms, and what is kept of it (`spec`)."""

    draft: domain.SceneDraft
    spec: dict[str, Any]
    calibration_id: str | None
    imu_id: str | None
    motion_compensate: bool


def _image(r: schemas.Image, frame_id: str | None) -> domain.SceneResource:
    shutter = (
        None if r.metadata is None else (r.metadata.shutter_time_start_ns, r.metadata.shutter_time_end_ns)
    )
    return domain.SceneResource(
        r.resource_id or r.filename, r.filename, r.sensor_name, ResourceKind.IMAGE, frame_id, shutter
    )


def _cloud(r: schemas.PointCloud, frame_id: str | None) -> domain.SceneResource:
    return domain.SceneResource(
        r.resource_id or r.filename, r.filename, r.sensor_name, ResourceKind.POINT_CLOUD, frame_id
    )


def describe(scene_type: SceneType, body: schemas.AnyScene) -> Described:
    """Map a scene body of any type onto frames of resources. Pure; the rules are in `domain`."""
    frames: list[domain.SceneFrame] = []
    kept: list[dict[str, Any]] = []
    if isinstance(body, schemas.CamerasScene | schemas.LidarsScene | schemas.LidarsAndCamerasScene):
        f = body.frame
        images = [_image(i, None) for i in getattr(f, "images", [])]
        clouds = [_cloud(p, None) for p in getattr(f, "point_clouds", [])]
        unix = getattr(f, "unix_timestamp", None)
        frames.append(domain.SceneFrame(None, None, unix, (*clouds, *images)))
        kept.append({"unixTimestamp": unix})
    else:
        for sf in body.frames:
            if scene_type is SceneType.AGGREGATED_LIDARS_AND_CAMERAS_SEQUENCE and sf.ego_vehicle_pose is None:
                raise InvalidInput(
                    f"frame {sf.frame_id}: every frame of an aggregated scene needs an egoVehiclePose",
                    "missing-ego-pose",
                )
            clouds = [_cloud(p, sf.frame_id) for p in sf.point_clouds]
            images = [_image(i, sf.frame_id) for i in sf.images]
            frames.append(
                domain.SceneFrame(sf.frame_id, sf.relative_timestamp, sf.unix_timestamp, (*clouds, *images))
            )
            kept.append(
                {
                    "frameId": sf.frame_id,
                    "relativeTimestamp": sf.relative_timestamp,
                    "unixTimestamp": sf.unix_timestamp,
                    "egoVehiclePose": msgspec.to_builtins(sf.ego_vehicle_pose),
                    "metadata": sf.metadata,
                }
            )
    spec_ = body.sensor_specification
    draft = domain.SceneDraft(
        scene_type=scene_type,
        external_id=body.external_id,
        frames=tuple(frames),
        sensor_order=tuple(spec_.sensor_order or ()) if spec_ else (),
        pretty_names=tuple(spec_.sensor_to_pretty_name or {}) if spec_ else (),
    )
    flags = body.feature_flags or schemas.FeatureFlags()
    spec = {
        "frames": kept,
        "metadata": body.metadata,
        "sensorSpecification": msgspec.to_builtins(spec_),
    }
    return Described(
        draft=draft,
        spec=spec,
        calibration_id=_optional_uuid("calibration", getattr(body, "calibration_id", None)),
        imu_id=_optional_uuid("IMU data", getattr(body, "imu_data", None)),
        motion_compensate=flags.should_motion_compensate,
    )


# ------------------------------------------------------------------------------------ results


@dataclass(frozen=True, slots=True)
class CreatedScene:
    scene: SceneRecord
    #: the files the client uploads, in order (empty: nothing to upload, and no commit will come)
    uploads: list[ResourceRecord]


@dataclass(frozen=True, slots=True)
class SceneDetail:
    scene: SceneRecord
    resources: list[ResourceRecord]
    inputs: list[InputRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EntryRow:
    """An input with its batch's annotation types (the v1 listing)."""

    row: InputRow
    annotation_types: list[str]


@dataclass(frozen=True, slots=True)
class Invalidated:
    scenes: int
    blobs: list[str]


def encode_cursor(row: InputRow) -> str:
    return f"{row.created}_{row.id}"


def decode_cursor(value: str | None) -> Cursor | None:
    if value is None or value == "":
        return None
    created, _, input_id = value.partition("_")
    if not created.isdigit() or not input_id:
        raise InvalidInput(
            f"invalid cursorId {value!r}: use the nextCursorId of the previous page", "invalid-cursor"
        )
    return Cursor(int(created), input_id)


class SceneOperations(OperationsBase):
    def __init__(self, db: Database, blobs: BlobStore) -> None:
        super().__init__(db)
        self.blobs = blobs

    # ---------------------------------------------------------------------------- helpers

    @staticmethod
    async def _workspace(store: Store, caller: Caller, workspace_id: str | None) -> WorkspaceRecord:
        """The workspace a write goes to: the one named (it must be the caller's organization's,
        and the credential's own if it is bound to one), else the caller's only workspace."""
        if workspace_id is None or workspace_id == "":
            if caller.workspace_id is not None:
                workspace_id = caller.workspace_id
            else:
                found = await store.list_workspaces(caller.org)
                if len(found) == 1:
                    return found[0]
                raise InvalidInput(
                    "name the workspace with ?workspaceId=: this organization has several",
                    "workspace-required",
                )
        ws = await store.get_workspace(workspace_id)
        bound = caller.workspace_id is not None and not caller.is_staff
        if ws is None or ws.organization_id != caller.org or (bound and caller.workspace_id != ws.id):
            raise NotFound(f"workspace {workspace_id} not found", "workspace-not-found")
        return ws

    @staticmethod
    async def _scene(ss: SceneStore, caller: Caller, scene_id: str, lock: bool = False) -> SceneRecord:
        found = await ss.get_scene(caller.org, parse_uuid("scene", scene_id), lock=lock)
        if found is None:
            raise NotFound(f"scene {scene_id} not found", "scene-not-found")
        return found

    @staticmethod
    async def _placement(
        store: Store, ss: SceneStore, caller: Caller, project: str, batch: str | None
    ) -> tuple[ProjectRecord, int]:
        """Choose the batch for a new input (`domain.choose_input_batch`), with the project row and
        then its batch rows locked: a concurrent publish waits for this transaction, or this one
        sees its result."""
        domain.validate_external_id("project", project)
        if batch is not None:
            domain.validate_external_id("batch", batch)
        p = await store.get_project(caller.org, project, lock=True)
        if p is None:
            raise NotFound(f"project {project} not found", "project-not-found")
        domain.require_project_accepts_work(project, p.status)
        batches = await ss.lock_batches(p.id)
        chosen = domain.choose_input_batch(
            project, batch, [BatchChoice(b, BatchStatus(s)) for _, b, s in batches]
        )
        return p, next(i for i, b, _ in batches if b == chosen)

    @staticmethod
    async def _insert_input(
        store: Store,
        ss: SceneStore,
        caller: Caller,
        project: ProjectRecord,
        batch_id: int,
        scene: SceneRecord,
        status: str,
    ) -> InputRecord:
        rec = InputRecord(str(uuid.uuid4()), caller.org, project.id, batch_id, scene.id, status, now_micros())
        await ss.create_input(rec)
        data = {"input": rec.id, "scene": scene.id, "externalId": scene.external_id, "status": status}
        await store.add_event(caller.org, project.id, batch_id, "input.created", caller.email, to_json(data))
        return rec

    # ---------------------------------------------------------------------------- creation

    async def initialize(self, caller: Caller, workspace_id: str | None) -> str:
        """A fresh scene uuid. Nothing is written: the client initializes even for a dry run."""
        async with self.db.transaction() as tx:
            await self._workspace(Store(tx), caller, workspace_id)
        return str(uuid.uuid4())

    async def add_imu(
        self, caller: Caller, workspace_id: str | None, body: schemas.ImuDataRequest, write: Write
    ) -> ImuRecord:
        """Keep a scene's IMU data until its create names it (`imuData: <resource id>`)."""
        scene_id = parse_uuid("scene", body.internal_id)
        samples = [
            domain.ImuSample(
                s.timestamp,
                (s.position.x, s.position.y, s.position.z),
                (
                    s.rotation_quaternion.w,
                    s.rotation_quaternion.x,
                    s.rotation_quaternion.y,
                    s.rotation_quaternion.z,
                ),
            )
            for s in body.imu_data
        ]
        first, last = domain.validate_imu(samples)
        data = msgspec.json.encode(body.imu_data).decode()

        async def produce(store: Store) -> ImuRecord:
            ws = await self._workspace(store, caller, workspace_id)
            rec = ImuRecord(
                str(uuid.uuid4()), caller.org, ws.id, scene_id, len(samples), first, last, data, now_micros()
            )
            await SceneStore(store.tx).create_imu(rec)
            return rec

        fp = fingerprint("imu", workspace_id, scene_id, hashlib.sha256(data.encode()).hexdigest())
        return await self.mutate(caller, write, fp, ImuRecord, produce)

    async def create_scene(
        self,
        caller: Caller,
        workspace_id: str | None,
        scene_type: SceneType,
        body: schemas.AnyScene,
        *,
        project: str | None,
        batch: str | None,
        write: Write,
    ) -> CreatedScene:
        """Store a new scene and the descriptions of its files; with a project, choose the batch
        its input goes to. A retried create (same uuid, same request) answers the first one."""
        scene_id = parse_uuid("scene", body.internal_id)
        described = describe(scene_type, body)
        domain.validate_scene(described.draft)  # everything that needs no database, first
        fp = fingerprint("scene", workspace_id, scene_type, project, batch, msgspec.json.encode(body))

        async def produce(store: Store) -> CreatedScene:
            ss = SceneStore(store.tx)
            ws = await self._workspace(store, caller, workspace_id)
            existing = await ss.get_scene_any_org(scene_id)
            if existing is not None:
                if existing.organization_id == caller.org and existing.fingerprint == fp:
                    pending = existing.status == SceneStatus.PENDING
                    return CreatedScene(
                        existing, [r for r in await ss.resources(scene_id) if r.upload and pending]
                    )
                raise Conflict(
                    f"scene {scene_id} already exists; initialize a new scene for a new one",
                    "duplicate-scene",
                )
            draft = await self._complete_draft(ss, caller, scene_id, scene_type, described)
            resources = domain.validate_scene(draft)
            placed = None if project is None else await self._placement(store, ss, caller, project, batch)
            uploads = scene_type.uploads_files
            status = domain.initial_scene_status(len(resources) if uploads else 0)
            now = now_micros()
            scene = SceneRecord(
                scene_id, caller.org, ws.id, body.external_id, scene_type.value, status.value,
                described.calibration_id, described.imu_id,
                placed[0].id if placed else None, placed[1] if placed else None,
                described.motion_compensate, to_json(described.spec), fp, None, now, now,
            )  # fmt: skip
            rows = [_resource_row(scene_id, i, r, uploads) for i, r in enumerate(resources)]
            await ss.create_scene(scene, rows)
            if placed is not None and status is SceneStatus.CREATED:
                await self._insert_input(store, ss, caller, placed[0], placed[1], scene, status.value)
            return CreatedScene(scene, rows if status is SceneStatus.PENDING else [])

        return await self.mutate(caller, write, fp, CreatedScene, produce)

    @staticmethod
    async def _complete_draft(
        ss: SceneStore, caller: Caller, scene_id: str, scene_type: SceneType, d: Described
    ) -> domain.SceneDraft:
        """Add what the database knows: the calibration's sensors and the IMU data's time span."""
        calibration = None
        if scene_type.needs_calibration:
            cal_id = d.calibration_id or ""
            cal = await ss.get_calibration(caller.org, cal_id) if cal_id else None
            if cal is None:
                raise InvalidInput(
                    f"calibration {cal_id} not found; create it first (POST /v1/calibrations)",
                    "calibration-not-found",
                )
            entries: dict[str, dict[str, Any]] = msgspec.json.decode(cal.calibration)
            calibration = {sensor: str(e.get("calibration_type")) for sensor, e in entries.items()}
        imu_span = None
        if d.imu_id is not None:
            imu = await ss.get_imu(caller.org, d.imu_id)
            if imu is None or imu.scene_id != scene_id:
                raise InvalidInput(
                    f"IMU data {d.imu_id} was not sent for scene {scene_id}; send it first (POST /v1/imu)",
                    "imu-not-found",
                )
            imu_span = (imu.first_timestamp, imu.last_timestamp)
        return replace(d.draft, calibration=calibration, imu_span=imu_span)

    # ---------------------------------------------------------------------------- uploads

    async def upload_target(self, scene_id: str, position: int) -> ResourceRecord:
        """The file an upload URL names, if it may still be uploaded. No caller: the signed URL is
        the permission."""
        async with self.db.transaction() as tx:
            ss = SceneStore(tx)
            scene = await ss.get_scene_any_org(scene_id)
            resource = None if scene is None else await ss.resource(scene_id, position)
            if scene is None or resource is None or not resource.upload:
                raise NotFound(f"scene {scene_id} has no file {position} to upload", "upload-not-found")
            domain.require_scene_accepts_uploads(scene_id, scene.status)
            return resource

    async def record_upload(
        self, scene_id: str, position: int, blob: BlobInfo, content_type: str | None
    ) -> str | None:
        """Point the file at its new blob; answer the blob it replaces (to delete). A scene that was
        committed meanwhile refuses (the caller deletes the new blob)."""
        async with self.db.transaction(write=True) as tx:
            ss = SceneStore(tx)
            scene = await ss.get_scene_any_org(scene_id)
            assert scene is not None
            domain.require_scene_accepts_uploads(scene_id, scene.status)
            resource = await ss.resource(scene_id, position)
            assert resource is not None
            await ss.set_uploaded(scene_id, position, blob.key, blob.size, blob.sha256, content_type)
            return resource.blob_key

    # ---------------------------------------------------------------------------- commit

    async def commit(self, caller: Caller, scene_id: str) -> SceneRecord:
        """Every file arrived → the input goes into its batch, the files are checked, and the
        scene ends `created` (or `failed`, saying why). Idempotent: a finished scene is answered
        as it is, an interrupted one is finished."""
        async with self.db.transaction(write=True) as tx:
            store, ss = Store(tx), SceneStore(tx)
            scene = await self._scene(ss, caller, scene_id, lock=True)
            if not domain.commit_needed(scene.id, scene.status):
                return scene
            resources = await ss.resources(scene.id)
            if scene.status == SceneStatus.PENDING:
                missing = [r.resource_id for r in resources if r.upload and r.blob_key is None]
                domain.require_all_uploaded(scene.id, missing)
                domain.require_scene_move(scene.id, scene.status, SceneStatus.PROCESSING)
                if scene.project_id is not None and scene.batch_id is not None:
                    project = await ss.project_external_id(scene.project_id)
                    named, _, _ = await ss.batch_by_id(scene.batch_id)
                    p, batch_id = await self._placement(store, ss, caller, project, named)
                    await self._insert_input(
                        store, ss, caller, p, batch_id, scene, SceneStatus.PROCESSING.value
                    )
                await ss.set_scene_status(scene.id, SceneStatus.PROCESSING.value)
                await ss.set_inputs_status(scene.id, SceneStatus.PROCESSING.value)
        problems = await self._inspect(resources)
        async with self.db.transaction(write=True) as tx:
            ss = SceneStore(tx)
            scene = await self._scene(ss, caller, scene.id, lock=True)
            if scene.status != SceneStatus.PROCESSING:
                return scene  # a concurrent commit finished it
            target = SceneStatus.FAILED if problems else SceneStatus.CREATED
            domain.require_scene_move(scene.id, scene.status, target)
            error = "; ".join(problems[:5]) if problems else None
            await ss.set_scene_status(scene.id, target.value, error)
            await ss.set_inputs_status(scene.id, target.value)
            return await self._scene(ss, caller, scene.id)

    async def _inspect(self, resources: list[ResourceRecord]) -> list[str]:
        """A quick look at each uploaded file (no transaction is open: this reads the blob store)."""
        problems = []
        for r in resources:
            if r.blob_key is None:
                continue
            try:
                head = await self.blobs.read(r.blob_key, 64)
            except FileNotFoundError:
                problems.append(f"file {r.resource_id} is missing from storage; upload it again")
                continue
            problem = domain.check_file_content(
                ResourceKind(r.kind), r.resource_id, r.filename, head, r.size or 0
            )
            if problem:
                problems.append(problem)
        return problems

    # ---------------------------------------------------------------------------- calibrations

    async def create_calibration(
        self, caller: Caller, workspace_id: str | None, body: schemas.CreateCalibrationRequest, write: Write
    ) -> CalibrationRecord:
        domain.validate_calibration(body.external_id, body.calibration)  # type: ignore[arg-type]
        data = to_json(body.calibration)

        async def produce(store: Store) -> CalibrationRecord:
            ws = await self._workspace(store, caller, workspace_id)
            rec = CalibrationRecord(
                str(uuid.uuid4()), caller.org, ws.id, body.external_id, data, now_micros()
            )
            await SceneStore(store.tx).create_calibration(rec)
            return rec

        fp = fingerprint("calibration", workspace_id, body.external_id, data)
        return await self.mutate(caller, write, fp, CalibrationRecord, produce)

    async def get_calibration(self, caller: Caller, calibration_id: str) -> CalibrationRecord:
        async with self.db.transaction() as tx:
            found = await SceneStore(tx).get_calibration(
                caller.org, parse_uuid("calibration", calibration_id)
            )
        if found is None:
            raise NotFound(f"calibration {calibration_id} not found", "calibration-not-found")
        return found

    async def list_calibrations(self, caller: Caller, external_id: str | None) -> list[CalibrationRecord]:
        async with self.db.transaction() as tx:
            return await SceneStore(tx).list_calibrations(caller.org, external_id)


def _resource_row(scene_id: str, position: int, r: domain.SceneResource, upload: bool) -> ResourceRecord:
    return ResourceRecord(
        scene_id, position, r.resource_id, r.filename, r.sensor_name, r.kind.value, r.frame_id, upload,
        None, None, None, None, None,
    )  # fmt: skip


def to_json(value: Any) -> str:
    return msgspec.json.encode(value).decode()
