"""A look at a scene's stored files before the scene is `created`: the first bytes of images and
point clouds, the whole of an IMU file. No transaction is open while the blob store is read."""

from __future__ import annotations

import math
import struct
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from annobatch import domain
from annobatch.domain import ResourceKind
from annobatch.services.image_sizes import HEAD_BYTES as IMAGE_HEAD_BYTES
from annobatch.services.image_sizes import image_size
from annobatch.services.point_clouds import UnreadableCloud, read_points
from annobatch.storage.blobs import BlobStore


@dataclass(frozen=True, slots=True)
class StoredFile:
    kind: ResourceKind
    resource_id: str
    filename: str
    blob_key: str
    size: int


def frame_timestamps(spec_json: str | None) -> list[int | None]:
    """The unix timestamps of a stored scene description's frames (what IMU data must cover)."""
    spec: dict[str, Any] = msgspec.json.decode(spec_json) if spec_json else {}
    frames = spec.get("frames") or []
    return [f.get("unixTimestamp") for f in frames if isinstance(f, dict)]


async def inspect_files(
    blobs: BlobStore, files: Iterable[StoredFile], timestamps: Sequence[int | None]
) -> list[str]:
    """What is wrong with each file (empty: nothing)."""
    problems = []
    for f in files:
        whole = f.kind is ResourceKind.IMU
        try:
            content = await blobs.read(f.blob_key, domain.IMU_FILE_LIMIT + 1 if whole else 64)
        except FileNotFoundError:
            problems.append(f"file {f.resource_id} is missing from storage; upload it again")
            continue
        if whole:
            problem = domain.imu_file_problem(f.resource_id, content, timestamps)
        else:
            problem = domain.check_file_content(f.kind, f.resource_id, f.filename, content, f.size)
        if problem:
            problems.append(problem)
    return problems


#: A point cloud larger than this is not read whole by processing: its facts are not learnt.
MAX_FACTS_BYTES = 512 * 1024 * 1024


async def learn_facts(blobs: BlobStore, files: Iterable[tuple[int, StoredFile]]) -> dict[int, str]:
    """What the files say of themselves, by position (JSON): an image's width and height
    (`image_sizes`), a point cloud's number of points and its extent in x and y (`point_clouds`,
    every point read). Reads whole point clouds: a job's work (`scene_processing=job`), not a
    request's. A file it cannot read teaches nothing (the checks above judge it)."""
    facts: dict[int, str] = {}
    for position, f in files:
        found: dict[str, Any] | None = None
        try:
            if f.kind is ResourceKind.IMAGE:
                size = image_size(await blobs.read(f.blob_key, IMAGE_HEAD_BYTES))
                found = None if size is None else {"width": size[0], "height": size[1]}
            elif f.kind is ResourceKind.POINT_CLOUD and f.size <= MAX_FACTS_BYTES:
                found = _cloud_facts(f.filename, await blobs.read(f.blob_key))
        except FileNotFoundError:
            continue
        if found is not None:
            facts[position] = msgspec.json.encode(found).decode()
    return facts


def _cloud_facts(filename: str, data: bytes) -> dict[str, Any] | None:
    try:
        pts = read_points(filename, data, limit=sys.maxsize)
    except (UnreadableCloud, ValueError, IndexError, struct.error):
        return None
    finite = [(x, y) for x, y in zip(pts.xs, pts.ys, strict=True) if math.isfinite(x) and math.isfinite(y)]
    if not finite:
        return {"points": pts.total}
    xs, ys = [x for x, _ in finite], [y for _, y in finite]
    return {"points": pts.total, "extent": {"x": [min(xs), max(xs)], "y": [min(ys), max(ys)]}}
