"""What the dashboard shows of a scene: its frames and sensors, its images' sizes, its calibration,
its inputs, the annotations delivered for it, and its point clouds seen from above.

Who may look: the scene's organization's clients (within their workspace, when their credential
is bound to one) and staff, and the workforce of the projects it has an input in. Anyone else is
told there is no such scene."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from annobatch.domain import InvalidInput, NotFound, ResourceKind
from annobatch.services.identity import Caller
from annobatch.services.image_sizes import HEAD_BYTES, image_size
from annobatch.services.lookups import parse_uuid
from annobatch.services.point_clouds import TopDown, UnreadableCloud, top_down
from annobatch.services.transactions import reading
from annobatch.storage.blobs import BlobStore
from annobatch.storage.database import Database
from annobatch.storage.records import AnnotationRecord, InputRecord, ResourceRecord, SceneRecord
from annobatch.storage.unit_of_work import UnitOfWork

#: A point cloud larger than this is not drawn (it would be read whole into memory).
MAX_CLOUD_BYTES = 128 * 1024 * 1024
#: How many drawn point clouds a process keeps.
CLOUD_CACHE = 32


@dataclass(frozen=True, slots=True)
class FrameView:
    """One frame of a scene: its OpenLABEL key ("0", "1" …), its id in a sequence, its files."""

    key: str
    frame_id: str | None
    relative_timestamp: int | None
    images: list[ResourceRecord]
    clouds: list[ResourceRecord]


@dataclass(frozen=True, slots=True)
class Box:
    """A 2D box of an OpenLABEL document, in image pixels, from its top-left corner."""

    frame: str
    stream: str | None
    object_id: str
    name: str
    cls: str
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True, slots=True)
class InputView:
    input: InputRecord
    project: str
    batch: str


@dataclass(frozen=True, slots=True)
class DeliveredAnnotation:
    version: AnnotationRecord
    boxes: list[Box]
    objects: int


@dataclass(frozen=True, slots=True)
class ScenePage:
    scene: SceneRecord
    resources: list[ResourceRecord]
    frames: list[FrameView]
    #: resource position → (width, height), for the shown frame's images whose header says
    image_sizes: dict[int, tuple[int, int]]
    calibration: dict[str, Any] | None
    calibration_external_id: str | None
    inputs: list[InputView]
    annotations: list[DeliveredAnnotation] = field(default_factory=list)


def frames_of(scene: SceneRecord, resources: Sequence[ResourceRecord]) -> list[FrameView]:
    """The scene's frames in order, each with its images and point clouds. A sequence's frames
    are those its description lists; a single-frame scene has one frame, "0"."""
    spec = msgspec.json.decode(scene.spec) if scene.spec else {}
    described = spec.get("frames") if isinstance(spec, Mapping) else None
    ids: list[str | None] = []
    stamps: dict[str | None, int | None] = {}
    for f in described if isinstance(described, list) else []:
        fid = f.get("frameId") if isinstance(f, Mapping) else None
        ids.append(fid)
        stamps[fid] = f.get("relativeTimestamp") if isinstance(f, Mapping) else None
    for r in resources:
        if r.frame_id not in ids:
            ids.append(r.frame_id)
    if not ids:
        ids = [None]
    frames = []
    for n, fid in enumerate(dict.fromkeys(ids)):
        mine = [r for r in resources if r.frame_id == fid]
        frames.append(
            FrameView(
                str(n),
                fid,
                stamps.get(fid),
                [r for r in mine if r.kind == ResourceKind.IMAGE],
                [r for r in mine if r.kind == ResourceKind.POINT_CLOUD],
            )
        )
    return frames


def boxes_of(document: object) -> list[Box]:
    """Every 2D box (`bbox`, centre and size) of an OpenLABEL document, with its object's class;
    the stream is the box's `stream` or its `stream` text attribute."""
    ol = _mapping(document.get("openlabel") if isinstance(document, Mapping) else None)
    objects, frames = _mapping(ol.get("objects")), _mapping(ol.get("frames"))
    found = []
    for key, frame in frames.items():
        for uid, o in _mapping(_mapping(frame).get("objects")).items():
            boxes = _mapping(_mapping(o).get("object_data")).get("bbox")
            meta = _mapping(objects.get(uid))
            for bbox in boxes if isinstance(boxes, list) else ():
                box = _box(str(key), str(uid), meta, bbox)
                if box is not None:
                    found.append(box)
    return found


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _box(frame: str, uid: str, meta: Mapping[str, Any], bbox: object) -> Box | None:
    if not isinstance(bbox, Mapping):
        return None
    val = bbox.get("val")
    if not isinstance(val, list) or len(val) != 4 or not all(isinstance(v, int | float) for v in val):
        return None
    cx, cy, w, h = (float(v) for v in val)
    return Box(
        frame, _stream(bbox), uid, str(meta.get("name", uid)), str(meta.get("type", "")),
        cx - w / 2, cy - h / 2, w, h,
    )  # fmt: skip


def _stream(bbox: Mapping[str, Any]) -> str | None:
    if isinstance(bbox.get("stream"), str):
        return str(bbox["stream"])
    attributes = bbox.get("attributes")
    texts = attributes.get("text") if isinstance(attributes, Mapping) else None
    for a in texts if isinstance(texts, list) else ():
        if isinstance(a, Mapping) and a.get("name") == "stream" and isinstance(a.get("val"), str):
            return str(a["val"])
    return None


async def visible_scene(uow: UnitOfWork, caller: Caller, scene_id: str) -> SceneRecord:
    """The scene, if the caller may see it (see the module's docstring); NotFound otherwise."""
    try:
        sid = parse_uuid("scene", scene_id)
    except InvalidInput:
        raise NotFound(f"scene {scene_id} not found", "scene-not-found") from None
    scene = await uow.scenes.get(caller.scope, sid)
    if scene is None or (
        caller.is_workforce and not await uow.workforce.member_of_scene(caller.org, caller.user_id, sid)
    ):
        raise NotFound(f"scene {scene_id} not found", "scene-not-found")
    return scene


class SceneViewService:
    """The scene page's facts, and point clouds drawn from above (the last few kept)."""

    def __init__(self, db: Database, blobs: BlobStore) -> None:
        self.db, self.blobs = db, blobs
        self._clouds: OrderedDict[tuple[str, int], TopDown] = OrderedDict()

    async def page(self, caller: Caller, scene_id: str, frame: int = 0) -> ScenePage:
        """Everything the scene page shows (NotFound for a scene the caller may not see); the
        sizes of the images of frame `frame` (from 0; clamped to the scene's frames)."""
        async with reading(self.db) as uow:
            scene = await visible_scene(uow, caller, scene_id)
            resources = await uow.scenes.resources(scene.id)
            calibration = None
            if scene.calibration_id is not None:
                calibration = await uow.calibrations.get(caller.scope, scene.calibration_id)
            inputs, versions = await self._inputs(uow, caller, scene.id)
        annotations = []
        for v in versions:
            document = msgspec.json.decode(await self.blobs.read(v.blob_key))
            objects = (document.get("openlabel") or {}).get("objects") or {}
            annotations.append(DeliveredAnnotation(v, boxes_of(document), len(objects)))
        frames = frames_of(scene, resources)
        shown = frames[max(0, min(frame, len(frames) - 1))]
        return ScenePage(
            scene=scene,
            resources=resources,
            frames=frames,
            image_sizes=await self.image_sizes(shown.images),
            calibration=None if calibration is None else msgspec.json.decode(calibration.calibration),
            calibration_external_id=None if calibration is None else calibration.external_id,
            inputs=inputs,
            annotations=annotations,
        )

    @staticmethod
    async def _inputs(
        uow: UnitOfWork, caller: Caller, scene_id: str
    ) -> tuple[list[InputView], list[AnnotationRecord]]:
        """The scene's inputs the caller may see, and their current delivered annotations."""
        inputs: list[InputView] = []
        versions: list[AnnotationRecord] = []
        mine = set(await uow.workforce.projects_of(caller.user_id)) if caller.is_workforce else None
        for inp in await uow.inputs.of_scene(scene_id):
            if inp.organization_id != caller.org or (mine is not None and inp.project_id not in mine):
                continue
            project = await uow.projects.by_id(inp.project_id)
            batch = await uow.batches.record(inp.batch_id)
            inputs.append(InputView(inp, project.external_id, batch.external_id))
            current = await uow.annotation_versions.current(inp.id)
            versions.extend(v for _, v in sorted(current.items()))
        return inputs, versions

    async def image_sizes(self, resources: Sequence[ResourceRecord]) -> dict[int, tuple[int, int]]:
        """Each stored image's size, from its first bytes (one read each: ask only for those
        shown)."""
        sizes = {}
        for r in resources:
            if r.kind != ResourceKind.IMAGE or r.blob_key is None:
                continue
            try:
                size = image_size(await self.blobs.read(r.blob_key, HEAD_BYTES))
            except FileNotFoundError:
                continue
            if size is not None:
                sizes[r.position] = size
        return sizes

    async def image(self, caller: Caller, scene_id: str, position: int) -> ResourceRecord:
        """A stored image of a scene the caller may see (NotFound otherwise): the pages show
        images through the session, which outlives any signed download URL."""
        async with reading(self.db) as uow:
            scene = await visible_scene(uow, caller, scene_id)
            r = await uow.scenes.resource(scene.id, position)
        if (
            r is None
            or r.kind != ResourceKind.IMAGE
            or r.blob_key is None
            or not await self.blobs.exists(r.blob_key)
        ):
            raise NotFound(f"scene {scene_id} has no image {position}", "file-not-found")
        return r

    async def point_cloud(self, caller: Caller, scene_id: str, position: int) -> TopDown:
        """A point cloud of the scene drawn from above (NotFound for what the caller may not see
        or what is not a stored point cloud; InvalidInput for a file that cannot be drawn)."""
        async with reading(self.db) as uow:
            scene = await visible_scene(uow, caller, scene_id)
            r = await uow.scenes.resource(scene.id, position)
        if r is None or r.kind != ResourceKind.POINT_CLOUD or r.blob_key is None:
            raise NotFound(f"scene {scene_id} has no point cloud {position}", "file-not-found")
        cached = self._clouds.get((scene.id, position))
        if cached is not None:
            self._clouds.move_to_end((scene.id, position))
            return cached
        if (r.size or 0) > MAX_CLOUD_BYTES:
            raise InvalidInput(f"point cloud {r.resource_id} is too large to draw here", "cloud-too-large")
        try:
            data = await self.blobs.read(r.blob_key)
        except FileNotFoundError:
            raise NotFound(f"scene {scene_id} has no point cloud {position}", "file-not-found") from None
        try:
            drawn = await asyncio.to_thread(top_down, r.filename, data)
        except UnreadableCloud as e:
            raise InvalidInput(f"point cloud {r.resource_id}: {e}", "cloud-unreadable") from None
        self._clouds[(scene.id, position)] = drawn
        while len(self._clouds) > CLOUD_CACHE:
            self._clouds.popitem(last=False)
        return drawn
