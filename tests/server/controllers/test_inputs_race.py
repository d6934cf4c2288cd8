"""Choosing the batch and inserting the input are one transaction against publish: creators race a
publisher on a two-worker server (two processes, real sockets), and no input ever lands in a batch
after it stopped being open."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import msgspec
from scenes_testing import JPEG_BYTES, cameras_body

from annobatch.services.identity import operator
from conftest import World
from liveserver import LiveServer

ROUNDS = 4
PER_BATCH = 3  # inputs that must land in a batch before the publisher moves on
CREATORS = 6


def lidars_sequence_body(sid: str) -> dict[str, Any]:
    """No file is ever uploaded for this type: the create itself chooses the batch and inserts."""
    cloud = {
        "filename": "/d/pc.pcd",
        "resourceId": "/d/pc.pcd",
        "sensorName": "lidar",
        "clientFilename": "/d/pc.pcd",
    }
    frame = {"frameId": "1", "relativeTimestamp": 0, "metadata": {}, "pointClouds": [cloud]}
    return {"externalId": sid[:8], "frames": [frame], "metadata": {}, "internalId": sid}


class Race:
    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.url, self.headers = url, headers
        self.done = threading.Event()
        self.statuses: Counter[int] = Counter()
        self.lock = threading.Lock()
        self.errors: list[str] = []

    def note(self, r: httpx.Response) -> None:
        with self.lock:
            self.statuses[r.status_code] += 1
            if r.status_code >= 500 or r.status_code not in (200, 400):
                self.errors.append(f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text[:200]}")

    def creator(self, n: int) -> None:
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=30) as c:
            i = 0
            while not self.done.is_set():
                sid = str(uuid.uuid4())
                if (n + i) % 2:
                    self.note(c.post("/v1/inputs/project/p1/lidars-sequence", json=lidars_sequence_body(sid)))
                else:
                    r = c.post("/v1/inputs/project/p1/cameras", json=cameras_body(sid))
                    self.note(r)
                    if r.status_code == 200:
                        for url in r.json()["data"]["files"].values():
                            self.note(httpx.put(url, content=JPEG_BYTES))
                        self.note(c.post(f"/v1/inputs/{sid}/actions/commit"))
                i += 1

    def publisher(self) -> None:
        try:
            with httpx.Client(base_url=self.url, headers=self.headers, timeout=30) as c:
                for n in range(1, ROUNDS + 1):
                    while not self.done.is_set():
                        counts = c.get(f"/v1/projects/p1/batches/b{n}").json()["data"]["inputCounts"]
                        if counts["total"] >= PER_BATCH:
                            break
                    self.note(c.post(f"/v1/projects/p1/batches/b{n}/publish"))
                    if n < ROUNDS:
                        self.note(c.post(f"/v1/projects/p1/batches/b{n + 1}", json={}))
        finally:
            self.done.set()


def all_events(world: World, org: int) -> list[Any]:
    found, after = [], 0
    while True:
        rows, cursor = world.run(world.ops.projects.list_events(operator(org), "p1", None, after, 1000))
        found += rows
        if cursor is None:
            return found
        after = cursor


def test_no_input_lands_in_a_batch_published_concurrently(
    database_url: str, world: World, tmp_path: Path
) -> None:
    org = world.org("racers")
    cred = world.credential(org)
    world.project(org, "p1", ["object-detection"])
    world.batch(org, "p1", "b1")
    server = LiveServer(tmp_path / "server", database_url, workers=2).start()
    try:
        token = httpx.post(
            f"{server.url}/v1/auth/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": cred.record.client_id,
                "client_secret": cred.secret,
            },
        ).json()["access_token"]
        race = Race(server.url, {"Authorization": f"Bearer {token}"})
        threads = [threading.Thread(target=race.creator, args=(n,)) for n in range(CREATORS)]
        threads.append(threading.Thread(target=race.publisher))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        race.done.set()
    finally:
        server.stop()

    assert race.errors == []
    events = all_events(world, org)
    published = {
        e.batch: e.id
        for e in events
        if e.kind == "batch.transitioned" and msgspec.json.decode(e.data)["action"] == "publish"
    }
    assert sorted(published) == [f"b{n}" for n in range(1, ROUNDS + 1)]
    landed = [e for e in events if e.kind == "input.created"]
    # Every input was inserted while its batch was still open: before that batch's publish.
    late = [(e.batch, e.id, published[e.batch]) for e in landed if e.id > published[e.batch]]
    assert late == []
    per_batch = Counter(e.batch for e in landed)
    assert all(per_batch[f"b{n}"] >= PER_BATCH for n in range(1, ROUNDS + 1))
    # And the inputs table agrees with the log.
    counts = [
        world.run(world.ops.batches.get_batch(operator(org), "p1", f"b{n}")).input_counts
        for n in range(1, ROUNDS + 1)
    ]
    assert [sum(c.values()) for c in counts] == [per_batch[f"b{n}"] for n in range(1, ROUNDS + 1)]
