"""Importing annotations made in another tool: a folder of OpenLABEL files named
`<scene external id>.<annotation type>.json`, delivered to the inputs of one batch through the same
validation as a submission, with the same events. Each input is one transaction; one bad input is
reported and the rest go on."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from annobatch import domain
from annobatch.domain import BatchStatus, Conflict, DomainError, InputWork, InvalidInput, SceneStatus
from annobatch.services.identity import Caller
from annobatch.services.lookups import load_batch, load_project, to_json
from annobatch.services.transactions import reading, transact
from annobatch.services.work_progress import check_completion, move_batch
from annobatch.storage.blobs import BlobStore
from annobatch.storage.database import Database
from annobatch.storage.queries.inputs import InputFilter
from annobatch.storage.records import AnnotationRecord, BatchRecord, InputRecord, ProjectRecord, now_micros
from annobatch.storage.scope import Scope
from annobatch.storage.unit_of_work import UnitOfWork

#: The batch statuses whose inputs may be delivered (work has begun, or may).
IMPORTABLE = (BatchStatus.READY, BatchStatus.IN_PROGRESS, BatchStatus.COMPLETED)


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What became of one scene's files: delivered (`ok`), or why not."""

    scene: str
    ok: bool
    message: str
    input_id: str | None = None
    annotation_types: list[str] = field(default_factory=list)
    annotation_ids: list[str] = field(default_factory=list)


def split_name(name: str, types: list[str]) -> tuple[str, str] | None:
    """`<scene external id>.<annotation type>.json` → (scene, type), the type one of the batch's
    (the longest that fits: both may hold dots)."""
    if not name.endswith(".json"):
        return None
    stem = name[: -len(".json")]
    fits = [t for t in types if stem.endswith("." + t) and len(stem) > len(t) + 1]
    if not fits:
        return None
    t = max(fits, key=len)
    return stem[: -len(t) - 1], t


async def import_annotations(
    db: Database, blobs: BlobStore, caller: Caller, project: str, batch: str, files: Mapping[str, bytes]
) -> list[ImportOutcome]:
    """Deliver the files to the batch's inputs; answers an outcome per scene (and per file whose
    name names no scene and type), in the order of the scenes' names."""
    caller.require_staff("import annotations")
    async with reading(db) as uow:
        p = await load_project(uow, caller, project)
        b = await load_batch(uow, p, batch)
        types = await uow.batches.types(b.id)
        taxonomy = await uow.workforce.taxonomy(p.id)
    if BatchStatus(b.status) not in IMPORTABLE:
        raise Conflict(
            f"batch {batch} of project {project} is {b.status}: publish it before importing annotations",
            "batch-not-published",
        )
    outcomes: list[ImportOutcome] = []
    groups: dict[str, dict[str, bytes]] = {}
    for name in sorted(files):
        split = split_name(name, types)
        if split is None:
            outcomes.append(
                ImportOutcome(
                    name, False, f"not named <scene external id>.<type>.json, type one of {', '.join(types)}"
                )
            )
            continue
        groups.setdefault(split[0], {})[split[1]] = files[name]
    for scene, docs in sorted(groups.items()):
        try:
            outcomes.append(await _import_one(db, blobs, caller, p, b, types, taxonomy, scene, docs))
        except DomainError as e:
            outcomes.append(ImportOutcome(scene, False, e.message))
    return outcomes


async def _import_one(
    db: Database,
    blobs: BlobStore,
    caller: Caller,
    p: ProjectRecord,
    b: BatchRecord,
    types: list[str],
    taxonomy: Mapping[str, list[str]],
    scene: str,
    raw: Mapping[str, bytes],
) -> ImportOutcome:
    documents: dict[str, Any] = {}
    for atype, data in raw.items():
        try:
            documents[atype] = msgspec.json.decode(data)
        except msgspec.DecodeError as e:
            raise InvalidInput(f"{scene}.{atype}.json is not JSON: {e}", "invalid-json") from None
    domain.require_annotation_types(types, list(documents))
    for atype in types:
        domain.validate_openlabel(atype, documents[atype])
        domain.require_taxonomy(atype, documents[atype], taxonomy.get(atype))
    async with reading(db) as uow:
        rows = await uow.inputs.page(
            Scope(caller.org), InputFilter(batch_id=b.id, external_ids=(scene,)), None, 2
        )
    if not rows:
        raise InvalidInput(f"batch {b.external_id} has no input of a scene {scene}", "input-not-found")
    if len(rows) > 1:
        raise InvalidInput(
            f"batch {b.external_id} has several inputs of scenes named {scene}", "ambiguous-scene"
        )
    input_id = rows[0].id
    versions = []
    for atype in types:
        vid = str(uuid.uuid4())
        info = await blobs.put_bytes(
            f"annotations/{input_id}/{vid}.json", msgspec.json.encode(documents[atype])
        )
        versions.append(
            AnnotationRecord(
                vid, caller.org, p.id, b.id, input_id, rows[0].scene_id, atype, None, info.key, info.size,
                now_micros(), None, False, False,
            )
        )  # fmt: skip

    async def produce(uow: UnitOfWork) -> ImportOutcome:
        # The lock order: the project, the batch (it may move), then the input.
        await uow.projects.lock_ids([p.id])
        await uow.batches.lock_ids([b.id])
        inp = await uow.inputs.get_any_org(input_id, lock=True)
        if inp is None:
            raise InvalidInput(f"batch {b.external_id} has no input of a scene {scene}", "input-not-found")
        await _deliver(uow, caller, inp, versions)
        return ImportOutcome(scene, True, "delivered", input_id, types, [v.id for v in versions])

    try:
        return await transact(db, produce)
    except BaseException:
        for v in versions:
            with contextlib.suppress(Exception):  # no row refers to it: the sweep removes it later
                await blobs.delete(v.blob_key)
        raise


async def _deliver(
    uow: UnitOfWork, caller: Caller, inp: InputRecord, versions: list[AnnotationRecord]
) -> None:
    """Cancel the input's waiting task, deliver the versions, complete the input, move the batch."""
    if inp.status != SceneStatus.CREATED:
        raise Conflict(
            f"input {inp.id} is {inp.status}: only inputs of created scenes are annotated", "input-status"
        )
    if inp.work_status == InputWork.COMPLETED:
        raise Conflict(f"input {inp.id} is completed already", "input-completed")
    open_tasks = await uow.tasks.open_of_input(inp.id)
    held = [t for t in open_tasks if t.status == "ongoing"]
    if held:
        raise Conflict(f"input {inp.id}'s {held[0].kind} task is held by user {held[0].holder}", "task-held")
    now = now_micros()
    cancelled = await uow.tasks.cancel_of_input(inp.id, now)
    await uow.annotation_versions.insert(versions)
    await uow.annotation_versions.deliver(versions, now, False)
    await uow.inputs.set_work(inp.id, InputWork.COMPLETED.value, inp.phase, now, now)
    scene = await uow.scenes.get(Scope(inp.organization_id), inp.scene_id)
    ws = scene.workspace_id if scene else None
    data = {
        "input": inp.id,
        "scene": inp.scene_id,
        "annotations": {v.annotation_type: v.id for v in versions},
        "preliminary": False,
        "imported": True,
        "cancelledTasks": cancelled,
    }
    await uow.events.add(
        caller.org, inp.project_id, inp.batch_id, "annotation.delivered", caller.email, to_json(data), ws
    )
    done = to_json({"input": inp.id, "scene": inp.scene_id})
    await uow.events.add(caller.org, inp.project_id, inp.batch_id, "input.completed", caller.email, done, ws)
    await move_batch(
        uow, caller.org, inp.batch_id, domain.batch_move_on_task_started, "annotations were imported"
    )
    await check_completion(uow, caller.org, inp.batch_id)
