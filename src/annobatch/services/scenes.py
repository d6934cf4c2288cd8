"""Scenes and inputs: one method per operation, each one transaction (load facts → domain → write).

The creation flow of the official client: `initialize` hands out a scene uuid (nothing is
written: a dry run must leave no trace); optional IMU data is stored; `create_scene` validates the
scene, chooses its batch and stores it with its files' descriptions; the files arrive through
signed uploads; `commit` checks that every file arrived, inserts the input (checking the batch
again, in the same transaction, so that it can never land in a batch published meanwhile; choosing
it again when the client named none), looks at the files and moves the scene to `created` or
`failed`. An upload and a commit of one scene are serialised on the scene's row: once committed, a
scene's files cannot change. A scene with no files to upload is complete at once, its input
inserted in the create's transaction. A scene that cannot be committed as it is can be retargeted
or abandoned (`scene_recovery`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import msgspec

from annobatch import domain, schemas
from annobatch.domain import Conflict, InvalidInput, NotFound, ResourceKind, SceneStatus, SceneType
from annobatch.services.blob_deletions import finish_deletions
from annobatch.services.direct_uploads import DirectUploads
from annobatch.services.file_checks import StoredFile, frame_timestamps, inspect_files
from annobatch.services.identity import Caller
from annobatch.services.lookups import (
    MAX_IDS,
    load_scene,
    parse_uuid,
    parse_uuids,
    resolve_workspace,
    to_json,
)
from annobatch.services.placement import (
    input_id_for_scene,
    insert_input,
    lock_placement,
    place_at_commit,
    place_input,
)
from annobatch.services.scene_descriptions import Described, describe, scene_size
from annobatch.services.transactions import Write, fingerprint, reading, run_write, transact
from annobatch.services.work_progress import cancel_work, check_completion, start_work
from annobatch.storage.blobs import BlobInfo, BlobStore
from annobatch.storage.database import Database, TransactionAborted
from annobatch.storage.records import ResourceRecord, SceneRecord, now_micros
from annobatch.storage.scope import Scope
from annobatch.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class CreatedScene:
    scene: SceneRecord
    #: the files the client uploads, in order (empty: nothing to upload, and no commit will come)
    uploads: list[ResourceRecord]


@dataclass(frozen=True, slots=True)
class SceneDetail:
    scene: SceneRecord
    resources: list[ResourceRecord]


@dataclass(frozen=True, slots=True)
class Invalidated:
    scenes: int
    blobs: list[str]


class SceneService:
    """Scenes: the creation flow (initialize, create, uploads, commit), reading, invalidation."""

    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        limits: domain.SceneLimits | None = None,
        direct_uploads: DirectUploads | None = None,
    ) -> None:
        self.db = db
        self.blobs = blobs
        #: Files uploaded straight to an S3 store (presigned URLs), recorded at the commit.
        self.direct_uploads = direct_uploads
        self.limits = limits or domain.SceneLimits()

    async def initialize(self, caller: Caller, workspace_id: str | None) -> str:
        """A fresh scene uuid. Nothing is written: the client initializes even for a dry run."""
        async with reading(self.db) as uow:
            await resolve_workspace(uow, caller, workspace_id)
        return str(uuid.uuid4())

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
        domain.require_scene_within_limits(*scene_size(body), self.limits)  # before any other work
        scene_id = parse_uuid("scene", body.internal_id)
        described = describe(scene_type, body)
        domain.validate_scene(described.draft)  # everything that needs no database, first
        fp = fingerprint("scene", workspace_id, scene_type, project, batch, msgspec.json.encode(body))

        async def produce(uow: UnitOfWork) -> CreatedScene:
            ws = await resolve_workspace(uow, caller, workspace_id)
            existing = await uow.scenes.get_any_org(scene_id)
            if existing is not None:
                ours = existing.organization_id == caller.org and existing.workspace_id == ws.id
                if ours and existing.fingerprint == fp:
                    pending = existing.status == SceneStatus.PENDING
                    return CreatedScene(
                        existing, [r for r in await uow.scenes.resources(scene_id) if r.upload and pending]
                    )
                raise Conflict(
                    f"scene {scene_id} already exists; initialize a new scene for a new one",
                    "duplicate-scene",
                )
            draft = await self._complete_draft(uow, Scope(caller.org, ws.id), scene_id, scene_type, described)
            resources = domain.validate_scene(draft)
            placed = None if project is None else await place_input(uow, caller, project, batch)
            uploads = scene_type.uploads_files
            status = domain.initial_scene_status(len(resources) if uploads else 0)
            now = now_micros()
            scene = SceneRecord(
                scene_id, caller.org, ws.id, body.external_id, scene_type.value, status.value,
                described.calibration_id, described.imu_id,
                placed[0].id if placed else None, placed[1] if placed else None,
                described.motion_compensate, to_json(described.spec), fp, None, now, now,
                batch is not None,
            )  # fmt: skip
            rows = [_resource_row(scene_id, i, r, uploads) for i, r in enumerate(resources)]
            await uow.scenes.create(scene, rows)
            if placed is not None and status is SceneStatus.CREATED:
                await insert_input(
                    uow, caller, placed[0], placed[1], scene, status.value, input_id_for_scene(scene_id)
                )
            return CreatedScene(scene, rows if status is SceneStatus.PENDING else [])

        return await run_write(self.db, caller, write, fp, CreatedScene, produce)

    @staticmethod
    async def _complete_draft(
        uow: UnitOfWork, workspace: Scope, scene_id: str, scene_type: SceneType, d: Described
    ) -> domain.SceneDraft:
        """Add what the database knows: the calibration's sensors and the IMU data's time span
        (both of the scene's workspace)."""
        calibration = None
        if scene_type.needs_calibration:
            cal_id = d.calibration_id or ""
            cal = await uow.calibrations.get(workspace, cal_id) if cal_id else None
            if cal is None:
                raise InvalidInput(
                    f"calibration {cal_id} not found; create it first (POST /v1/calibrations)",
                    "calibration-not-found",
                )
            entries: dict[str, dict[str, Any]] = msgspec.json.decode(cal.calibration)
            calibration = {sensor: str(e.get("calibration_type")) for sensor, e in entries.items()}
        imu_span = None
        if d.imu_id is not None:
            imu = await uow.imu.get(workspace, d.imu_id)
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
        async with reading(self.db) as uow:
            scene = await uow.scenes.get_any_org(scene_id)
            resource = None if scene is None else await uow.scenes.resource(scene_id, position)
            if scene is None or resource is None or not resource.upload:
                raise NotFound(f"scene {scene_id} has no file {position} to upload", "upload-not-found")
            domain.require_scene_accepts_uploads(scene_id, scene.status)
            return resource

    async def record_upload(
        self, scene_id: str, position: int, blob: BlobInfo, content_type: str | None
    ) -> str | None:
        """Point the file at its new blob; answer the blob it replaces, whose deletion is recorded
        in the same transaction (the caller deletes it with `delete_recorded`; after a crash, the
        sweep does). The scene row is locked, so that an upload and a commit of one scene never
        overlap: a scene that was committed (or abandoned) meanwhile refuses, and the caller
        deletes the new blob."""

        async def produce(uow: UnitOfWork) -> str | None:
            scene = await uow.scenes.get_any_org(scene_id, lock=True)
            resource = None if scene is None else await uow.scenes.resource(scene_id, position)
            if scene is None or resource is None:
                raise NotFound(f"scene {scene_id} has no file {position} to upload", "upload-not-found")
            domain.require_scene_accepts_uploads(scene_id, scene.status)
            await uow.scenes.set_uploaded(scene_id, position, blob.key, blob.size, blob.sha256, content_type)
            await uow.scenes.touch(scene_id)
            if resource.blob_key is not None:
                await uow.blob_deletions.record([resource.blob_key], now_micros())
            return resource.blob_key

        return await transact(self.db, produce)

    async def delete_recorded(self, keys: Sequence[str]) -> None:
        """Delete blobs whose deletion a committed change recorded (the blob an upload replaced)."""
        await finish_deletions(self.db, self.blobs, keys)

    # ---------------------------------------------------------------------------- commit

    async def commit(self, caller: Caller, scene_id: str) -> SceneRecord:
        """Every file arrived → the input goes into its batch (chosen again now if the client named
        none), the files are checked, and the scene ends `created` (or `failed`, saying why).
        Idempotent: a finished scene is answered as it is, an interrupted one is finished.

        The first transaction moves the scene to `processing` under its lock, the lock every upload
        takes too: from then on its files cannot change, and the files looked at are exactly the
        ones recorded at that moment."""
        sid = parse_uuid("scene", scene_id)
        if self.direct_uploads is not None:
            await self._adopt_direct_uploads(caller, sid, self.direct_uploads)
        scene, resources = await transact(self.db, lambda uow: self._start_commit(uow, caller, sid))
        if resources is None:
            return scene
        problems = await self._inspect(scene, resources)
        done = await transact(self.db, lambda uow: self._finish_commit(uow, caller, sid, problems))
        if done.status == SceneStatus.FAILED:
            await transact(self.db, lambda uow: self._recheck_batches(uow, caller, sid))
        return done

    async def _adopt_direct_uploads(self, caller: Caller, sid: str, direct: DirectUploads) -> None:
        """Record the files uploaded straight to the store (each checked and copied by `adopt`)
        before the commit looks for them; a file uploaded through the server is kept as it is."""
        async with reading(self.db) as uow:
            scene = await load_scene(uow, caller, sid)
            if scene.status != SceneStatus.PENDING:
                return
            waiting = [r for r in await uow.scenes.resources(sid) if r.upload and r.blob_key is None]
        for r in waiting:
            adopted = await direct.adopt(sid, r.position)
            if adopted is None:
                continue  # not uploaded: the commit says which files are missing
            blob, content_type = adopted
            try:
                replaced = await self.record_upload(sid, r.position, blob, content_type)
            except BaseException:
                await self.blobs.delete(blob.key)
                raise
            if replaced is not None:
                await self.delete_recorded([replaced])

    @staticmethod
    async def _recheck_batches(uow: UnitOfWork, caller: Caller, sid: str) -> None:
        """A failed scene's inputs no longer count towards their batches' completion: a batch whose
        other inputs are all completed is completed now (project → batch: the lock order)."""
        places = await uow.inputs.places_of_scenes([sid])
        await uow.projects.lock_ids([p for p, _ in places])
        await uow.batches.lock_ids([b for _, b in places])
        for _, batch_id in sorted(places):
            await check_completion(uow, caller.org, batch_id)

    @staticmethod
    async def _start_commit(
        uow: UnitOfWork, caller: Caller, sid: str
    ) -> tuple[SceneRecord, list[ResourceRecord] | None]:
        """Pending → processing, with the input inserted; answers the files to look at (None: the
        scene is past processing, nothing to do)."""
        seen = await load_scene(uow, caller, sid)
        if not domain.commit_needed(sid, seen.status):
            return seen, None
        # The lock order: the project the scene is headed for and its batches, then the scene.
        placement = None
        if seen.status == SceneStatus.PENDING and seen.project_id is not None:
            placement = await lock_placement(uow, seen.project_id)
        scene = await load_scene(uow, caller, sid, lock=True)
        if not domain.commit_needed(sid, scene.status):
            return scene, None
        if scene.status == SceneStatus.PENDING:
            if scene.project_id != seen.project_id:
                raise TransactionAborted(f"scene {sid} was retargeted while its commit took its locks")
            resources = await uow.scenes.resources(sid)
            missing = [r.resource_id for r in resources if r.upload and r.blob_key is None]
            domain.require_all_uploaded(sid, missing)
            domain.require_scene_move(sid, scene.status, SceneStatus.PROCESSING)
            if placement is not None:
                project, batches = placement
                batch_id = place_at_commit(scene, project, batches)
                if batch_id != scene.batch_id:
                    await uow.scenes.set_placement(sid, project.id, batch_id, scene.batch_named)
                await insert_input(
                    uow,
                    caller,
                    project,
                    batch_id,
                    scene,
                    SceneStatus.PROCESSING.value,
                    input_id_for_scene(sid),
                )
            await uow.scenes.set_status(sid, SceneStatus.PROCESSING.value)
            await uow.inputs.set_status_of_scene(sid, SceneStatus.PROCESSING.value)
            return scene, resources
        return scene, await uow.scenes.resources(sid)

    @staticmethod
    async def _finish_commit(uow: UnitOfWork, caller: Caller, sid: str, problems: list[str]) -> SceneRecord:
        scene = await load_scene(uow, caller, sid, lock=True)
        if scene.status != SceneStatus.PROCESSING:
            return scene  # a concurrent commit finished it, or it was invalidated meanwhile
        target = SceneStatus.FAILED if problems else SceneStatus.CREATED
        domain.require_scene_move(sid, scene.status, target)
        error = "; ".join(problems[:5]) if problems else None
        await uow.scenes.set_status(sid, target.value, error)
        await uow.inputs.set_status_of_scene(sid, target.value)
        if target is SceneStatus.CREATED:
            for inp in await uow.inputs.of_scene(sid):
                await start_work(uow, inp)
        return await load_scene(uow, caller, sid)

    async def _inspect(self, scene: SceneRecord, resources: list[ResourceRecord]) -> list[str]:
        """A quick look at each uploaded file (no transaction is open: this reads the blob store)."""
        files = [
            StoredFile(ResourceKind(r.kind), r.resource_id, r.filename, r.blob_key, r.size or 0)
            for r in resources
            if r.blob_key is not None
        ]
        return await inspect_files(self.blobs, files, frame_timestamps(scene.spec))

    # ---------------------------------------------------------------------------- reading

    async def scenes(
        self, caller: Caller, *, uuids: Sequence[str] = (), external_ids: Sequence[str] = ()
    ) -> list[SceneRecord]:
        """Scenes by uuid, or by external id (every match); a uuid or external id without a scene
        is not found, naming it."""
        if not uuids and not external_ids:
            raise InvalidInput("name sceneUuids or externalIds", "invalid-body")
        ids = parse_uuids("scene", uuids)
        if len(external_ids) > MAX_IDS:
            raise InvalidInput(f"at most {MAX_IDS} external ids per request", "too-many-ids")
        async with reading(self.db) as uow:
            if ids:
                found = await uow.scenes.by_ids(caller.scope, ids)
                missing = sorted(set(ids) - {s.id for s in found})
            else:
                found = await uow.scenes.by_external_ids(caller.scope, list(dict.fromkeys(external_ids)))
                missing = sorted(set(external_ids) - {s.external_id for s in found})
        if missing:
            raise NotFound(f"no scene {', '.join(missing[:20])}", "scene-not-found")
        return found

    async def scene(self, caller: Caller, scene_id: str, include_invalidated: bool = False) -> SceneDetail:
        async with reading(self.db) as uow:
            scene = await load_scene(uow, caller, scene_id)
            if SceneStatus(scene.status).is_invalidated and not include_invalidated:
                raise NotFound(f"scene {scene_id} is invalidated", "scene-not-found")
            return SceneDetail(scene, await uow.scenes.resources(scene.id))

    # ---------------------------------------------------------------------------- invalidation

    async def invalidate_scenes(
        self, caller: Caller, scene_uuids: Sequence[str], reason: str, write: Write
    ) -> int:
        """Invalidate scenes, for good: their inputs leave their batches' listings with them and
        their files are deleted. Invalidating an invalidated scene changes nothing. Answers how
        many scenes changed."""
        target = domain.invalidation_status(reason)
        ids = parse_uuids("scene", scene_uuids)
        if not ids:
            raise InvalidInput("name at least one scene to invalidate", "invalid-body")

        async def produce(uow: UnitOfWork) -> Invalidated:
            found = {s.id: s for s in await uow.scenes.by_ids(caller.scope, ids)}
            missing = [i for i in ids if i not in found]
            if missing:
                raise NotFound(f"no scene {', '.join(missing[:20])}", "scene-not-found")
            # The lock order: the projects and batches the scenes' inputs are in (their events name
            # them), then the scenes. Read again under the scenes' locks, the inputs must be where
            # they were when the projects and batches were locked.
            places = await uow.inputs.places_of_scenes(ids)
            await uow.projects.lock_ids([p for p, _ in places])
            await uow.batches.lock_ids([b for _, b in places])
            done = Invalidated(0, [])
            for sid in sorted(ids):
                scene = await load_scene(uow, caller, sid, lock=True)
                if not domain.invalidation_changes(scene.status):
                    continue
                domain.require_scene_move(sid, scene.status, target)
                inputs = await uow.inputs.of_scene(sid)
                if any((i.project_id, i.batch_id) not in places for i in inputs):
                    raise TransactionAborted(f"scene {sid} was placed in a batch while its locks were taken")
                await uow.scenes.set_status(sid, target.value)
                for inp in inputs:
                    cancelled = await cancel_work(uow, inp)
                    data = to_json(
                        {"input": inp.id, "scene": sid, "reason": reason, "cancelledTasks": cancelled}
                    )
                    await uow.events.add(
                        caller.org, inp.project_id, inp.batch_id, "input.invalidated", caller.email, data,
                        scene.workspace_id,
                    )  # fmt: skip
                await uow.inputs.set_status_of_scene(sid, target.value)
                keys = [r.blob_key for r in await uow.scenes.resources(sid) if r.blob_key]
                await uow.scenes.forget_blobs(sid)
                await uow.blob_deletions.record(keys, now_micros())  # deleted after commit
                done.blobs.extend(keys)
                done = Invalidated(done.scenes + 1, done.blobs)
            # The inputs no longer count towards their batches' completion (the batches are locked).
            for _, batch_id in sorted(places):
                await check_completion(uow, caller.org, batch_id)
            return done

        fp = fingerprint("invalidate", ids, reason)
        result = await run_write(self.db, caller, write, fp, Invalidated, produce)
        if not write.dry_run:
            await finish_deletions(self.db, self.blobs, result.blobs)
        return result.scenes


def _resource_row(scene_id: str, position: int, r: domain.SceneResource, upload: bool) -> ResourceRecord:
    return ResourceRecord(
        scene_id, position, r.resource_id, r.filename, r.sensor_name, r.kind.value, r.frame_id, upload,
        None, None, None, None, None,
    )  # fmt: skip
