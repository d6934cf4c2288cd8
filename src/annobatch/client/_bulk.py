"""Creating many scenes: `client.create_scenes(scenes, workers=N)`.

Each scene is created by one of `workers` threads (its files go through the client's shared
upload pool), and yields one result: created, failed (with the reason; the others go on), or
skipped because a scene with its external id is already there. At most a few scenes per worker
are read ahead of the work, so an endless iterable is fine.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Literal

from annobatch.client._creation import SceneCreator
from annobatch.client._errors import APIError, NotFound
from annobatch.client._progress import Progress
from annobatch.client.resources.scene import SceneResource
from annobatch.model.scene.abstract.base_scene import BaseScene
from annobatch.model.scene.resources.resource import MissingFileError

#: A scene with the same external id in one of these statuses is already there.
PRESENT = frozenset({"created", "processing", "indexed"})


@dataclass(frozen=True)
class SceneResult:
    """What became of one scene of a `create_scenes` run: `status` is `created`, `failed`
    (`message` says why) or `skipped` (a scene with its external id was already there;
    `scene_uuid` names it). `index` is the scene's position in the input."""

    index: int
    external_id: str
    status: Literal["created", "failed", "skipped"]
    scene_uuid: str | None = None
    input_uuid: str | None = None
    message: str | None = None


def _present(scenes: SceneResource, external_id: str) -> str | None:
    try:
        found = scenes.get_scenes_by_external_ids([external_id])
    except NotFound:
        return None
    return next((s.uuid for s in found if s.status in PRESENT), None)


def _one(
    creator: SceneCreator,
    scenes: SceneResource,
    index: int,
    scene: BaseScene,
    project: str | None,
    batch: str | None,
    dryrun: bool,
    progress: Progress,
) -> SceneResult:
    try:
        return _create_one(creator, scenes, index, scene, project, batch, dryrun, progress)
    finally:
        progress.scene_done()


def _create_one(
    creator: SceneCreator,
    scenes: SceneResource,
    index: int,
    scene: BaseScene,
    project: str | None,
    batch: str | None,
    dryrun: bool,
    progress: Progress,
) -> SceneResult:
    ext = getattr(scene, "external_id", "")
    try:
        if not isinstance(scene, BaseScene) or not scene.scene_path:
            raise ValueError(f"{type(scene).__name__} is not a scene model of annobatch.model.scene")
        existing = _present(scenes, ext)
        if existing is not None:
            return SceneResult(
                index, ext, "skipped", existing, message="a scene with this external id exists"
            )
        created = creator.create(scene, project, batch, dryrun, None, progress)
    except (APIError, MissingFileError, ValueError, OSError) as e:
        return SceneResult(index, ext, "failed", message=str(e))
    except Exception as e:  # anything else fails this scene alone, named, not the run
        return SceneResult(index, ext, "failed", message=f"{type(e).__name__}: {e}")
    if created is None:
        return SceneResult(index, ext, "created", message="dry run: nothing was created")
    uuid, input_uuid = created.response.scene_uuid, created.response.request_input_uuid
    if created.status == "failed":
        return SceneResult(
            index, ext, "failed", uuid, input_uuid, created.error_message or "the scene failed"
        )
    return SceneResult(index, ext, "created", uuid, input_uuid)


def create_scenes(
    creator: SceneCreator,
    scenes_api: SceneResource,
    scenes: Iterable[BaseScene],
    project: str | None,
    batch: str | None,
    workers: int,
    dryrun: bool,
    progress: Progress,
) -> Iterator[SceneResult]:
    """Results in the order the scenes finish."""
    ahead = max(1, workers) * 2
    pool = ThreadPoolExecutor(max(1, workers), thread_name_prefix="annobatch-scene")
    try:
        running: set[Future[SceneResult]] = set()
        for index, scene in enumerate(scenes):
            progress.scene_started()
            running.add(
                pool.submit(_one, creator, scenes_api, index, scene, project, batch, dryrun, progress)
            )
            if len(running) >= ahead:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                yield from (f.result() for f in done)
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            yield from (f.result() for f in done)
    finally:
        # Stopped early (Ctrl-C, or the caller stopped reading): scenes not begun never begin;
        # those under way finish their current step, and a later run resumes them.
        pool.shutdown(wait=False, cancel_futures=True)
