"""Scene API v2: a scene described once (`POST /v2/scenes`) whose files are local files (uploaded to
signed URLs, then committed through the v1 commit) or cloud resources in the organization's own
bucket (`s3://bucket/key`, read with the storage credentials staff configured).

- Cloud resources are copied into the blob store before the scene's transaction (and the copies
  deleted if it fails or is a dry run); a scene of cloud resources only is `created` (or `failed`,
  saying which file is wrong) at once.
- With `postponeExternalResourceImport` the files stay in the bucket (checked, not copied): the scene
  is `indexed`, metadata only. Importing it (PATCH status `created`) copies them (indexed →
  processing → created, or failed naming the file that is gone); its inputs follow as a committed
  scene's do (their `annotate` tasks start). Reindexing (PATCH status `indexed`) drops the copies.
- A v2 scene has frames of images, and point clouds when its frames carry them: it is stored as a
  `cameras-sequence` or `lidars-and-cameras-sequence` (which needs a calibration) scene.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import msgspec

from annobatch import domain, schemas
from annobatch.domain import DomainError, InvalidInput, ResourceKind, SceneStatus, SceneType
from annobatch.services.blob_deletions import finish_deletions
from annobatch.services.cloud_storage import CloudFile, CloudStorage
from annobatch.services.file_checks import StoredFile, frame_timestamps, inspect_files
from annobatch.services.identity import Caller
from annobatch.services.lookups import load_scene, optional_uuid, parse_uuid, resolve_workspace, to_json
from annobatch.services.scene_descriptions import Described
from annobatch.services.scenes import SceneService
from annobatch.services.transactions import Write, fingerprint, run_write, transact
from annobatch.services.work_progress import release_held_work
from annobatch.storage.blobs import BlobInfo
from annobatch.storage.records import ResourceRecord, SceneRecord, now_micros
from annobatch.storage.scope import Scope
from annobatch.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class FileV2:
    """One file of a v2 scene: a local file (to upload) or a cloud resource (a URI)."""

    resource: domain.SceneResource
    local_filename: str | None
    uri: str | None


@dataclass(frozen=True, slots=True)
class DescribedV2:
    described: Described
    files: list[FileV2]


@dataclass(frozen=True, slots=True)
class Reindexed:
    scene: SceneRecord
    #: the server's copies of its files, deleted after the commit
    blobs: list[str]


@dataclass(frozen=True, slots=True)
class CreatedSceneV2:
    scene: SceneRecord
    #: the local files the client uploads (to the signed URL of each resource), in order
    uploads: list[ResourceRecord] = field(default_factory=list)


_DEFAULT_SENSOR = {ResourceKind.IMAGE: "CAM", ResourceKind.POINT_CLOUD: "lidar", ResourceKind.IMU: "IMU"}


def _file(
    r: schemas.ResourceV2, kind: ResourceKind, frame: str | None, shutter: tuple[int, int] | None
) -> FileV2:
    if bool(r.local_filename) == bool(r.external_resource_uri):
        where = f"frame {frame}" if frame is not None else "imuData"
        raise InvalidInput(
            f"{where}: every resource names exactly one of localFilename and externalResourceUri",
            "invalid-resource",
        )
    sensor = r.sensor_name or _DEFAULT_SENSOR[kind]
    if r.local_filename:
        res = domain.SceneResource(r.local_filename, r.local_filename, sensor, kind, frame, shutter)
        return FileV2(res, r.local_filename, None)
    uri = r.external_resource_uri or ""
    name = PurePosixPath(uri.partition("://")[2]).name or uri
    return FileV2(domain.SceneResource(uri, name, sensor, kind, frame, shutter), None, uri)


def describe_v2(body: schemas.SceneRequestV2) -> DescribedV2:
    """Map a v2 scene request onto the domain's frames of files. Pure."""
    spec = body.converted_specification
    lidars = any(f.point_clouds and f.point_clouds.resources for f in spec.frames)
    scene_type = SceneType.LIDARS_AND_CAMERAS_SEQUENCE if lidars else SceneType.CAMERAS_SEQUENCE
    frames: list[domain.SceneFrame] = []
    files: list[FileV2] = []
    kept: list[dict[str, Any]] = []
    first = spec.frames[0].timestamp_ns if spec.frames else 0
    for f in spec.frames:
        in_frame: list[FileV2] = []
        for pc in f.point_clouds.resources if f.point_clouds else []:
            in_frame.append(_file(pc, ResourceKind.POINT_CLOUD, f.id, None))
        for img in f.images:
            m = img.metadata
            shutter = None if m is None else (m.start_shutter_timestamp_ns, m.end_shutter_timestamp_ns)
            in_frame.append(_file(img.resource, ResourceKind.IMAGE, f.id, shutter))
        files.extend(in_frame)
        frames.append(domain.SceneFrame(f.id, None, f.timestamp_ns, tuple(x.resource for x in in_frame)))
        pose = f.point_clouds.ego_vehicle_pose if f.point_clouds else None
        kept.append(
            {
                "frameId": f.id,
                "relativeTimestamp": (f.timestamp_ns - first) // 1_000_000,
                "unixTimestamp": f.timestamp_ns,
                "egoVehiclePose": msgspec.to_builtins(pose),
                "metadata": f.metadata or {},
            }
        )
    if spec.imu_data is not None:  # no frame: the whole file is checked when the scene's files are
        files.append(_file(spec.imu_data, ResourceKind.IMU, None, None))
    sensors = spec.sensor_specification
    draft = domain.SceneDraft(
        scene_type=scene_type,
        external_id=body.external_id,
        frames=tuple(frames),
        sensor_order=tuple(sensors.sensor_order or ()) if sensors else (),
        pretty_names=tuple(sensors.sensor_to_pretty_name or {}) if sensors else (),
    )
    described = Described(
        draft=draft,
        spec={
            "frames": kept,
            "metadata": spec.metadata or {},
            "sensorSpecification": msgspec.to_builtins(sensors),
        },
        calibration_id=optional_uuid("calibration", body.calibration_id),
        imu_id=None,
        motion_compensate=spec.should_motion_compensate is not False,
    )
    return DescribedV2(described, files)


class SceneV2Service:
    """Creation of v2 scenes, their import and reindexing."""

    def __init__(self, scenes: SceneService, cloud: CloudStorage) -> None:
        self.scenes = scenes
        self.cloud = cloud
        self.db = scenes.db
        self.blobs = scenes.blobs

    async def _drop(self, keys: list[str]) -> None:
        for k in keys:
            await self.blobs.delete(k)

    async def _copy_all(self, scene_id: str, located: dict[str, CloudFile]) -> dict[str, BlobInfo]:
        """Copy every cloud file into the blob store; on any failure the copies made are deleted."""
        copies: dict[str, BlobInfo] = {}
        try:
            for i, (uri, f) in enumerate(located.items()):
                copies[uri] = await self.cloud.copy(f, f"scenes/{scene_id}/cloud-{i}")
        except BaseException:
            await self._drop([b.key for b in copies.values()])
            raise
        return copies

    async def _problems(
        self, files: list[FileV2], copies: dict[str, BlobInfo], timestamps: list[int | None]
    ) -> list[str]:
        stored = [
            StoredFile(f.resource.kind, f.resource.resource_id, f.resource.filename, blob.key, blob.size)
            for f in files
            if (blob := copies.get(f.uri or "")) is not None
        ]
        return await inspect_files(self.blobs, stored, timestamps)

    async def create(self, caller: Caller, body: schemas.SceneRequestV2, write: Write) -> CreatedSceneV2:
        """Store a v2 scene. Local files are answered with upload URLs (the scene waits, pending,
        for its commit); cloud resources are copied now, or only checked when the import is
        postponed (the scene is indexed)."""
        spec = body.converted_specification
        n_files = sum(
            len(f.images) + (len(f.point_clouds.resources) if f.point_clouds else 0) for f in spec.frames
        ) + (spec.imu_data is not None)
        sensors = {
            r.sensor_name
            for f in spec.frames
            for r in [*(i.resource for i in f.images), *(f.point_clouds.resources if f.point_clouds else [])]
        }
        domain.require_scene_within_limits(len(spec.frames), len(sensors), n_files, self.scenes.limits)
        d = describe_v2(body)
        domain.validate_scene(d.described.draft)
        postpone = bool(body.postpone_external_resource_import)
        uris = [f.uri for f in d.files if f.uri]
        local = [f for f in d.files if f.local_filename]
        if postpone and local:
            raise InvalidInput(
                "postponeExternalResourceImport applies to scenes whose files are all cloud resources; "
                f"{local[0].local_filename} is a local file",
                "postpone-needs-cloud-resources",
            )
        located = await self.cloud.locate(caller.org, uris)  # 400 for a URI outside the storage
        scene_id = str(uuid.uuid4())
        if postpone or write.dry_run:
            for f in located.values():
                await self.cloud.check(f)
            copies: dict[str, BlobInfo] = {}
        else:
            copies = await self._copy_all(scene_id, located)
        keys = [b.key for b in copies.values()]
        fp = fingerprint("scene-v2", msgspec.json.encode(body))
        try:
            problems = await self._problems(d.files, copies, frame_timestamps(to_json(d.described.spec)))

            async def produce(uow: UnitOfWork) -> CreatedSceneV2:
                ws = await resolve_workspace(uow, caller, body.workspace_id)
                draft = await SceneService._complete_draft(
                    uow, Scope(caller.org, ws.id), scene_id, d.described.draft.scene_type, d.described
                )
                domain.validate_scene(draft)
                if local:
                    status = SceneStatus.PENDING
                elif postpone:
                    status = SceneStatus.INDEXED
                else:
                    status = SceneStatus.FAILED if problems else SceneStatus.CREATED
                now = now_micros()
                described = d.described
                scene = SceneRecord(
                    scene_id,
                    caller.org,
                    ws.id,
                    body.external_id,
                    draft.scene_type.value,
                    status.value,
                    described.calibration_id,
                    None,
                    None,
                    None,
                    described.motion_compensate,
                    to_json(described.spec),
                    fp,
                    "; ".join(problems[:5]) or None,
                    now,
                    now,
                    False,
                )
                rows = []
                for i, f in enumerate(d.files):
                    r = f.resource
                    blob = copies.get(f.uri or "")
                    rows.append(
                        ResourceRecord(
                            scene_id,
                            i,
                            r.resource_id,
                            r.filename,
                            r.sensor_name,
                            r.kind.value,
                            r.frame_id,
                            f.local_filename is not None,
                            blob.key if blob else None,
                            blob.size if blob else None,
                            blob.sha256 if blob else None,
                            None,
                            now if blob else None,
                            f.uri,
                        )
                    )
                await uow.scenes.create(scene, rows)
                data = {
                    "scene": scene_id,
                    "externalId": body.external_id,
                    "status": status.value,
                    "cloudResources": len(uris),
                    "localFiles": len(local),
                }
                await uow.events.add(
                    caller.org, None, None, "scene.created", caller.email, to_json(data), ws.id
                )
                return CreatedSceneV2(scene, [r for r in rows if r.upload])

            created = await run_write(self.db, caller, write, fp, CreatedSceneV2, produce)
        except BaseException:
            await self._drop(keys)
            raise
        if write.dry_run or created.scene.id != scene_id:  # a dry run, or a repeated idempotent request
            await self._drop(keys)
        return created

    # ---------------------------------------------------------------------------- status changes

    async def change_status(self, caller: Caller, scene_id: str, status: str, write: Write) -> SceneRecord:
        """PATCH /v2/scenes/{id}: `created` imports an indexed scene, `indexed` reindexes one."""
        if status == SceneStatus.CREATED.value:
            return await self.import_scene(caller, scene_id, write)
        if status == SceneStatus.INDEXED.value:
            return await self.reindex(caller, scene_id, write)
        raise InvalidInput(
            f"unknown scene status {status!r}: created (import an indexed scene) or indexed (reindex it)",
            "invalid-status",
        )

    async def import_scene(self, caller: Caller, scene_id: str, write: Write) -> SceneRecord:
        """Copy an indexed scene's files from the organization's bucket; the scene (and its inputs)
        end created, their work starting, or failed naming the file that is gone or wrong. A bucket
        that cannot be read (not configured, 403, no answer) is a 400: the scene stays `processing`
        and the import may be asked again."""
        sid = parse_uuid("scene", scene_id)

        async def start(uow: UnitOfWork) -> tuple[SceneRecord, list[ResourceRecord] | None]:
            scene = await load_scene(uow, caller, sid, lock=True)
            resources = await uow.scenes.resources(sid)
            cloud = bool(resources) and all(r.external_uri for r in resources)
            if not domain.require_importable(sid, scene.status, cloud):
                return scene, None
            if write.dry_run:
                return scene, None
            if scene.status == SceneStatus.INDEXED:
                domain.require_scene_move(sid, scene.status, SceneStatus.PROCESSING)
                await uow.scenes.set_status(sid, SceneStatus.PROCESSING.value)
                await uow.inputs.set_status_of_scene(sid, SceneStatus.PROCESSING.value)
            return scene, resources

        scene, resources = await transact(self.db, start)
        if resources is None:
            return scene
        copies: dict[str, BlobInfo] = {}
        problems: list[str] = []
        try:
            located = await self.cloud.locate(caller.org, [r.external_uri or "" for r in resources])
            copies = await self._copy_all(sid, located)
        except DomainError as e:
            if domain.is_storage_access_problem(e.code):
                raise  # the bucket, not the files: the import (still processing) may be asked again
            problems.append(e.message)  # gone or too large: the scene fails
        try:
            files = [FileV2(_as_domain(r), None, r.external_uri) for r in resources]
            problems.extend(await self._problems(files, copies, frame_timestamps(scene.spec)))

            async def finish(uow: UnitOfWork) -> tuple[SceneRecord, list[str]]:
                current = await load_scene(uow, caller, sid, lock=True)
                if current.status != SceneStatus.PROCESSING:
                    return current, [b.key for b in copies.values()]  # finished by a concurrent import
                old = [r.blob_key for r in await uow.scenes.resources(sid) if r.blob_key]
                for r in resources:
                    blob = copies.get(r.external_uri or "")
                    if blob is not None:
                        await uow.scenes.set_uploaded(sid, r.position, blob.key, blob.size, blob.sha256, None)
                await uow.blob_deletions.record(old, now_micros())
                done = await SceneService._finish_commit(uow, caller, sid, problems)
                for inp in await uow.inputs.of_scene(sid):
                    data = {"input": inp.id, "scene": sid, "status": done.status}
                    await uow.events.add(
                        caller.org,
                        inp.project_id,
                        inp.batch_id,
                        "input.imported",
                        caller.email,
                        to_json(data),
                        done.workspace_id,
                    )
                scene_data: dict[str, str | None] = {
                    "scene": sid,
                    "status": done.status,
                    "errorMessage": done.error_message,
                }
                await uow.events.add(
                    caller.org,
                    None,
                    None,
                    "scene.imported",
                    caller.email,
                    to_json(scene_data),
                    done.workspace_id,
                )
                return done, old

            done, unused = await transact(self.db, finish)
        except BaseException:
            await self._drop([b.key for b in copies.values()])
            raise
        await finish_deletions(self.db, self.blobs, unused)
        if done.status == SceneStatus.FAILED:
            await transact(self.db, lambda uow: SceneService._recheck_batches(uow, caller, sid))
        return done

    async def reindex(self, caller: Caller, scene_id: str, write: Write) -> SceneRecord:
        """A created scene of cloud resources goes back to indexed: the server's copies of its files
        are deleted (they stay in the bucket) and its inputs are indexed with it: their work is
        kept (held tasks are handed back, drafts and all) and goes on once the scene is imported
        again; until then none of their tasks can be claimed."""
        sid = parse_uuid("scene", scene_id)

        async def produce(uow: UnitOfWork) -> Reindexed:
            scene = await load_scene(uow, caller, sid, lock=True)
            resources = await uow.scenes.resources(sid)
            cloud = bool(resources) and all(r.external_uri for r in resources)
            if not domain.require_reindexable(sid, scene.status, cloud):
                return Reindexed(scene, [])
            domain.require_scene_move(sid, scene.status, SceneStatus.INDEXED)
            await uow.scenes.set_status(sid, SceneStatus.INDEXED.value)
            await uow.inputs.set_status_of_scene(sid, SceneStatus.INDEXED.value)
            keys = [r.blob_key for r in resources if r.blob_key]
            await uow.scenes.forget_blobs(sid)
            await uow.blob_deletions.record(keys, now_micros())
            for inp in await uow.inputs.of_scene(sid):
                released = await release_held_work(uow, inp)
                data = to_json({"input": inp.id, "scene": sid, "releasedTasks": released})
                await uow.events.add(
                    caller.org,
                    inp.project_id,
                    inp.batch_id,
                    "input.reindexed",
                    caller.email,
                    data,
                    scene.workspace_id,
                )
            await uow.events.add(
                caller.org,
                None,
                None,
                "scene.reindexed",
                caller.email,
                to_json({"scene": sid, "blobs": len(keys)}),
                scene.workspace_id,
            )
            return Reindexed(await load_scene(uow, caller, sid), keys)

        fp = fingerprint("reindex", sid)
        done = await run_write(self.db, caller, write, fp, Reindexed, produce)
        if not write.dry_run:
            await finish_deletions(self.db, self.blobs, done.blobs)
        return done.scene


def _as_domain(r: ResourceRecord) -> domain.SceneResource:
    return domain.SceneResource(r.resource_id, r.filename, r.sensor_name, ResourceKind(r.kind), r.frame_id)


__all__ = ["CreatedSceneV2", "SceneV2Service", "describe_v2"]
