"""Scenes that cannot be committed as they are: a pending scene can be retargeted (given another
project or batch) or abandoned (its files removed, no input ever); and the sweep abandons the
pending scenes that no one touched for longer than the retention, what clients that never commit
leave behind.

Why a scene gets stuck: its create named a batch that was published before the commit, or its
project stopped accepting work, or (no batch named) its project has no open batch, or several.
The commit's refusal says so and names these ways out.
"""

from __future__ import annotations

from dataclasses import dataclass

from annobatch import domain
from annobatch.domain import SceneStatus
from annobatch.services.blob_deletions import finish_deletions
from annobatch.services.identity import Caller
from annobatch.services.lookups import load_scene, parse_uuid
from annobatch.services.placement import place_input
from annobatch.services.transactions import Write, fingerprint, run_write, transact
from annobatch.storage.blobs import BlobStore
from annobatch.storage.database import Database
from annobatch.storage.records import SceneRecord, now_micros
from annobatch.storage.unit_of_work import UnitOfWork

#: How many stale scenes one transaction of the sweep abandons.
SWEEP_CHUNK = 100


@dataclass(frozen=True, slots=True)
class Abandoned:
    scene: SceneRecord
    #: the blobs to delete once the transaction committed
    blobs: list[str]


class SceneRecoveryService:
    """Retarget or abandon a pending scene; sweep the stale ones."""

    def __init__(self, db: Database, blobs: BlobStore) -> None:
        self.db = db
        self.blobs = blobs

    async def retarget(
        self, caller: Caller, scene_id: str, project: str, batch: str | None, write: Write
    ) -> SceneRecord:
        """Send a pending scene's input to another project or batch. The target is checked now,
        as a create's is; with no batch named, the batch is chosen again at commit."""
        sid = parse_uuid("scene", scene_id)

        async def produce(uow: UnitOfWork) -> SceneRecord:
            seen = await load_scene(uow, caller, sid)
            domain.require_scene_retargetable(sid, seen.status)
            # The lock order: the new project and its batches, then the scene.
            p, batch_id, _ = await place_input(uow, caller, project, batch)
            scene = await load_scene(uow, caller, sid, lock=True)
            domain.require_scene_retargetable(sid, scene.status)
            await uow.scenes.set_placement(sid, p.id, batch_id, batch is not None)
            return await load_scene(uow, caller, sid)

        fp = fingerprint("retarget", sid, project, batch)
        return await run_write(self.db, caller, write, fp, SceneRecord, produce)

    async def abandon(self, caller: Caller, scene_id: str, write: Write) -> SceneRecord:
        """Give up on a pending scene: its uploaded files are removed and it never gets an input.
        Abandoning an abandoned scene changes nothing."""
        sid = parse_uuid("scene", scene_id)

        async def produce(uow: UnitOfWork) -> Abandoned:
            scene = await load_scene(uow, caller, sid, lock=True)
            if not domain.abandon_needed(sid, scene.status):
                return Abandoned(scene, [])
            blobs = await _abandon(uow, scene, f"by {caller.email}")
            return Abandoned(await load_scene(uow, caller, sid), blobs)

        result = await run_write(self.db, caller, write, fingerprint("abandon", sid), Abandoned, produce)
        if not write.dry_run:
            await self._delete(result.blobs)
        return result.scene

    async def sweep_stale_scenes(
        self, retention_seconds: int, *, now: int | None = None, chunk: int = SWEEP_CHUNK
    ) -> int:
        """Abandon every pending scene, of any organization, that has not changed (no upload, no
        retarget) for longer than `retention_seconds`, removing its files; a few at a time, each
        few in a transaction of their own. Answers how many were abandoned."""
        retention = retention_seconds * 1_000_000
        at = now_micros() if now is None else now
        why = f"not committed within {_span(retention_seconds)}"

        async def produce(uow: UnitOfWork) -> tuple[int, int, list[str]]:
            found = await uow.scenes.stale(SceneStatus.PENDING.value, at - retention, chunk)
            done, blobs = 0, []
            for sid in found:  # in id order: the lock order
                scene = await uow.scenes.get_any_org(sid, lock=True)
                if scene is None or not domain.is_stale_pending(scene.status, scene.updated, at, retention):
                    continue  # committed, retargeted or uploaded to meanwhile
                blobs += await _abandon(uow, scene, why)
                done += 1
            return len(found), done, blobs

        total = 0
        while True:
            found, done, blobs = await transact(self.db, produce)
            await self._delete(blobs)
            total += done
            if found < chunk or done == 0:
                return total

    async def _delete(self, blobs: list[str]) -> None:
        await finish_deletions(self.db, self.blobs, blobs)


async def _abandon(uow: UnitOfWork, scene: SceneRecord, why: str) -> list[str]:
    """Mark a locked pending scene abandoned and unlink its files, their deletion recorded in the
    transaction (done after its commit, or by the blob sweep after a crash); answers their blobs."""
    domain.require_scene_move(scene.id, scene.status, SceneStatus.ABANDONED)
    blobs = [r.blob_key for r in await uow.scenes.resources(scene.id) if r.blob_key]
    await uow.scenes.forget_blobs(scene.id)
    await uow.blob_deletions.record(blobs, now_micros())
    await uow.scenes.set_status(scene.id, SceneStatus.ABANDONED.value, domain.abandoned_message(why))
    return blobs


def _span(seconds: int) -> str:
    days, rest = divmod(seconds, 86_400)
    if days and not rest:
        return f"{days} day{'s' if days > 1 else ''}"
    return f"{seconds} s"
