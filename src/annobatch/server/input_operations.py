"""Scenes and inputs once created: reading them, placing a scene in another batch, removing an
input, invalidating scenes. One method per operation, each one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from annobatch import domain
from annobatch.domain import (
    InvalidInput,
    NotFound,
    SceneStatus,
)
from annobatch.server.auth import Caller
from annobatch.server.scene_operations import (
    MAX_IDS,
    MAX_PAGE,
    EntryRow,
    Invalidated,
    SceneDetail,
    SceneOperations,
    decode_cursor,
    encode_cursor,
    parse_uuid,
    parse_uuids,
    to_json,
)
from annobatch.server.transactions import Write, fingerprint
from annobatch.storage.scenes import (
    InputFilter,
    InputRow,
    SceneRecord,
    SceneStore,
)
from annobatch.storage.store import Store


def for_app(state: Any) -> InputOperations:
    """The app's scene and input operations, made by `create_app`."""
    ops: InputOperations = state.scene_ops
    return ops


class InputOperations(SceneOperations):
    """Every scene and input operation: the creation flow (inherited) and what follows it."""

    # ---------------------------------------------------------------------------- reading

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
        async with self.db.transaction() as tx:
            store, ss = Store(tx), SceneStore(tx)
            f = InputFilter(
                scene_ids=tuple(parse_uuids("scene", scene_uuids)),
                external_ids=tuple(dict.fromkeys(external_ids)),
                include_invalidated=include_invalidated,
            )
            if project is not None:
                p = await self.load_project(store, caller, project)
                b = await self.load_batch(store, p, batch) if batch is not None else None
                f = replace(f, project_id=p.id, batch_id=b.id if b else None)
            rows = await ss.page_inputs(caller.org, f, after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (encode_cursor(rows[-1]) if more else None)

    async def with_types(self, rows: list[InputRow]) -> list[EntryRow]:
        async with self.db.transaction() as tx:
            types = await SceneStore(tx).batch_types([r.batch_id for r in rows])
        return [EntryRow(r, types.get(r.batch_id, [])) for r in rows]

    async def inputs_of_scenes(self, caller: Caller, scene_uuids: Sequence[str]) -> list[EntryRow]:
        """Every input of the given scenes (invalidated ones too); unknown scenes are skipped."""
        ids = parse_uuids("scene", scene_uuids)
        rows: list[InputRow] = []
        f = InputFilter(scene_ids=tuple(ids), include_invalidated=True)
        async with self.db.transaction() as tx:
            if ids:
                rows = await SceneStore(tx).page_inputs(caller.org, f, None, MAX_IDS * 10)
        return await self.with_types(rows)

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
        async with self.db.transaction() as tx:
            ss = SceneStore(tx)
            if ids:
                found = await ss.scenes_by(caller.org, ids=ids)
                missing = sorted(set(ids) - {s.id for s in found})
            else:
                found = await ss.scenes_by(caller.org, external_ids=list(dict.fromkeys(external_ids)))
                missing = sorted(set(external_ids) - {s.external_id for s in found})
        if missing:
            raise NotFound(f"no scene {', '.join(missing[:20])}", "scene-not-found")
        return found

    async def scene(self, caller: Caller, scene_id: str, include_invalidated: bool = False) -> SceneDetail:
        async with self.db.transaction() as tx:
            ss = SceneStore(tx)
            scene = await self._scene(ss, caller, scene_id)
            if SceneStatus(scene.status).is_invalidated and not include_invalidated:
                raise NotFound(f"scene {scene_id} is invalidated", "scene-not-found")
            return SceneDetail(scene, await ss.resources(scene.id))

    async def view(self, scene_id: str) -> SceneDetail | None:
        """Everything the view page shows of a scene. The scene's uuid is the permission."""
        try:
            scene_id = parse_uuid("scene", scene_id)
        except InvalidInput:
            return None
        async with self.db.transaction() as tx:
            ss = SceneStore(tx)
            scene = await ss.get_scene_any_org(scene_id)
            if scene is None:
                return None
            inputs = await ss.page_inputs(
                scene.organization_id,
                InputFilter(scene_ids=(scene_id,), include_invalidated=True),
                None,
                1000,
            )
            return SceneDetail(scene, await ss.resources(scene_id), inputs)

    # ---------------------------------------------------------------------------- changing

    async def create_input(
        self, caller: Caller, scene_id: str, project: str, batch: str | None, write: Write
    ) -> InputRow:
        """Place a created scene in (another) project or batch. Placing it where it already is
        answers the input it has there."""
        sid = parse_uuid("scene", scene_id)

        async def produce(store: Store) -> InputRow:
            ss = SceneStore(store.tx)
            scene = await self._scene(ss, caller, sid)
            domain.require_scene_accepts_inputs(sid, scene.status)
            p, batch_id = await self._placement(store, ss, caller, project, batch)
            existing = await ss.input_in_batch(sid, batch_id)
            rec = existing or await self._insert_input(
                store, ss, caller, p, batch_id, scene, SceneStatus.CREATED.value
            )
            return (await ss.input_rows(caller.org, [rec.id]))[0]

        fp = fingerprint("input", sid, project, batch)
        return await self.mutate(caller, write, fp, InputRow, produce)

    async def delete_input(self, caller: Caller, input_id: str, write: Write) -> None:
        """Take an input out of its batch; its scene stays."""
        iid = parse_uuid("input", input_id)

        async def produce(store: Store) -> bool:
            ss = SceneStore(store.tx)
            found = await ss.get_input(caller.org, iid)
            if found is None:
                raise NotFound(f"input {input_id} not found", "input-not-found")
            batch, status, _ = await ss.batch_by_id(found.batch_id)
            project = await ss.project_external_id(found.project_id)
            domain.require_input_removable(project, batch, status)
            await ss.delete_input(iid)
            data = to_json({"input": iid, "scene": found.scene_id})
            await store.add_event(
                caller.org, found.project_id, found.batch_id, "input.deleted", caller.email, data
            )
            return True

        await self.mutate(caller, write, fingerprint("delete-input", iid), bool, produce)

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

        async def produce(store: Store) -> Invalidated:
            ss = SceneStore(store.tx)
            found = {s.id: s for s in await ss.scenes_by(caller.org, ids=ids)}
            missing = [i for i in ids if i not in found]
            if missing:
                raise NotFound(f"no scene {', '.join(missing[:20])}", "scene-not-found")
            done = Invalidated(0, [])
            for sid in sorted(ids):  # one lock order for every caller: no deadlock between two
                scene = await self._scene(ss, caller, sid, lock=True)
                if SceneStatus(scene.status).is_invalidated:
                    continue
                domain.require_scene_move(sid, scene.status, target)
                await ss.set_scene_status(sid, target.value)
                for inp in await ss.inputs_of_scene(sid):
                    data = to_json({"input": inp.id, "scene": sid, "reason": reason})
                    await store.add_event(
                        caller.org, inp.project_id, inp.batch_id, "input.invalidated", caller.email, data
                    )
                await ss.set_inputs_status(sid, target.value)
                done.blobs.extend(r.blob_key for r in await ss.resources(sid) if r.blob_key)
                await ss.forget_blobs(sid)
                done = Invalidated(done.scenes + 1, done.blobs)
            return done

        fp = fingerprint("invalidate", ids, reason)
        result = await self.mutate(caller, write, fp, Invalidated, produce)
        if not write.dry_run:
            for key in result.blobs:
                await self.blobs.delete(key)
        return result.scenes
