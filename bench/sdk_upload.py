"""SDK benchmark: `client.create_scenes` with 1, 4 and 8 workers beside the official client
creating the same scenes one by one; annotations downloaded per second (`client.annotation.download`
beside the official `get_project_annotations`); and the SDK's memory while it uploads a 1 GiB file.
One run against one local granian server (SQLite), one printed table.

    .venv/bin/python bench/sdk_upload.py
    .venv/bin/python bench/sdk_upload.py --scenes 8 --images 2 --image-mib 1 --annotations 500 --big-mib 256

Every scene is a `cameras` scene of `--images` real JPEGs of `--image-mib` MiB each, its own files
on disk (written before the clock starts), created into its own batch per run so that the runs
do not skip each other's external ids. The server is granian with one worker, the app the way
`annobatch serve` runs it. The memory figure is measured in a child process (peak RSS from
`resource.getrusage`, and the peak of Python allocations from `tracemalloc` during the create).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from inputs import jpeg_of_size, machine, server
from work import TYPE, Backend, seed, services

MIB = 1024 * 1024
BATCHES = ("sdk-1", "sdk-4", "sdk-8", "official")


def prepare(b: Backend) -> None:
    """Schema; organization `bench` with a client credential; project `up` with a batch per run,
    and project `dl` with one batch for the delivered annotations."""
    from annobatch.services.identity import operator
    from annobatch.storage.migrate import upgrade

    upgrade(b.url)

    async def go() -> None:
        async with services(b) as ops:
            org, ws = await ops.accounts.create_organization("bench")
            cred = await ops.accounts.create_credential(org.id, workspace=None, staff=False)
            b.org, b.workspace, b.client_id, b.secret = org.id, ws.id, cred.record.client_id, cred.secret
            staff = operator(org.id)
            await ops.projects.create_project(staff, "up", title="Uploads", annotation_types=[TYPE])
            for batch in BATCHES:
                await ops.batches.create_batch(staff, "up", batch)
            await ops.projects.create_project(staff, "dl", title="Downloads", annotation_types=[TYPE])
            await ops.batches.create_batch(staff, "dl", "b1")

    asyncio.run(go())


def seed_annotations(b: Backend, count: int) -> None:
    async def go() -> None:
        async with services(b) as ops:
            await seed(b, ops, "dl", count, delivered=True)

    asyncio.run(go())


def write_images(root: Path, scenes: int, images: int, size: int) -> dict[str, list[list[str]]]:
    """Files for every run: run → scene → its image paths."""
    data = jpeg_of_size(size)
    files: dict[str, list[list[str]]] = {}
    for run in BATCHES:
        files[run] = []
        for s in range(scenes):
            paths = []
            for i in range(images):
                path = root / run / f"s{s}-cam{i}.jpg"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                paths.append(str(path))
            files[run].append(paths)
    return files


def scenes_of(prefix: str, run: str, files: list[list[str]]) -> list[Any]:
    """The run's scenes built with the models under `prefix` (`annobatch` or `kognic.io`)."""
    import importlib

    cam = importlib.import_module(f"{prefix}.model.scene.cameras")
    res = importlib.import_module(f"{prefix}.model.scene.resources")
    return [
        cam.Cameras(
            external_id=f"{run}-{s}",
            frame=cam.Frame(
                images=[res.Image(filename=p, sensor_name=f"CAM{i}") for i, p in enumerate(paths)]
            ),
        )
        for s, paths in enumerate(files)
    ]


def sdk_client(base: str, b: Backend, **kw: Any) -> Any:
    from annobatch import Client

    return Client(base, (b.client_id, b.secret), progress=False, resume_dir=False, **kw)


def official_client(base: str, b: Backend) -> Any:
    from kognic.io.client import KognicIOClient

    return KognicIOClient(
        auth=(b.client_id, b.secret), host=base, auth_host=base, workspace_api_host=base,
        order_execution_api_host=base, annotation_integration_api_host=base,
        project_management_api_host=base,
    )  # fmt: skip


def run_sdk(base: str, b: Backend, run: str, workers: int, files: list[list[str]]) -> float:
    client = sdk_client(base, b)
    scenes = scenes_of("annobatch", run, files)
    client.project.get_projects()  # the token, before the clock
    start = time.perf_counter()
    results = list(client.create_scenes(scenes, project="up", batch=run, workers=workers))
    elapsed = time.perf_counter() - start
    bad = [r for r in results if r.status != "created"]
    if bad:
        raise RuntimeError(f"{run}: {bad[0]}")
    client.close()
    return elapsed


def run_official(base: str, b: Backend, files: list[list[str]]) -> float:
    client = official_client(base, b)
    scenes = scenes_of("kognic.io", "official", files)
    start = time.perf_counter()
    for scene in scenes:
        client.cameras.create(scene, project="up", batch="official")
    return time.perf_counter() - start


def downloads(base: str, b: Backend, root: Path, count: int, sample: int) -> tuple[float, float]:
    """Annotations/s: the SDK's download of all `count` to a directory (8 at once); the official
    client's `get_project_annotations` with content, over its first `sample` (it is slow)."""
    client = sdk_client(base, b)
    client.project.get_projects()
    start = time.perf_counter()
    results = client.annotation.download("dl", TYPE, to=root / "annotations", workers=8)
    ours = time.perf_counter() - start
    if len(results) != count or any(r.status != "written" for r in results):
        raise RuntimeError(
            f"download: {len(results)} results, {[r for r in results if r.status != 'written'][:1]}"
        )
    official = official_client(base, b)
    start = time.perf_counter()
    got = sum(1 for _ in itertools.islice(official.annotation.get_project_annotations("dl", TYPE), sample))
    theirs = time.perf_counter() - start
    if got != min(sample, count):
        raise RuntimeError(f"official: {got} annotations, expected {min(sample, count)}")
    return count / ours, got / theirs


def _memory_child(base: str, client_id: str, secret: str, path: str) -> None:
    """In a child process: create one scene of the big file; print peak RSS before and after, and
    the peak of Python allocations during the create."""
    import tracemalloc

    from annobatch import Client
    from annobatch.model.scene import cameras as cam
    from annobatch.model.scene.resources import Image

    client = Client(base, (client_id, secret), progress=False, resume_dir=False)
    client.project.get_projects()
    scene = cam.Cameras(external_id="big", frame=cam.Frame(images=[Image(filename=path)]))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    start = time.perf_counter()
    made = client.cameras.create(scene, project="up", batch="sdk-1")
    elapsed = time.perf_counter() - start
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"before_kib": before, "after_kib": after, "traced_peak": traced_peak,
                      "seconds": elapsed, "scene": made.scene_uuid if made else None}))  # fmt: skip


def memory(base: str, b: Backend, root: Path, mib: int) -> dict[str, Any]:
    path = root / "big.jpg"
    with path.open("wb") as f:  # a JPEG head, then zeros: the server checks the head only
        f.write(jpeg_of_size(64 * 1024))
        f.truncate(mib * MIB)
    code = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import sdk_upload; "
        f"sdk_upload._memory_child({base!r}, {b.client_id!r}, {b.secret!r}, {str(path)!r})"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    found: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    path.unlink()
    return found


def table(rows: list[tuple[str, float, float]], size_mib: float, per_second: tuple[float, float],
          mem: dict[str, Any], big_mib: int, args: argparse.Namespace) -> str:  # fmt: skip
    scenes = args.scenes
    lines = [
        f"{scenes} cameras scenes of {args.images} x {args.image_mib} MiB JPEGs per run "
        f"({size_mib:.0f} MiB), SQLite, {machine()}",
        "",
        "| client | workers | scenes/s | MiB/s | seconds |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, seconds, workers in rows:
        lines.append(
            f"| {name} | {workers:g} | {scenes / seconds:.1f} | {size_mib / seconds:.1f} | {seconds:.2f} |"
        )
    ours, theirs = per_second
    lines += [
        "",
        "| annotations downloaded | per second |",
        "| --- | ---: |",
        f"| SDK `annotation.download(..., workers=8)` to a directory | {ours:.0f} |",
        f"| official `get_project_annotations` (with content; first {args.official_sample}) | {theirs:.1f} |",
        "",
        f"Uploading one {big_mib} MiB file with the SDK ({big_mib / mem['seconds']:.0f} MiB/s): peak RSS "
        f"{mem['before_kib'] / 1024:.0f} MiB before the create, {mem['after_kib'] / 1024:.0f} MiB after; "
        f"peak Python allocations during the create {mem['traced_peak'] / MIB:.1f} MiB.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenes", type=int, default=16)
    p.add_argument("--images", type=int, default=4)
    p.add_argument("--image-mib", type=float, default=1.0)
    p.add_argument("--annotations", type=int, default=2000)
    p.add_argument("--official-sample", type=int, default=200, help="annotations the official client fetches")
    p.add_argument("--big-mib", type=int, default=1024)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="annobatch-sdk-bench-") as tmp:
        root = Path(tmp)
        b = Backend("SQLite", f"sqlite:///{root / 'annobatch.db'}", root / "data")
        b.data_dir.mkdir(parents=True)
        prepare(b)
        seed_annotations(b, args.annotations)
        files = write_images(root / "files", args.scenes, args.images, int(args.image_mib * MIB))
        size_mib = args.scenes * args.images * args.image_mib
        with server(b.url, b.data_dir) as (base, _pid):
            rows = []
            for workers in (1, 4, 8):
                seconds = run_sdk(base, b, f"sdk-{workers}", workers, files[f"sdk-{workers}"])
                rows.append(("annobatch SDK `create_scenes`", seconds, workers))
                print(f"sdk workers={workers}: {seconds:.2f} s", file=sys.stderr)
            seconds = run_official(base, b, files["official"])
            rows.append(("kognic-io 2.19.0, `cameras.create` in a loop", seconds, 1))
            print(f"official: {seconds:.2f} s", file=sys.stderr)
            per_second = downloads(base, b, root, args.annotations, args.official_sample)
            mem = memory(base, b, root, args.big_mib)
    print(table(rows, size_mib, per_second, mem, args.big_mib, args))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
