"""Scale bench: scenes/s and upload MiB/s through haproxy with 1 and 2 replicas, with local blobs
and with S3 blobs (SeaweedFS), side by side in one run, all through the official client.

    .venv/bin/python bench/scale.py                       # PostgreSQL when reachable, else SQLite
    .venv/bin/python bench/scale.py --scenes 80 --big 16 --clients 4 --presigned

Each configuration is a fresh database, `--replicas`-many servers (granian, one worker each) behind
haproxy configured by `deploy/haproxy.cfg` on free loopback ports, the official client's six hosts
pointed at the balancer. Local blobs with two replicas share one data directory (one machine);
S3 blobs go to a SeaweedFS bucket started for the run, streamed through the servers (the
default), and with `--presigned` also straight to the bucket.

- scenes/s: `--scenes` cameras scenes of one small JPEG each (create, upload, commit), from
  `--clients` client processes (one official client each; the first two scenes per process warm
  up imports, tokens and connections and are not timed).
- upload MiB/s: `--big` scenes of one `--big-mib` MiB image each, from the same processes; the
  bytes of the files over the time to create, upload and commit them all.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing as mp
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from _common import scratch_postgres_database

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


def reachable(url: str) -> bool:
    import asyncpg

    async def go() -> None:
        conn = await asyncpg.connect(url, timeout=3)
        await conn.close()

    try:
        asyncio.run(go())
    except Exception:
        return False
    return True


@contextlib.contextmanager
def database(pg: str | None, work: Path) -> Iterator[str]:
    from annobatch.storage.migrate import upgrade

    if pg:
        with scratch_postgres_database(pg) as url:
            upgrade(url)
            yield url
    else:
        url = f"sqlite:///{work / 'annobatch.db'}"
        upgrade(url)
        yield url


def tenant(url: str) -> tuple[str, str]:
    """An organization with a credential, a project; answers the credential."""
    from annobatch.services import Services
    from annobatch.services.identity import operator
    from annobatch.storage.database import open_database

    async def go() -> tuple[str, str]:
        db = open_database(url)
        await db.connect()
        try:
            ops = Services.over(db)
            org, _ = await ops.accounts.create_organization("bench")
            cred = await ops.accounts.create_credential(org.id, workspace=None, staff=False)
            await ops.projects.create_project(operator(org.id), "p1", title="P1", annotation_types=["od"])
            return cred.record.client_id, cred.secret
        finally:
            await db.close()

    return asyncio.run(go())


_CLIENT: Any = None


def _create(job: tuple[str, tuple[str, str], str, int]) -> None:
    """In a client process: create one cameras scene of one image (one official client per process)."""
    global _CLIENT
    from kognic.io.model.scene import cameras as cam
    from kognic.io.model.scene.resources import Image

    from liveserver import six_host_client

    url, auth, path, n = job
    if _CLIENT is None:
        _CLIENT = six_host_client(url, auth)
    frame = cam.Frame(images=[Image(filename=path, sensor_name="CAM")])
    scene = cam.Cameras(external_id=f"s{n}-{Path(path).stem}", frame=frame)
    assert _CLIENT.cameras.create(scene, project="p1", batch="b1") is not None


def create_scenes(pool: ProcessPoolExecutor, url: str, auth: tuple[str, str], files: list[Path]) -> float:
    """Create one cameras scene per file from the pool's client processes; answers the seconds."""
    jobs = [(url, auth, str(p), n) for n, p in enumerate(files)]
    started = time.perf_counter()
    list(pool.map(_create, jobs))
    return time.perf_counter() - started


def files_of(work: Path, count: int, size: int, tag: str) -> list[Path]:
    folder = work / tag
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        p = folder / f"{tag}{n}.jpg"
        p.write_bytes(JPEG_HEAD + os.urandom(max(0, size - len(JPEG_HEAD))))
        paths.append(p)
    return paths


def measure(
    name: str, replicas: int, blob_env: dict[str, str], pg: str | None, args: argparse.Namespace, work: Path
) -> dict[str, Any]:
    from balancer import cluster
    from liveserver import six_host_client

    here = work / name.replace(" ", "-")
    here.mkdir(parents=True)
    with database(pg, here) as url:
        auth = tenant(url)
        with cluster(here / "cluster", url, blob_env, replicas=replicas) as c:
            six_host_client(c.url, auth).project.create_batch("p1", "b1")
            small = files_of(here, args.scenes, 40_000, "small")
            big = files_of(here, args.big, args.big_mib * 1024 * 1024, "big")
            with ProcessPoolExecutor(args.clients, mp_context=mp.get_context("fork")) as pool:
                create_scenes(pool, c.url, auth, small[: args.clients * 2])  # warm: imports, tokens
                small_s = create_scenes(pool, c.url, auth, small[args.clients * 2 :])
                big_s = create_scenes(pool, c.url, auth, big)
            failed = sum(n for status, n in c.statuses().items() if status >= 500)
    return {
        "name": name,
        "scenes_per_s": (len(small) - args.clients * 2) / small_s,
        "mib_per_s": args.big * args.big_mib / big_s,
        "failed": failed,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenes", type=int, default=80, help="small scenes per configuration (default 80)")
    ap.add_argument("--big", type=int, default=12, help="large scenes per configuration (default 12)")
    ap.add_argument("--big-mib", type=int, default=16, help="MiB of each large scene's image (default 16)")
    ap.add_argument("--clients", type=int, default=4, help="client processes (default 4)")
    ap.add_argument("--presigned", action="store_true", help="also S3 with presigned uploads")
    ap.add_argument("--no-postgres", action="store_true", help="SQLite, even if PostgreSQL is reachable")
    args = ap.parse_args()

    from balancer import haproxy_binary
    from s3_server import SHARED, _stop, start_s3

    if haproxy_binary() is None:
        sys.exit("haproxy is not installed (make install-test installs it as root)")
    pg = None if args.no_postgres else os.environ.get("ANNOBATCH_BENCH_DATABASE_URL", DEFAULT_PG)
    if pg and not reachable(pg):
        pg = None
    rows = []
    with tempfile.TemporaryDirectory(prefix="annobatch-scale-") as tmp:
        work = Path(tmp)
        s3 = start_s3(work / "seaweedfs")
        try:
            configs: list[tuple[str, int, dict[str, str]]] = []
            for replicas in (1, 2):
                shared = {"ANNOBATCH_DATA": str(work / f"local-{replicas}")}  # one directory for both
                configs.append((f"local blobs, {replicas} replica(s)", replicas, shared))
                configs.append((f"S3 blobs, {replicas} replica(s)", replicas, s3.blob_env(SHARED)))
                if args.presigned:
                    presigned = {**s3.blob_env(SHARED), "ANNOBATCH_S3_UPLOADS": "presigned"}
                    configs.append((f"S3 presigned, {replicas} replica(s)", replicas, presigned))
            for name, replicas, env in configs:
                rows.append(measure(name, replicas, env, pg, args, work))
                print(f"  {rows[-1]}", file=sys.stderr, flush=True)
        finally:
            _stop(s3.proc)
    backend = "PostgreSQL" if pg else "SQLite"
    small = args.scenes - args.clients * 2
    print(f"\ndatabase: {backend}; {args.clients} client processes; {small} small scenes (40 kB), ", end="")
    print(f"{args.big} large ({args.big_mib} MiB)\n")
    print("| configuration | scenes/s | upload MiB/s | 5xx through the balancer |")
    print("| --- | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['name']} | {r['scenes_per_s']:.1f} | {r['mib_per_s']:.1f} | {r['failed']} |")


if __name__ == "__main__":
    main()
