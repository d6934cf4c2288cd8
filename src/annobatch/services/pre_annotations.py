"""Pre-annotations: a client's OpenLABEL document for one of its scenes (its model's output), the
starting draft of the annotate task of an input made from it. Creating one (validated with the
`kognic-openlabel` models and checked to fit its scene), listing them page by page, reading one
with its content, deleting one, making an indexed (cloud) one available, and which pre-annotation
an input starts from. One method per operation, each one transaction.

## Blobs

A document is written to the blob store before its transaction (like a submission's annotations);
if the transaction fails, or it was a dry run, it is deleted again; what a crash leaves in between
no row refers to, and the sweep removes it after its grace period. A deleted pre-annotation's blob
is recorded for deletion in the delete's transaction and removed after its commit.

## Cloud pre-annotations

`create(..., status="indexed", external_resource_id=URI, content=None)` records one whose document
stays in the client's bucket; `make_available` imports it through the `cloud_reader` given to the
service (the cloud-storage part reads the URI with the organization's storage credentials), then
it is `available` like any other. Without a reader, making one available is refused (409).

## Audit log

The audit log is per project: an entry about a pre-annotation goes to the project of its scene
and of each of the scene's inputs (a scene in no project yet leaves no entry: nothing to file it
under).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from annobatch import domain
from annobatch.domain import Conflict, InvalidInput, NotFound, PreAnnotationStatus, ResourceKind
from annobatch.services.blob_deletions import finish_deletions
from annobatch.services.identity import Caller
from annobatch.services.lookups import MAX_IDS, load_scene, parse_uuid, parse_uuids, to_json
from annobatch.services.transactions import Write, fingerprint, reading, run_write
from annobatch.storage.blobs import BlobStore
from annobatch.storage.database import Database
from annobatch.storage.queries.pre_annotations import PreAnnotationFilter
from annobatch.storage.records import PreAnnotationRecord, PreAnnotationRow, SceneRecord, now_micros
from annobatch.storage.scope import Scope
from annobatch.storage.unit_of_work import UnitOfWork

#: The largest page the listing answers (the official client asks for 1000).
MAX_PAGE = 1000
#: The largest pre-annotation document accepted.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024

#: Reads an indexed pre-annotation's document from the client's bucket (the cloud-storage part).
CloudReader = Callable[[Caller, PreAnnotationRecord], Awaitable[bytes]]


@dataclass(frozen=True, slots=True)
class ResolvedPreAnnotation:
    """A pre-annotation with its scene's external id and its document."""

    pre: PreAnnotationRecord
    scene_external_id: str
    content: dict[str, Any]


async def scene_fit(uow: UnitOfWork, scene: SceneRecord) -> tuple[list[str | None], set[str]]:
    """The scene's frames (their ids; None for a single-frame scene) and its sensors."""
    spec = msgspec.json.decode(scene.spec) if scene.spec else {}
    frames = spec.get("frames") or [{}] if isinstance(spec, dict) else [{}]
    ids: list[str | None] = [f.get("frameId") if isinstance(f, dict) else None for f in frames]
    sensors = {r.sensor_name for r in await uow.scenes.resources(scene.id) if r.kind != ResourceKind.IMU}
    return ids, sensors


async def pre_annotation_events(
    uow: UnitOfWork, actor: str, pre: PreAnnotationRecord, kind: str, **data: Any
) -> None:
    """An entry in the audit log of every project the pre-annotation's scene is in."""
    scene = await uow.scenes.get(Scope(pre.organization_id), pre.scene_id)
    places: dict[int, int | None] = {}
    if scene is not None and scene.project_id is not None:
        places[scene.project_id] = scene.batch_id
    for inp in await uow.inputs.of_scene(pre.scene_id):
        places.setdefault(inp.project_id, inp.batch_id)
    body = to_json({"preAnnotation": pre.id, "scene": pre.scene_id, "externalId": pre.external_id, **data})
    for project_id, batch_id in places.items():
        await uow.events.add(pre.organization_id, project_id, batch_id, kind, actor, body, pre.workspace_id)


class PreAnnotationService:
    """The caller's pre-annotations."""

    def __init__(self, db: Database, blobs: BlobStore, cloud_reader: CloudReader | None = None) -> None:
        self.db = db
        self.blobs = blobs
        self.cloud_reader = cloud_reader

    # ------------------------------------------------------------------ creating

    async def create(
        self,
        caller: Caller,
        scene_id: str,
        external_id: str | None,
        content: object | None,
        *,
        status: str = PreAnnotationStatus.AVAILABLE.value,
        external_resource_id: str | None = None,
        write: Write = Write(),
    ) -> PreAnnotationRecord:
        """A pre-annotation for a scene of the caller's (404 otherwise). With `content` (status
        `available`): the document is valid OpenLABEL and fits the scene (400 naming the first
        mismatch). Without (status `indexed`, for the cloud-storage part): it names
        `external_resource_id`, imported later by `make_available`. The external id is unique
        per scene (409)."""
        sid = parse_uuid("scene", scene_id)
        domain.validate_pre_annotation_external_id(external_id)
        wanted = PreAnnotationStatus(status)
        if wanted is PreAnnotationStatus.AVAILABLE:
            if content is None:
                raise InvalidInput(
                    "a pre-annotation needs its OpenLABEL document: preAnnotation", "content-required"
                )
            domain.validate_openlabel("", content, what="the pre-annotation")
        elif wanted is PreAnnotationStatus.INDEXED:
            if not external_resource_id:
                raise InvalidInput("an indexed pre-annotation names its cloud resource", "resource-required")
        else:
            raise InvalidInput(
                f"a new pre-annotation is available or indexed, not {status}", "invalid-status"
            )
        async with reading(self.db) as uow:
            scene = await load_scene(uow, caller, sid)
            if content is not None:
                assert isinstance(content, dict)
                frames, sensors = await scene_fit(uow, scene)
                domain.require_fits_scene(content, frames, sensors)
        data = msgspec.json.encode(content) if content is not None else None
        if data is not None and len(data) > MAX_DOCUMENT_BYTES:
            raise InvalidInput(f"a pre-annotation is at most {MAX_DOCUMENT_BYTES} bytes", "too-large")
        pre_id = str(uuid.uuid4())
        blob_key = size = None
        if data is not None:
            info = await self.blobs.put_bytes(f"pre-annotations/{sid}/{pre_id}.json", data)
            blob_key, size = info.key, info.size

        async def produce(uow: UnitOfWork) -> PreAnnotationRecord:
            found = await load_scene(uow, caller, sid)
            if external_id is not None and await uow.pre_annotations.by_external_id(sid, external_id):
                raise Conflict(
                    f"scene {sid} already has a pre-annotation with externalId {external_id!r}",
                    "pre-annotation-exists",
                )
            now = now_micros()
            rec = PreAnnotationRecord(
                pre_id, caller.org, found.workspace_id, sid, external_id, wanted.value, blob_key, size,
                external_resource_id, None, now, now,
            )  # fmt: skip
            await uow.pre_annotations.insert(rec)
            await pre_annotation_events(uow, caller.email, rec, "pre-annotation.created", status=rec.status)
            return rec

        fp = fingerprint("pre-annotation", sid, external_id, status, external_resource_id, data)
        stored: PreAnnotationRecord | None = None
        try:
            stored = await run_write(self.db, caller, write, fp, PreAnnotationRecord, produce)
        finally:
            kept = stored is not None and stored.blob_key == blob_key and not write.dry_run
            if blob_key is not None and not kept:
                await self.blobs.delete_quietly(blob_key)
        assert stored is not None
        return stored

    # ------------------------------------------------------------------ reading

    async def list(
        self,
        caller: Caller,
        *,
        ids: Sequence[str] = (),
        external_ids: Sequence[str] = (),
        scene_ids: Sequence[str] = (),
        scene_external_ids: Sequence[str] = (),
        statuses: Sequence[str] = (),
        offset: int = 0,
        limit: int = MAX_PAGE,
    ) -> tuple[list[PreAnnotationRow], bool]:
        """A page of the caller's pre-annotations, oldest first, and whether another follows."""
        if offset < 0:
            raise InvalidInput("offset is 0 or more", "invalid-offset")
        limit = max(1, min(limit, MAX_PAGE))
        for what, values in (("external", external_ids), ("scene external", scene_external_ids)):
            if len(values) > MAX_IDS:
                raise InvalidInput(f"at most {MAX_IDS} {what} ids per request", "too-many-ids")
        f = PreAnnotationFilter(
            ids=tuple(_known_uuids(ids)),
            external_ids=tuple(dict.fromkeys(external_ids)),
            scene_ids=tuple(_known_uuids(scene_ids)),
            scene_external_ids=tuple(dict.fromkeys(scene_external_ids)),
            statuses=tuple(domain.parse_pre_annotation_statuses(statuses)),
        )
        if (ids and not f.ids) or (scene_ids and not f.scene_ids):
            return [], False  # only ids that cannot exist were asked for
        async with reading(self.db) as uow:
            rows = await uow.pre_annotations.page(caller.scope, f, offset, limit + 1)
        return rows[:limit], len(rows) > limit

    async def get(self, caller: Caller, pre_id: str) -> PreAnnotationRecord:
        pid = parse_uuid("pre-annotation", pre_id)
        async with reading(self.db) as uow:
            return await _load(uow, caller, pid)

    async def resolved(self, caller: Caller, pre_id: str) -> ResolvedPreAnnotation:
        """A pre-annotation with its document (409 while it has none: indexed, or its import failed)."""
        pid = parse_uuid("pre-annotation", pre_id)
        async with reading(self.db) as uow:
            pre = await _load(uow, caller, pid)
            scene = await uow.scenes.get(Scope(pre.organization_id), pre.scene_id)
        assert scene is not None
        domain.require_pre_annotation_available(pre.id, pre.status)
        assert pre.blob_key is not None
        content = msgspec.json.decode(await self.blobs.read(pre.blob_key))
        return ResolvedPreAnnotation(pre, scene.external_id, content)

    async def content(self, pre: PreAnnotationRecord) -> dict[str, Any]:
        """The document of an available pre-annotation."""
        assert pre.blob_key is not None
        decoded: dict[str, Any] = msgspec.json.decode(await self.blobs.read(pre.blob_key))
        return decoded

    # ------------------------------------------------------------------ changing

    async def delete(self, caller: Caller, pre_id: str, write: Write = Write()) -> None:
        """Delete a pre-annotation; refused (409, naming one) while an input starts from it."""
        pid = parse_uuid("pre-annotation", pre_id)

        async def produce(uow: UnitOfWork) -> list[str]:
            pre = await _load(uow, caller, pid, lock=True)
            using = await uow.pre_annotations.inputs_using(pid)
            if using:
                raise Conflict(
                    f"pre-annotation {pid} is the starting point of input {using[0]}: "
                    "give the input another one (update_pre_annotation) or delete the input first",
                    "pre-annotation-in-use",
                )
            await uow.pre_annotations.delete(pid)
            blobs = [pre.blob_key] if pre.blob_key else []
            await uow.blob_deletions.record(blobs, now_micros())
            await pre_annotation_events(uow, caller.email, pre, "pre-annotation.deleted")
            return blobs

        blobs = await run_write(
            self.db, caller, write, fingerprint("delete-pre-annotation", pid), list[str], produce
        )
        if blobs and not write.dry_run:
            await finish_deletions(self.db, self.blobs, blobs)

    async def make_available(
        self, caller: Caller, pre_id: str, status: str, write: Write = Write()
    ) -> PreAnnotationRecord:
        """`PATCH {"status": "processing"}`: import an indexed pre-annotation's document from the
        client's bucket (validated and checked against its scene like any other); an available one
        stays as it is. A document that is gone or wrong leaves it `failed` with the reason; a bucket
        that cannot be read (not configured, 403, no answer) is a 400 and it stays `indexed`."""
        if status != PreAnnotationStatus.PROCESSING:
            raise InvalidInput(
                f"a pre-annotation's status can only be set to processing, not {status!r}", "invalid-status"
            )
        pid = parse_uuid("pre-annotation", pre_id)
        pre = await self.get(caller, pid)
        if pre.status == PreAnnotationStatus.AVAILABLE:
            return pre
        if self.cloud_reader is None:
            raise Conflict(
                f"pre-annotation {pid} is {pre.status}: this server cannot import cloud resources",
                "cloud-import-unavailable",
            )
        try:
            raw = await self.cloud_reader(caller, pre)
            document = msgspec.json.decode(raw)
            domain.validate_openlabel("", document, what="the pre-annotation")
            async with reading(self.db) as uow:
                scene = await load_scene(uow, caller, pre.scene_id)
                frames, sensors = await scene_fit(uow, scene)
            domain.require_fits_scene(document, frames, sensors)
        except InvalidInput as e:
            if domain.is_storage_access_problem(e.code):
                raise  # the bucket, not the document: it stays indexed, to be asked again
            return await self._set_state(caller, pre, PreAnnotationStatus.FAILED, None, None, str(e), write)
        except msgspec.DecodeError as e:
            return await self._set_state(caller, pre, PreAnnotationStatus.FAILED, None, None, str(e), write)
        data = msgspec.json.encode(document)
        info = await self.blobs.put_bytes(
            f"pre-annotations/{pre.scene_id}/{pre.id}-{uuid.uuid4().hex[:8]}.json", data
        )
        stored = None
        try:
            stored = await self._set_state(
                caller, pre, PreAnnotationStatus.AVAILABLE, info.key, info.size, None, write
            )
        finally:
            if stored is None or stored.blob_key != info.key or write.dry_run:
                await self.blobs.delete_quietly(info.key)
        return stored

    async def _set_state(
        self,
        caller: Caller,
        pre: PreAnnotationRecord,
        status: PreAnnotationStatus,
        blob_key: str | None,
        size: int | None,
        error: str | None,
        write: Write,
    ) -> PreAnnotationRecord:
        async def produce(uow: UnitOfWork) -> PreAnnotationRecord:
            now_ = await _load(uow, caller, pre.id, lock=True)
            if now_.status == PreAnnotationStatus.AVAILABLE:
                return now_  # imported meanwhile
            await uow.pre_annotations.set_state(pre.id, status.value, blob_key, size, error, now_micros())
            rec = msgspec.structs.replace(
                now_, status=status.value, blob_key=blob_key, size=size, error_message=error
            )
            await pre_annotation_events(uow, caller.email, rec, f"pre-annotation.{status.value}", error=error)
            return rec

        fp = fingerprint("pre-annotation-state", pre.id, status.value)
        return await run_write(self.db, caller, write, fp, PreAnnotationRecord, produce)


async def _load(uow: UnitOfWork, caller: Caller, pre_id: str, lock: bool = False) -> PreAnnotationRecord:
    found = await uow.pre_annotations.get(caller.scope, pre_id, lock=lock)
    if found is None or caller.is_workforce:
        raise NotFound(f"pre-annotation {pre_id} not found", "pre-annotation-not-found")
    return found


def _known_uuids(values: Sequence[str]) -> list[str]:
    """Filter ids: those that are not uuids match nothing (the listing filters, it does not refuse)."""
    out = []
    for v in values:
        try:
            out.append(parse_uuid("id", v))
        except InvalidInput:
            continue
    return parse_uuids("id", out)
