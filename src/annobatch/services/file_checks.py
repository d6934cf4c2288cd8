"""A look at a scene's stored files before the scene is `created`: the first bytes of images and
point clouds, the whole of an IMU file. No transaction is open while the blob store is read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from annobatch import domain
from annobatch.domain import ResourceKind
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
