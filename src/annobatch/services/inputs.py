"""Inputs: a scene placed in a project's batch. Listing them (cursor-paginated), placing a created
scene in another batch, and taking an input out of its batch. One method per operation, each one
transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from annobatch import domain
from annobatch.domain import InvalidInput, NotFound, TaskKind, TaskStatus, parse_integer
from annobatch.services.blob_deletions import finish_deletions
from annobatch.services.deliveries import request_target
from annobatch.services.identity import Caller
from annobatch.services.lookups import (
    MAX_IDS,
    load_batch,
    load_project,
    load_scene,
    parse_uuid,
    parse_uuids,
    to_json,
)
from annobatch.services.placement import insert_input, place_input
from annobatch.services.transactions import Write, fingerprint, reading, run_write
from annobatch.services.work_progress import cancel_work, check_completion
from annobatch.storage.blobs import BlobStore
from annobatch.storage.database import Database
from annobatch.storage.queries.inputs import Cursor, InputFilter
from annobatch.storage.records import InputRecord, InputRow, PreAnnotationRecord, now_micros
from annobatch.storage.unit_of_work import UnitOfWork

#: The largest page of inputs one request answers.
MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class EntryRow:
    """An input with its batch's annotation types (the v1 listing)."""

    row: InputRow
    annotation_types: list[str]


def encode_cursor(row: InputRow) -> str:
    return f"{row.created}_{row.id}"


def decode_cursor(value: str | None) -> Cursor | None:
    if value is None or value == "":
        return None
    created, _, input_id = value.partition("_")
    if not input_id:
        raise InvalidInput(
            f"invalid cursorId {value!r}: use the nextCursorId of the previous page", "invalid-cursor"
        )
    return Cursor(parse_integer(created, "cursorId", minimum=0, code="invalid-cursor"), input_id)


class InputService:
    """The caller's inputs, across projects and batches."""

    def __init__(self, db: Database, blobs: BlobStore | None = None) -> None:
        self.db = db
        #: Where deleted inputs' annotations are (None: the sweep deletes them, from their records).
        self.blobs = blobs

    async def query_inputs(
        self,
        caller: Caller,
        *,
        project: str | None,
        batch: str | None,
        scene_uuids: Sequence[str] = (),
        external_ids: Sequence[str] = (),
        include_invalidated: bool = False,
        cursor: str | None = None,
        limit: int = MAX_PAGE,
    ) -> tuple[list[InputRow], str | None]:
        """A page of the caller's inputs, oldest first, and the cursor of the next (None at the end)."""
        after = decode_cursor(cursor)
        limit = max(1, min(limit, MAX_PAGE))
        if batch is not None and project is None:
            raise InvalidInput(f"name the project of batch {batch}", "project-required")
        if len(external_ids) > MAX_IDS:
            raise InvalidInput(f"at most {MAX_IDS} external ids per request", "too-many-ids")
        async with reading(self.db) as uow:
            f = InputFilter(
                scene_ids=tuple(parse_uuids("scene", scene_uuids)),
                external_ids=tuple(dict.fromkeys(external_ids)),
                include_invalidated=include_invalidated,
            )
            if project is not None:
                p = await load_project(uow, caller, project)
                b = await load_batch(uow, p, batch) if batch is not None else None
                f = replace(f, project_id=p.id, batch_id=b.id if b else None)
            rows = await uow.inputs.page(caller.scope, f, after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (encode_cursor(rows[-1]) if more else None)

    async def with_types(self, rows: list[InputRow]) -> list[EntryRow]:
        async with reading(self.db) as uow:
            types = await uow.batches.types_by_batch([r.batch_id for r in rows])
        return [EntryRow(r, types.get(r.batch_id, [])) for r in rows]

    async def inputs_of_scenes(self, caller: Caller, scene_uuids: Sequence[str]) -> list[EntryRow]:
        """Every input of the given scenes (invalidated ones too); unknown scenes are skipped."""
        ids = parse_uuids("scene", scene_uuids)
        rows: list[InputRow] = []
        f = InputFilter(scene_ids=tuple(ids), include_invalidated=True)
        async with reading(self.db) as uow:
            if ids:
                rows = await uow.inputs.page(caller.scope, f, None, MAX_IDS * 10)
        return await self.with_types(rows)

    async def create_input(
        self,
        caller: Caller,
        scene_id: str | None,
        project: str,
        batch: str | None,
        write: Write,
        pre_annotation_id: str | None = None,
        latest_pre_annotation: bool = False,
    ) -> InputRow:
        """Place a created scene in (another) project or batch. Placing it where it already is
        answers the input it has there. With a pre-annotation (of the caller's, available), the
        input's annotation starts from it; the scene is the pre-annotation's (naming another one
        is a 400). `latest_pre_annotation` (the v1 create-from-scene): a new input starts from the
        scene's newest available pre-annotation, if it has one."""
        sid = None if scene_id is None else parse_uuid("scene", scene_id)
        pid = None if pre_annotation_id is None else parse_uuid("pre-annotation", pre_annotation_id)
        if sid is None and pid is None:
            raise InvalidInput(
                "name the scene (sceneUuid) or a pre-annotation (preAnnotationUuid)", "scene-required"
            )

        async def produce(uow: UnitOfWork) -> InputRow:
            scene_of = sid
            if pid is not None:
                pre = await _pre_annotation(uow, caller, pid)
                domain.require_pre_annotation_available(pid, pre.status)
                if sid is not None and pre.scene_id != sid:
                    raise InvalidInput(
                        f"pre-annotation {pid} is for scene {pre.scene_id}, not {sid}",
                        "pre-annotation-of-another-scene",
                    )
                scene_of = pre.scene_id
            assert scene_of is not None
            seen = await load_scene(uow, caller, scene_of)
            domain.require_scene_accepts_inputs(scene_of, seen.status)
            # The lock order: the project and its batches, then the scene (not invalidated meanwhile).
            p, batch_id, batch_name = await place_input(uow, caller, project, batch)
            scene = await load_scene(uow, caller, scene_of, lock=True)
            domain.require_scene_accepts_inputs(scene_of, scene.status)
            existing = await uow.inputs.in_batch(scene_of, batch_id)
            rec = existing or await insert_input(uow, caller, p, batch_id, scene, scene.status)
            start_from = pid
            if start_from is None and latest_pre_annotation and existing is None:
                start_from = await uow.pre_annotations.latest_available(scene_of)
                if start_from is not None:
                    await uow.pre_annotations.set_for_input(rec.id, start_from)
                    await _pre_annotation_event(uow, caller, rec, scene.workspace_id, start_from)
            if pid is not None and await uow.pre_annotations.of_input(rec.id) != pid:
                if existing is not None:
                    await uow.inputs.get_any_org(rec.id, lock=True)
                    domain.require_pre_annotation_replaceable(rec.id, await _annotation_started(uow, rec.id))
                await uow.pre_annotations.set_for_input(rec.id, pid)
                await _pre_annotation_event(uow, caller, rec, scene.workspace_id, pid)
            named = {batch_id: (p.external_id, batch_name)}
            return (await uow.inputs.rows(caller.scope, [rec.id], named))[0]

        fp = fingerprint("input", sid, project, batch, pid, latest_pre_annotation)
        return await run_write(self.db, caller, write, fp, InputRow, produce)

    async def request_target(self, caller: Caller, request_id: str) -> tuple[str, str]:
        """The project and batch (external ids) of a request (a batch's requestUid) of the
        caller's organization; 404 for another's."""
        async with reading(self.db) as uow:
            return await request_target(uow, caller, request_id)

    async def update_pre_annotation(
        self, caller: Caller, input_id: str, pre_annotation_id: str, write: Write = Write()
    ) -> None:
        """Start the input's annotation from another pre-annotation (of the input's scene,
        available); only until its annotate task has started (409 after)."""
        iid = parse_uuid("input", input_id)
        pid = parse_uuid("pre-annotation", pre_annotation_id)

        async def produce(uow: UnitOfWork) -> str:
            found = await uow.inputs.get(caller.scope, iid)
            if found is None:
                raise NotFound(f"input {input_id} not found", "input-not-found")
            pre = await _pre_annotation(uow, caller, pid)
            if pre.scene_id != found.scene_id:
                raise InvalidInput(
                    f"pre-annotation {pid} is for scene {pre.scene_id}, "
                    f"not input {iid}'s scene {found.scene_id}",
                    "pre-annotation-of-another-scene",
                )
            domain.require_pre_annotation_available(pid, pre.status)
            # The lock order: the input, then (read) its tasks.
            inp = await uow.inputs.get_any_org(iid, lock=True)
            assert inp is not None
            domain.require_pre_annotation_replaceable(iid, await _annotation_started(uow, iid))
            if await uow.pre_annotations.of_input(iid) != pid:
                await uow.pre_annotations.set_for_input(iid, pid)
                scene = await load_scene(uow, caller, inp.scene_id)
                await _pre_annotation_event(uow, caller, inp, scene.workspace_id, pid)
            return pid

        await run_write(self.db, caller, write, fingerprint("input-pre-annotation", iid, pid), str, produce)

    async def delete_input(self, caller: Caller, input_id: str, write: Write) -> None:
        """Take an input out of its batch; its scene stays."""
        iid = parse_uuid("input", input_id)

        async def produce(uow: UnitOfWork) -> list[str]:
            found = await uow.inputs.get(caller.scope, iid)
            if found is None:
                raise NotFound(f"input {input_id} not found", "input-not-found")
            # The lock order: its project, then its batch (not archived meanwhile), then the input.
            project = await uow.projects.by_id(found.project_id, lock=True)
            (batch,) = await uow.batches.lock_ids([found.batch_id])
            if await uow.inputs.get(caller.scope, iid) is None:
                raise NotFound(f"input {input_id} not found", "input-not-found")
            domain.require_input_removable(project.external_id, batch.external_id, batch.status)
            scene = await load_scene(uow, caller, found.scene_id)
            inp = await uow.inputs.get_any_org(iid, lock=True)
            assert inp is not None
            # Its work goes with it: open tasks are cancelled, and its annotation versions, reviews
            # and tasks are deleted (their blobs after the commit), then the input.
            cancelled = await cancel_work(uow, inp)
            blobs = await uow.annotation_versions.delete_of_input(iid)
            await uow.tasks.delete_of_input(iid)
            await uow.pre_annotations.forget_input(iid)
            await uow.blob_deletions.record(blobs, now_micros())
            await uow.inputs.delete(iid)
            data = to_json({"input": iid, "scene": found.scene_id, "cancelledTasks": cancelled})
            await uow.events.add(
                caller.org, found.project_id, found.batch_id, "input.deleted", caller.email, data,
                scene.workspace_id,
            )  # fmt: skip
            await check_completion(uow, caller.org, found.batch_id)
            return blobs

        fp = fingerprint("delete-input", iid)
        blobs = await run_write(self.db, caller, write, fp, list[str], produce)
        if blobs and not write.dry_run and self.blobs is not None:
            await finish_deletions(self.db, self.blobs, blobs)


async def _pre_annotation(uow: UnitOfWork, caller: Caller, pre_id: str) -> PreAnnotationRecord:
    found = await uow.pre_annotations.get(caller.scope, pre_id)
    if found is None:
        raise NotFound(f"pre-annotation {pre_id} not found", "pre-annotation-not-found")
    return found


async def _annotation_started(uow: UnitOfWork, input_id: str) -> bool:
    """Whether anyone has started on the input: a task of it that is no longer a waiting
    annotate task."""
    return any(
        not (t.kind == TaskKind.ANNOTATE and t.status in (TaskStatus.TODO, TaskStatus.CANCELLED))
        for t in await uow.tasks.of_input(input_id)
    )


async def _pre_annotation_event(
    uow: UnitOfWork, caller: Caller, inp: InputRecord, workspace_id: str, pre_id: str
) -> None:
    data = to_json({"input": inp.id, "scene": inp.scene_id, "preAnnotation": pre_id})
    await uow.events.add(
        caller.org, inp.project_id, inp.batch_id, "input.pre-annotation-set", caller.email, data, workspace_id
    )
