"""Downloading a project's annotations to a directory: several at once, each file written whole
and then renamed into place, so that an interrupted run leaves no half file and a second run
skips what the first finished."""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from annobatch.client._errors import APIError
from annobatch.client._progress import Progress, wanted
from annobatch.client._requester import Requester
from annobatch.schemas import ProjectAnnotation


@dataclass(frozen=True)
class DownloadResult:
    """One annotation's file: `written`, `skipped` (already there, same delivery) or `failed`
    (`error` says why)."""

    scene_uuid: str
    path: Path
    status: Literal["written", "skipped", "failed"]
    error: str | None = None


def _stamp(a: ProjectAnnotation) -> int:
    return int(a.created.timestamp() * 1_000_000_000)


def _download_one(requester: Requester, a: ProjectAnnotation, to: Path, progress: Progress) -> DownloadResult:
    path = to / f"{a.input_uuid}.json"
    try:
        if path.exists() and path.stat().st_mtime_ns == _stamp(a):
            return DownloadResult(a.input_uuid, path, "skipped")
        part = path.with_name(path.name + ".part")
        content = requester.get_url(a.uri)
        part.write_bytes(content)
        os.utime(part, ns=(_stamp(a), _stamp(a)))
        part.replace(path)
        progress.advance(len(content))
        return DownloadResult(a.input_uuid, path, "written")
    except (APIError, OSError) as e:
        return DownloadResult(a.input_uuid, path, "failed", str(e))
    finally:
        progress.file_done()


def download_annotations(
    requester: Requester,
    annotations: Iterable[ProjectAnnotation],
    to: Path,
    workers: int,
    progress: bool | None,
) -> list[DownloadResult]:
    """Download each annotation's document to `to/<scene uuid>.json`, `workers` at a time."""
    to.mkdir(parents=True, exist_ok=True)
    results: list[DownloadResult] = []
    with Progress(wanted(progress), "downloading") as shown, ThreadPoolExecutor(max(1, workers)) as pool:
        futures = []
        for a in annotations:  # pages arrive lazily; downloads start while later pages load
            shown.expect(1, 0)
            futures.append(pool.submit(_download_one, requester, a, to, shown))
        results = [f.result() for f in futures]
    return results
