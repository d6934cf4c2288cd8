"""Inputs benchmark: scene creation end to end through the official client, upload throughput
beside a plain write of the same bytes, and `v2/inputs/query` page latency for a batch of 10,000
and of 1,000,000 inputs. One run prints one side-by-side table, and stops by itself.

    .venv/bin/python bench/inputs.py                  # SQLite, and PostgreSQL when reachable
    .venv/bin/python bench/inputs.py --scenes 20 --big 100000 --no-postgres

PostgreSQL: `ANNOBATCH_BENCH_DATABASE_URL` (default postgresql://postgres@127.0.0.1:5432/test) names a
server to connect to; the bench creates a database of its own there and drops it afterwards.

Every server is granian with one worker on a free loopback port, the app the way `annobatch serve`
runs it. Scenes are created by the unmodified `kognic-io` client (initialize, create, a chunked
upload of a 1 MiB JPEG, commit); the clients are built before the clock starts. The large batches
are seeded with one SQL statement per table; pages are then asked for at random cursors across the
batch (deep pages as well as the first), the two batches in turns.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing as mp
import os
import platform
import random
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _common import free_port, scratch_postgres_database

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
UPLOAD_MIB = 256
PAGE_SAMPLES = 200


# ========================================================================================= files


def jpeg_of_size(size: int) -> bytes:
    """A real baseline JPEG (8x8, grey) made `size` bytes long with comment segments, as camera
    images carry metadata: decoders skip them, the bytes are real."""

    def seg(marker: int, payload: bytes) -> bytes:
        return struct.pack(">HH", 0xFF00 | marker, len(payload) + 2) + payload

    quant = bytes([16] * 64)
    dc = bytes([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]) + bytes(range(12))
    ac = bytes([0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D]) + bytes.fromhex(
        "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a"
        "25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a"
        "838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9ca"
        "d2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa"
    )
    head = b"\xff\xd8" + seg(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    tail = b"".join([
        seg(0xDB, b"\x00" + quant), seg(0xC0, b"\x08" + struct.pack(">HH", 8, 8) + b"\x01\x01\x11\x00"),
        seg(0xC4, b"\x00" + dc), seg(0xC4, b"\x10" + ac), seg(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
        b"\x2b\xff\xd9",
    ])  # fmt: skip
    rng = random.Random(7)
    comments = []
    left = size - len(head) - len(tail)
    while left > 4:
        n = min(65533, left - 4)
        comments.append(seg(0xFE, rng.randbytes(n).replace(b"\xff", b"\x00")))
        left -= n + 4
    return head + b"".join(comments) + tail + b"\x00" * left  # (at most 4 bytes after the end marker)


# ======================================================================================= servers


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process and its children (the granian workers), from /proc (Linux)."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        total = 0.0
        for p in [pid, *map(int, children)]:
            fields = Path(f"/proc/{p}/stat").read_text().rpartition(")")[2].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        return total
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def server(url: str, data_dir: Path) -> Iterator[tuple[str, int]]:
    """The annobatch app on granian, one worker, on a free loopback port."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ANNOBATCH_DATA": str(data_dir),
        "ANNOBATCH_DATABASE_URL": url,
        "ANNOBATCH_PUBLIC_URL": base,
    }
    cmd = [
        sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--no-ws",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "annobatch.server.app:from_env",
    ]  # fmt: skip
    log = data_dir / "server.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start; see {log}")
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# ====================================================================================== backends


@dataclass
class Backend:
    name: str
    url: str
    data_dir: Path
    client_id: str = ""
    secret: str = ""
    org: int = 0
    workspace: str = ""
    results: dict[str, str] = field(default_factory=dict)


@contextlib.contextmanager
def sqlite_backend(root: Path) -> Iterator[Backend]:
    data = root / "sqlite"
    yield Backend("SQLite", f"sqlite:///{data / 'annobatch.db'}", data)


@contextlib.contextmanager
def postgres_backend(root: Path, admin_url: str) -> Iterator[Backend]:
    with scratch_postgres_database(admin_url) as url:
        yield Backend("PostgreSQL", url, root / "pg")


def postgres_reachable(url: str) -> bool:
    import asyncpg

    async def probe() -> None:
        conn = await asyncpg.connect(url, timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
    except Exception:
        return False
    return True


def prepare(b: Backend) -> None:
    """Schema, one organization with a client credential, a project `p1` with an open batch `e2e`
    for the end-to-end scenes and open batches `b10k` and `b1m` for the seeded inputs."""
    from annobatch.services import Services
    from annobatch.services.identity import operator
    from annobatch.storage.database import open_database
    from annobatch.storage.migrate import upgrade

    upgrade(b.url)

    async def go() -> None:
        db = open_database(b.url)
        await db.connect()
        try:
            ops = Services.over(db)
            org, ws = await ops.accounts.create_organization("bench")
            cred = await ops.accounts.create_credential(org.id, workspace=None, staff=False)
            staff = operator(org.id)
            await ops.projects.create_project(
                staff, "p1", title="Bench", annotation_types=["object-detection"]
            )
            for batch in ("e2e", "b10k", "b1m"):
                await ops.batches.create_batch(staff, "p1", batch)
            b.client_id, b.secret, b.org, b.workspace = cred.record.client_id, cred.secret, org.id, ws.id
        finally:
            await db.close()

    asyncio.run(go())


# ===================================================================================== scenes/s


def _client_process(args: tuple[str, str, str, str, int, int, int, Any]) -> float:
    """One official client in a process of its own (the client is pure Python: threads would share
    one interpreter lock and measure the client, not the server). Builds the client, waits for the
    others, creates its scenes; answers when it finished (perf_counter)."""
    from kognic.io.client import KognicIOClient
    from kognic.io.model.scene import cameras as cam
    from kognic.io.model.scene.resources import Image

    base, client_id, secret, image, n, per, clients, barrier = args
    client = KognicIOClient(auth=(client_id, secret), host=base, auth_host=base, workspace_api_host=base)
    barrier.wait()
    for i in range(per):
        scene = cam.Cameras(
            external_id=f"e2e-{clients}-{n}-{i}",
            frame=cam.Frame(images=[Image(filename=image, sensor_name="CAM")]),
        )
        client.cameras.create(scene, project="p1", batch="e2e")
    return time.perf_counter()


def scenes_per_second(base: str, b: Backend, image: Path, scenes: int, clients: int) -> float:
    """Scenes created end to end (initialize, create, upload, commit) per second through the
    official client, by `clients` processes at once, each with its own client."""
    ctx = mp.get_context("spawn")
    per = scenes // clients
    with ctx.Manager() as manager:
        barrier = manager.Barrier(clients + 1)
        work = [(base, b.client_id, b.secret, str(image), n, per, clients, barrier) for n in range(clients)]
        with ctx.Pool(clients) as pool:
            pending = pool.map_async(_client_process, work)
            barrier.wait()
            start = time.perf_counter()
            ends = pending.get(timeout=600)
    return per * clients / (max(ends) - start)


# ======================================================================================= uploads


def _upload_once(base: str, headers: dict[str, str], big: Path) -> float:
    """MB/s of one chunked PUT of the file to a signed URL, streamed as the official client streams
    a local file: 64 KiB chunks, no Content-Length."""
    sid = str(uuid.uuid4())
    body = {
        "externalId": f"up-{sid[:8]}",
        "frame": {"images": [{"filename": "/big.jpg", "resourceId": "/big.jpg", "sensorName": "CAM"}]},
        "internalId": sid,
    }
    files = httpx.post(f"{base}/v1/inputs/cameras", json=body, headers=headers).json()["data"]["files"]

    def chunks() -> Iterator[bytes]:
        with big.open("rb") as f:
            while chunk := f.read(64 * 1024):
                yield chunk

    start = time.perf_counter()
    r = httpx.put(files["/big.jpg"], content=chunks(), headers={"Content-Type": "image/jpeg"}, timeout=600)
    elapsed = time.perf_counter() - start
    r.raise_for_status()
    return big.stat().st_size / elapsed / 1e6


def _plain_once(big: Path, where: Path) -> float:
    """MB/s of writing the same bytes to a file on the same disk in 1 MiB writes, then fsync: what
    the blob store does, without HTTP."""
    target = where / "plain.bin"
    start = time.perf_counter()
    with big.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(1024 * 1024):
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    elapsed = time.perf_counter() - start
    target.unlink()
    return big.stat().st_size / elapsed / 1e6


def _blob_store_once(big: Path, where: Path) -> float:
    """MB/s of the blob store alone (no HTTP) taking the file in 64 KiB chunks."""
    from annobatch.storage.blobs import LocalBlobStore

    store = LocalBlobStore(where / "blob-bench")

    async def chunks() -> Any:
        with big.open("rb") as f:
            while chunk := f.read(64 * 1024):
                yield chunk

    start = time.perf_counter()
    asyncio.run(store.put("bench/one", chunks()))
    elapsed = time.perf_counter() - start
    asyncio.run(store.delete("bench/one"))
    return big.stat().st_size / elapsed / 1e6


def upload_and_plain(base: str, b: Backend, big: Path, repeats: int = 5) -> tuple[float, float, float]:
    """Medians of uploads, of the blob store alone and of plain writes, taken in turns so that all
    meet the disk in the same state (its write-back cache makes single runs swing widely)."""
    token = httpx.post(
        f"{base}/v1/auth/oauth/token",
        data={"grant_type": "client_credentials", "client_id": b.client_id, "client_secret": b.secret},
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    uploads, stores, plains = [], [], []
    for _ in range(repeats):
        uploads.append(_upload_once(base, headers, big))
        stores.append(_blob_store_once(big, b.data_dir))
        plains.append(_plain_once(big, b.data_dir))
    return statistics.median(uploads), statistics.median(stores), statistics.median(plains)


# ================================================================================== query pages

T0 = 1_700_000_000_000_000  # µs: seeded rows are created one µs apart from here


def _scene_id(tag: int, i: int) -> str:
    return f"{tag:08x}-0000-4000-8000-{i:012x}"


def _input_id(tag: int, i: int) -> str:
    return f"{tag:08x}-0000-4000-9000-{i:012x}"


_SQLITE_SEED = """
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < :count - 1)
INSERT INTO {table} SELECT {columns} FROM n
"""
_SCENE_COLS_SQLITE = (
    "printf('%08x-0000-4000-8000-%012x', :tag, i), :org, :ws, 'seed-' || i, 'cameras', 'created', NULL, NULL,"
    ' :project, :batch, 1, \'{"frames":[{}],"metadata":{},"sensorSpecification":null}\', \'\', NULL,'
    " :t0 + i, :t0 + i"
)
_INPUT_COLS_SQLITE = (
    "printf('%08x-0000-4000-9000-%012x', :tag, i), :org, :project, :batch,"
    " printf('%08x-0000-4000-8000-%012x', :tag, i), 'created', :t0 + i"
)
_PG_ID = "lpad(to_hex($1::int), 8, '0') || '-0000-4000-{kind}-' || lpad(to_hex(i), 12, '0')"
_PG_SPEC = '{"frames":[{}],"metadata":{},"sensorSpecification":null}'
# $1 tag, $2 organization, $3 project, $4 batch, $5 first created (µs), $6 count, $7 workspace
_PG_SCENES = f"""
INSERT INTO scenes SELECT {_PG_ID.format(kind="8000")}, $2::int, $7::text, 'seed-' || i, 'cameras',
  'created', NULL, NULL, $3::int, $4::int, true, '{_PG_SPEC}', '', NULL, $5::bigint + i, $5::bigint + i
FROM generate_series(0, $6::int - 1) AS i
"""
_PG_INPUTS = f"""
INSERT INTO inputs SELECT {_PG_ID.format(kind="9000")}, $2::int, $3::int, $4::int,
  {_PG_ID.format(kind="8000")}, 'created', $5::bigint + i
FROM generate_series(0, $6::int - 1) AS i
"""


def seed(b: Backend, batch: str, count: int, tag: int) -> float:
    """Insert `count` created scenes and their inputs into a batch with one statement per table;
    answers the seconds it took."""
    start = time.perf_counter()
    if b.url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(b.url.removeprefix("sqlite:///"), isolation_level=None)
        project, batch_id = conn.execute(
            "SELECT p.id, b.id FROM batches b JOIN projects p ON p.id = b.project_id"
            " WHERE p.external_id = 'p1' AND b.external_id = ?",
            (batch,),
        ).fetchone()
        params = {
            "tag": tag,
            "org": b.org,
            "ws": b.workspace,
            "project": project,
            "batch": batch_id,
            "t0": T0,
            "count": count,
        }
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(_SQLITE_SEED.format(table="scenes", columns=_SCENE_COLS_SQLITE), params)
        conn.execute(_SQLITE_SEED.format(table="inputs", columns=_INPUT_COLS_SQLITE), params)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.close()
    else:
        import asyncpg

        async def go() -> None:
            conn = await asyncpg.connect(b.url)
            try:
                project, batch_id = await conn.fetchrow(
                    "SELECT p.id, b.id FROM batches b JOIN projects p ON p.id = b.project_id"
                    " WHERE p.external_id = 'p1' AND b.external_id = $1",
                    batch,
                )
                args = (tag, b.org, project, batch_id, T0, count)
                async with conn.transaction():
                    await conn.execute(_PG_SCENES, *args, b.workspace)
                    await conn.execute(_PG_INPUTS, *args)
                await conn.execute("ANALYZE scenes")
                await conn.execute("ANALYZE inputs")
            finally:
                await conn.close()

        asyncio.run(go())
    return time.perf_counter() - start


@dataclass
class Batch:
    label: str
    batch: str
    count: int
    tag: int
    times: list[float] = field(default_factory=list)
    size: int = 0


def page_latencies(base: str, b: Backend, batches: list[Batch], samples: int) -> None:
    """Time `v2/inputs/query` pages of each batch at random cursors (the first page among them),
    taking the batches in turns over one keep-alive connection, so that whatever else the machine
    does falls on all of them alike."""
    token = httpx.post(
        f"{base}/v1/auth/oauth/token",
        data={"grant_type": "client_credentials", "client_id": b.client_id, "client_secret": b.secret},
    ).json()["access_token"]
    rng = random.Random(11)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        for n in range(samples + 5):
            for bt in batches:
                i = 0 if n % 50 == 0 else rng.randrange(bt.count)
                cursor = "" if i == 0 else f"?cursorId={T0 + i - 1}_{_input_id(bt.tag, i - 1)}"
                start = time.perf_counter()
                r = c.post("/v2/inputs/query" + cursor, json={"project": "p1", "batch": bt.batch})
                elapsed = time.perf_counter() - start
                r.raise_for_status()
                page = r.json()["data"]
                assert not page or page[0]["sceneUuid"] == _scene_id(bt.tag, i), "pages out of order"
                if n >= 5:  # the first rounds warm the connection and the caches
                    bt.times.append(elapsed * 1000)
                    bt.size = max(bt.size, len(page))


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.99) - 1)]


# ========================================================================================= run


@dataclass
class Options:
    scenes: int
    clients: int
    big: int
    samples: int
    upload_mib: int
    postgres: str | None


def bench_backend(b: Backend, opts: Options, work: Path, image: Path, big_file: Path | None) -> None:
    prepare(b)
    r = b.results
    with server(b.url, b.data_dir) as (base, pid):
        before = cpu_seconds(pid)
        r["scenes1"] = f"{scenes_per_second(base, b, image, opts.scenes, 1):.1f}"
        after = cpu_seconds(pid)
        if before is not None and after is not None:
            r["cpu"] = f"{(after - before) / opts.scenes * 1000:.0f}"
        r["scenesN"] = f"{scenes_per_second(base, b, image, opts.scenes, opts.clients):.1f}"
        if big_file is not None:
            upload, store, plain = upload_and_plain(base, b, big_file)
            r["upload"], r["store"], r["plain"] = f"{upload:.0f}", f"{store:.0f}", f"{plain:.0f}"
        batches = [Batch("10k", "b10k", 10_000, 1), Batch("1m", "b1m", opts.big, 2)]
        for bt in batches:
            r[f"seed{bt.label}"] = f"{seed(b, bt.batch, bt.count, bt.tag):.1f} s"
        page_latencies(base, b, batches, opts.samples)
        for bt in batches:
            p50, p99 = percentiles(bt.times)
            r[f"p{bt.label}"] = f"{p50:.1f} / {p99:.1f}"
            r["page"] = str(bt.size)
        print(f"  {b.name} done", file=sys.stderr)


def machine() -> str:
    import granian

    cpus = os.cpu_count()
    return (
        f"{platform.system()} {platform.machine()}, {cpus} CPUs, Python {platform.python_version()}, "
        f"granian {granian.__version__}, one worker"
    )


def table(backends: list[Backend], opts: Options) -> str:
    def cell(key: str) -> list[str]:
        return [b.results.get(key, "—") for b in backends]

    head = "| | " + " | ".join(b.name for b in backends) + " |"
    rule = "|---|" + "---:|" * len(backends)
    big = f"{opts.big:,}"
    page = backends[0].results.get("page", "?")
    rows = [
        (f"scenes/s end to end, official client, 1 MiB JPEG, 1 client ({opts.scenes} scenes)", "scenes1"),
        (f"scenes/s end to end, {opts.clients} client processes at once", "scenesN"),
        ("server CPU per scene, ms (all four requests and the upload)", "cpu"),
        (f"`v2/inputs/query` page of {page}, p50 / p99 ms, batch of 10,000", "p10k"),
        (f"`v2/inputs/query` page of {page}, p50 / p99 ms, batch of {big}", "p1m"),
        ("seeding 10,000 inputs (SQL, one statement per table)", "seed10k"),
        (f"seeding {big} inputs", "seed1m"),
    ]
    lines = [head, rule] + [f"| {label} | " + " | ".join(cell(key)) + " |" for label, key in rows]
    sq = backends[0].results
    upload = (
        f"\n| {opts.upload_mib} MiB, median of 5, in turns | MB/s |\n|---|---:|\n"
        f"| upload: chunked PUT to a signed URL, over HTTP (64 KiB chunks, as the official client) "
        f"| {sq.get('upload', '—')} |\n"
        f"| the blob store alone, no HTTP (64 KiB chunks) | {sq.get('store', '—')} |\n"
        f"| plain write of the same bytes to the same disk (1 MiB writes, fsync) | {sq.get('plain', '—')} |"
    )
    return "\n".join(lines) + "\n" + upload


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--scenes", type=int, default=40, help="scenes per end-to-end run (default 40)")
    ap.add_argument("--clients", type=int, default=4, help="official client processes at once (default 4)")
    ap.add_argument(
        "--big", type=int, default=1_000_000, help="inputs in the large batch (default 1,000,000)"
    )
    ap.add_argument("--samples", type=int, default=PAGE_SAMPLES, help="pages timed per batch (default 200)")
    ap.add_argument("--upload-mib", type=int, default=UPLOAD_MIB, help="size of the upload (default 256 MiB)")
    ap.add_argument("--no-postgres", action="store_true")
    a = ap.parse_args(argv)
    pg = None if a.no_postgres else os.environ.get("ANNOBATCH_BENCH_DATABASE_URL", DEFAULT_PG)
    if pg is not None and not postgres_reachable(pg):
        print(f"PostgreSQL at {pg} is not reachable: SQLite only", file=sys.stderr)
        pg = None
    opts = Options(a.scenes, a.clients, a.big, a.samples, a.upload_mib, pg)
    work_root = Path(__file__).resolve().parent / ".work"
    work_root.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work_root) as tmp:
        work = Path(tmp)
        image = work / "camera.jpg"
        image.write_bytes(jpeg_of_size(1024 * 1024))
        big_file = work / "big.jpg"
        big_file.write_bytes(jpeg_of_size(opts.upload_mib * 1024 * 1024))
        backends: list[Backend] = []
        with sqlite_backend(work) as b:
            bench_backend(b, opts, work, image, big_file)
            backends.append(b)
        if pg is not None:
            with postgres_backend(work, pg) as b:
                bench_backend(b, opts, work, image, None)
                backends.append(b)
    print(machine())
    print()
    print(table(backends, opts))


if __name__ == "__main__":
    main()
