"""One file after the other, how close a stored upload comes to the disk floor: the floor (a new
file written and fsynced), the local blob store's `put` in this process, and the signed-URL
`PUT /v1/uploads/<scene>/<position>` over HTTP, in MiB/s and as shares of the floor; beside them
a bare ASGI application on the same HTTP server, to show what the HTTP stack alone costs.

    .venv/bin/python bench/uploads_floor.py
    .venv/bin/python bench/uploads_floor.py --rounds 12 --files 20
    .venv/bin/python bench/uploads_floor.py --against /path/to/other/checkout/src   # old beside new

How it measures. The disk under a virtual machine changes pace within seconds (here a 1 MiB
write + fsync took ~0.7 ms at one moment and ~3 ms at another), so figures taken even a minute
apart cannot be compared. Every round takes `--files` files of each variant, one file of each
before the next of any, in a new random order every time (a fixed order would always put the same
variant after the floor, which removes its file: the discard of its blocks is paid by the next
fsync on the file system). A round's share of the floor is its own floor's time per file over the
variant's; the figures are medians over the rounds. The last column keeps only the rounds whose
floor was within 1.5x of the fastest round's: the disk's fast state, where fixed costs show most.

- floor: `disk_floor` of `compare.py`, one file: a new file in one directory, written in one
  call, flushed and fsynced.
- store put: `LocalBlobStore.put` of the file as 64 KiB chunks (the official client's size) under
  a new key of a new scene (a new directory), as an upload stores it: written, checksummed,
  fsynced, renamed, the directory fsynced.
- HTTP PUT: `annobatch serve` (granian, one worker, SQLite) on a free loopback port; for each file
  a one-image scene is created, the file is `PUT` to its signed URL by httpx over one kept-alive
  connection (only the PUT is timed, as `compare.py` times it), and the scene is committed.
- bare ASGI app (`_uploads_bare.py`, granian with one worker, the same client): the body read and
  thrown away; the body written to a new file and fsynced. No checksum, no rename, no database.

`--against SRC` measures another checkout's code beside this one in the same rounds: its
`annobatch/storage/blobs.py` loaded under another name in this process, and a second server run
with `PYTHONPATH=SRC`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import _compare_annobatch as ab
import httpx
from _common import free_port
from _compare_measure import disk_floor, machine, uptime
from inputs import jpeg_of_size

from annobatch.storage import blobs

BENCH_DIR = Path(__file__).resolve().parent
CHUNK = 64 * 1024
FAST = 1.5  # a round's floor within this factor of the fastest round's: the disk's fast state


@dataclass
class Variant:
    name: str
    one: Callable[[], float]  # stores one file; answers the seconds it took
    rounds: list[float] = field(default_factory=list)  # seconds per file, each round


def other_blobs(src: Path) -> ModuleType:
    """`annobatch/storage/blobs.py` of another checkout, as a module of its own name (it imports
    only the domain's errors and the storage errors, which both checkouts share)."""
    path = src / "annobatch" / "storage" / "blobs.py"
    spec = importlib.util.spec_from_file_location("other_blobs", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def store_put(name: str, module: Any, root: Path, payload: bytes, loop: asyncio.AbstractEventLoop) -> Variant:
    store = module.LocalBlobStore(root)
    chunks = [payload[i : i + CHUNK] for i in range(0, len(payload), CHUNK)]

    async def body() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    def one() -> float:
        key = f"scenes/{uuid.uuid4()}/0-{uuid.uuid4().hex}"
        start = time.perf_counter()
        loop.run_until_complete(store.put(key, body()))
        return time.perf_counter() - start

    return Variant(name, one)


@contextlib.contextmanager
def annobatch_put(
    name: str, data: Path, src: Path | None, c: httpx.Client, payload: bytes
) -> Iterator[Variant]:
    a = ab.Annobatch(name, data, 1)
    client = ab.prepare(a)
    with ab.serve(a, client, Path(sys.executable).parent, {"PYTHONPATH": str(src)} if src else None):
        for _ in range(5):  # warm-up: the first requests prepare statements and fill caches
            ab.upload_one(a, c, payload)
        yield Variant(name, lambda: ab.upload_one(a, c, payload)[0])


@contextlib.contextmanager
def bare_app(files: Path) -> Iterator[str]:
    """granian with one worker serving `_uploads_bare.py`; yields its base URL."""
    files.mkdir(parents=True)
    port = free_port()
    cmd = [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", "1", "--http", "1", "_uploads_bare:app"]
    env = {"BARE_UPLOADS_DIR": str(files), "PATH": str(Path(sys.executable).parent)}
    proc = subprocess.Popen(cmd, cwd=BENCH_DIR, env=env, start_new_session=True, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the bare ASGI app did not start")
            with contextlib.suppress(httpx.TransportError):
                httpx.put(f"{base}/discard", content=b"")
                break
            time.sleep(0.1)
        yield base
    finally:
        ab.stop_group(proc)


def bare_put(name: str, url: str, c: httpx.Client, payload: bytes) -> Variant:
    def one() -> float:
        start = time.perf_counter()
        c.put(url, content=payload, headers={"Content-Type": "image/jpeg"}).raise_for_status()
        return time.perf_counter() - start

    return Variant(name, one)


def measure(variants: list[Variant], rounds: int, files: int) -> None:
    for r in range(rounds):
        took = dict.fromkeys((v.name for v in variants), 0.0)
        for _ in range(files):
            for v in random.sample(variants, len(variants)):
                took[v.name] += v.one()
        for v in variants:
            v.rounds.append(took[v.name] / files)
        floor = variants[0].rounds[-1]
        cells = "  ".join(
            f"{v.name} {v.rounds[-1] * 1e3:.2f} ms ({floor / v.rounds[-1]:.0%})" for v in variants[1:]
        )
        print(f"round {r + 1}: floor {floor * 1e3:.2f} ms  {cells}", file=sys.stderr, flush=True)


def report(variants: list[Variant], size: int) -> None:
    floor = variants[0].rounds
    fast = [i for i, f in enumerate(floor) if f <= FAST * min(floor)]
    mib = size / 1024 / 1024
    head = f"{mib:g} MiB files one after the other, {len(floor)} rounds"
    print(f"| {head} | ms per file | MiB/s | of the floor | of the floor, fast rounds ({len(fast)}) |")
    print("|---|---:|---:|---:|---:|")
    for v in variants:
        shares = [f / t for f, t in zip(floor, v.rounds, strict=True)]
        ms = statistics.median(v.rounds) * 1e3
        fast_share = statistics.median([shares[i] for i in fast])
        share = statistics.median(shares)
        print(f"| {v.name} | {ms:.2f} | {mib / ms * 1e3:.0f} | {share:.0%} | {fast_share:.0%} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--rounds", type=int, default=10, help="rounds (default 10)")
    ap.add_argument("--files", type=int, default=20, help="files of each variant per round (default 20)")
    ap.add_argument("--size-kib", type=int, default=1024, help="file size (default 1024 KiB)")
    ap.add_argument("--no-http", action="store_true", help="the floor and the store only")
    ap.add_argument("--against", type=Path, help="another checkout's src directory, measured alongside")
    o = ap.parse_args()
    payload = jpeg_of_size(o.size_kib * 1024)
    print(f"Machine: {machine()}\nLoad before: {uptime()}\n")
    loop = asyncio.new_event_loop()
    with tempfile.TemporaryDirectory(prefix="uploads-floor-") as tmp, contextlib.ExitStack() as stack:
        root = Path(tmp)
        floor_dir = root / "floor"
        variants = [Variant("floor: write + fsync of a new file", lambda: disk_floor(floor_dir, payload, 1))]
        variants.append(store_put("store put (this code)", blobs, root / "store", payload, loop))
        if o.against:
            other = other_blobs(o.against)
            variants.append(store_put("store put (other code)", other, root / "other", payload, loop))
        if not o.no_http:
            c = stack.enter_context(httpx.Client(timeout=60))
            for name, src in [("HTTP PUT (this code)", None)] + [("HTTP PUT (other code)", o.against)] * bool(
                o.against
            ):
                variants.append(stack.enter_context(annobatch_put(name, root / name, src, c, payload)))
            base = stack.enter_context(bare_app(root / "bare"))
            variants.append(bare_put("bare ASGI app: body read, thrown away", f"{base}/discard", c, payload))
            variants.append(bare_put("bare ASGI app: body written + fsync", f"{base}/fsync", c, payload))
        measure(variants, o.rounds, o.files)
    loop.close()
    report(variants, len(payload))
    print(f"\nLoad after: {uptime()}")


if __name__ == "__main__":
    main()
