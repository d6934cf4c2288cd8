"""Two replicas on one database and one S3 bucket behind haproxy (`deploy/haproxy.cfg`): the
official client, all six hosts pointed at the balancer, creates scenes with their files while one
replica is killed (SIGKILL) midway; no request fails that the client does not retry, and every
scene reported created is there, with its files in the bucket."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from kognic.io.model.scene import cameras as cam
from kognic.io.model.scene.resources import Image

from annobatch.services import Services
from annobatch.storage.blobs_s3 import S3BlobStore
from annobatch.storage.database import open_database
from annobatch.storage.migrate import upgrade
from annobatch.storage.unit_of_work import UnitOfWork
from balancer import RETRIED, Cluster, cluster, haproxy_binary
from conftest import World, fresh_postgres_database, unique
from delivery_seeds import Seed
from liveserver import six_host_client
from s3_server import S3Server
from scene_uploads import JPEG

pytestmark = pytest.mark.skipif(
    haproxy_binary() is None, reason="haproxy is not installed (`make install-test` installs it as root)"
)

SCENES = 24
THREADS = 4


@pytest.fixture
def database_url_for_replicas(
    tmp_path: Path, postgres_admin_url: str | None, runner: asyncio.Runner
) -> Iterator[str]:
    """PostgreSQL when the tests have one (ANNOBATCH_TEST_DATABASE_URL), else a SQLite file."""
    if postgres_admin_url:
        with fresh_postgres_database(postgres_admin_url, runner) as url:
            yield url
    else:
        url = f"sqlite:///{tmp_path / 'annobatch.db'}"
        upgrade(url)
        yield url


def images(tmp_path: Path, n: int) -> list[Path]:
    """JPEG files of different sizes (one over the S3 part size, so a multipart upload)."""
    sizes = [9 * 1024 * 1024 if n == 0 else 0, 200_000 + n * 1000, 30_000 + n]
    paths = []
    for i, size in enumerate(s for s in sizes if s):
        p = tmp_path / f"scene{n}-cam{i}.jpg"
        p.write_bytes(JPEG + os.urandom(size))
        paths.append(p)
    return paths


def kill(replica_pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(replica_pid, signal.SIGKILL)


def test_a_replica_killed_midway_fails_no_request_for_good_and_loses_no_scene(
    s3: S3Server, tmp_path: Path, database_url_for_replicas: str, runner: asyncio.Runner
) -> None:
    blob_env = s3.blob_env()
    # Both replicas sweep every second during the test: two sweepers at once must be harmless.
    env = {**blob_env, "ANNOBATCH_SWEEP_INTERVAL": "1"}
    db = open_database(database_url_for_replicas)
    runner.run(db.connect())
    try:
        world = World(Services.over(db), runner)
        org = world.org(unique("org"))
        cred = world.credential(org)
        world.project(org, "p1", ["object-detection"])
        with cluster(tmp_path / "cluster", database_url_for_replicas, env) as c:
            created, sizes = run_flow_killing_a_replica(c, (cred.record.client_id, cred.secret), tmp_path)
            check_nothing_failed_for_good(c)
            survivor = c.replicas[1].log()
            assert "the blob sweep failed" not in survivor and "unexpected error" not in survivor
            store = c.replicas[1].blobs()
            assert isinstance(store, S3BlobStore)
            check_every_scene_is_there(runner, db, store, created, sizes)
            auth = (cred.record.client_id, cred.secret)
            check_reads_through_the_balancer(c, auth, created, world, store, org, tmp_path)
    finally:
        runner.run(db.close())


def run_flow_killing_a_replica(
    c: Cluster, auth: tuple[str, str], tmp_path: Path
) -> tuple[list[str], dict[str, list[int]]]:
    """Create SCENES cameras scenes from THREADS threads; kill the first replica once a third are
    created. Answers the scenes the client reported created and their files' sizes."""
    six_host_client(c.url, auth).project.create_batch("p1", "b1")
    created: list[str] = []
    sizes: dict[str, list[int]] = {}
    lock = threading.Lock()
    third = threading.Event()
    local = threading.local()

    def create(n: int) -> None:
        if not hasattr(local, "client"):
            local.client = six_host_client(c.url, auth)
        files = images(tmp_path, n)
        frame = cam.Frame(images=[Image(filename=str(p), sensor_name=f"CAM{i}") for i, p in enumerate(files)])
        scene = cam.Cameras(external_id=f"scene-{n}", frame=frame)
        answer = local.client.cameras.create(scene, project="p1", batch="b1")
        assert answer is not None
        with lock:
            created.append(answer.scene_uuid)
            sizes[answer.scene_uuid] = sorted(p.stat().st_size for p in files)
            if len(created) >= SCENES // 3:
                third.set()

    victim = c.replicas[0]
    assert victim.proc is not None
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(create, n) for n in range(SCENES)]
        assert third.wait(60), "a third of the scenes were not created within 60 s"
        kill(victim.proc.pid)
        for f in futures:
            f.result()  # a failure the client gave up on raises here
    assert len(created) == SCENES
    return created, sizes


def check_nothing_failed_for_good(c: Cluster) -> None:
    answers = c.answers()
    failed = {status for _, status in answers if status >= 500}
    assert failed <= RETRIED, f"the balancer answered {c.statuses()}"
    served_by = {server for server, status in answers if status < 500}
    assert served_by >= {"replica1", "replica2"}, "both replicas should have served requests"


def check_every_scene_is_there(
    runner: asyncio.Runner, db: object, store: S3BlobStore, created: list[str], sizes: dict[str, list[int]]
) -> None:
    async def stored() -> dict[str, tuple[str, list[tuple[str | None, int | None]]]]:
        found = {}
        async with db.transaction() as tx:  # type: ignore[attr-defined]
            scenes = UnitOfWork(tx).scenes
            for sid in created:
                rec = await scenes.get_any_org(sid)
                assert rec is not None, f"scene {sid} was reported created and is not there"
                found[sid] = (rec.status, [(r.blob_key, r.size) for r in await scenes.resources(sid)])
        return found

    for sid, (status, files) in runner.run(stored()).items():
        assert status == "created"
        assert sorted(size or 0 for _, size in files) == sizes[sid]
        for key, size in files:
            assert key is not None and runner.run(store.size(key)) == size


def check_reads_through_the_balancer(
    c: Cluster,
    auth: tuple[str, str],
    created: list[str],
    world: World,
    store: S3BlobStore,
    org: int,
    tmp_path: Path,
) -> None:
    """Inputs listed, and a delivered annotation read with its content (a signed download URL
    that names the balancer, answered by the replica left, from the bucket)."""
    client = six_host_client(c.url, auth)
    db, runner = world.ops.db, world.runner
    inputs = client.input.query_inputs(project="p1", batch="b1")
    assert sorted(i.scene_uuid for i in inputs) == sorted(created)
    target = inputs[0]

    async def batch_of_scene() -> SimpleNamespace:
        async with db.transaction() as tx:  # type: ignore[attr-defined]
            rec = await UnitOfWork(tx).scenes.get_any_org(target.scene_uuid)
        assert rec is not None
        return SimpleNamespace(id=rec.batch_id, project_id=rec.project_id)

    seed = Seed(db, runner, tmp_path)  # type: ignore[arg-type]
    seed.store = store  # type: ignore[assignment]
    note = uuid.uuid4().hex
    seed.version(
        runner.run(batch_of_scene()), target.uuid, target.scene_uuid, "object-detection", org=org, note=note
    )
    (annotation,) = client.annotation.get_project_annotations("p1", "object-detection", batch="b1")
    assert annotation.scene_uuid == target.scene_uuid
    assert annotation.content is not None and annotation.content["openlabel"]["metadata"]["note"] == note
