"""Every pair of write paths that can race in one project, on a real server with two worker
processes (so two processes contend for the database), on SQLite and on PostgreSQL.

Each pair runs its two paths on threads of their own, `THREADS` per path, `ROUNDS` requests each,
released together by a barrier. Whatever the interleaving:
- no answer is a 5xx (a transaction the database aborts to break a deadlock runs again; it never
  surfaces as a 500), and every answer is one its path may give;
- no input lands in a batch after that batch's publish;
- an input's status is its scene's, and every input of an invalidated scene has its
  `input.invalidated` entry in the audit log, once;
- every scene is in a status of the scene lifecycle, and a created or failed scene has an input.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import msgspec
from scenes_testing import JPEG_BYTES, cameras_body
from test_inputs_race import lidars_sequence_body

from annobatch.domain import SceneStatus
from annobatch.services.identity import operator
from conftest import Live, World, unique

#: Requests per thread, and threads per path: two paths of two threads of 25 requests race per pair.
ROUNDS = 25
THREADS = 2


@dataclass
class Race:
    """One organization's project `p1` (open batch `b1`), a client's token, and what the racing
    paths answered and made."""

    url: str
    headers: dict[str, str]
    world: World
    org: int
    #: created scenes (with an input) that invalidation, placement and deletion may take
    scenes: deque[str] = field(default_factory=deque)
    inputs: deque[str] = field(default_factory=deque)
    #: every scene a create made
    made: deque[str] = field(default_factory=deque)
    #: scenes whose commit was refused (no open batch, or several, at that moment)
    uncommitted: deque[str] = field(default_factory=deque)
    batches: Iterator[int] = field(default_factory=lambda: itertools.count(2))
    answers: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.headers, timeout=60)

    def note(self, path: str, r: httpx.Response, allowed: set[int]) -> httpx.Response:
        with self.lock:
            self.answers[(path, r.status_code)] += 1
            if r.status_code not in allowed:
                self.errors.append(
                    f"{path}: {r.request.method} {r.request.url.path} → {r.status_code} {r.text[:300]}"
                )
        return r

    def take(self, pool: deque[str], n: int = 1) -> list[str]:
        with self.lock:
            return [pool.popleft() for _ in range(min(n, len(pool)))]

    def give(self, pool: deque[str], *items: str) -> None:
        with self.lock:
            pool.extend(items)

    # ------------------------------------------------------------------------------- the paths

    def create_scene(self, c: httpx.Client) -> None:
        """A scene with nothing to upload and no batch named: its create chooses the open batch
        and inserts the input."""
        sid = str(uuid.uuid4())
        body = lidars_sequence_body(sid)
        r = self.note("create", c.post("/v1/inputs/project/p1/lidars-sequence", json=body), {200, 400})
        if r.status_code == 200:
            self.give(self.made, sid)
            self.give(self.scenes, sid)

    def commit(self, c: httpx.Client) -> None:
        """A camera scene, no batch named: create, upload, commit."""
        sid = str(uuid.uuid4())
        r = self.note("commit", c.post("/v1/inputs/project/p1/cameras", json=cameras_body(sid)), {200, 400})
        if r.status_code != 200:
            return
        self.give(self.made, sid)
        for url in r.json()["data"]["files"].values():
            self.note("commit", httpx.put(url, content=JPEG_BYTES, timeout=60), {200, 409})
        r = self.note("commit", c.post(f"/v1/inputs/{sid}/actions/commit"), {200, 400, 409})
        if r.status_code == 400:
            self.give(self.uncommitted, sid)

    def invalidate(self, c: httpx.Client) -> None:
        """Two scenes at once, so that one request touches several rows of a kind."""
        ids = self.take(self.scenes, 2)
        if ids:
            body = {"sceneUuids": ids, "reason": "duplicate"}
            self.note("invalidate", c.post("/v2/scenes/actions/invalidate", json=body), {200})

    def create_batch(self, c: httpx.Client) -> None:
        """A new batch that publishes every other open one, in the same transaction."""
        n = next(self.batches)
        self.note(
            "create-batch",
            c.post(f"/v1/projects/p1/batches/b{n}", json={"publishPreviousBatches": True}),
            {200},
        )

    def publish(self, c: httpx.Client) -> None:
        """Publish the open batch, then open the next one: between the two, no batch is open."""
        batches = c.get("/v1/projects/p1/batches").json()["data"]
        for b in [b["batch"] for b in batches if b["status"] == "open"]:
            self.note("publish", c.post(f"/v1/projects/p1/batches/{b}/publish"), {200, 409})
        n = next(self.batches)
        self.note("publish", c.post(f"/v1/projects/p1/batches/b{n}", json={}), {200})

    def place(self, c: httpx.Client) -> None:
        """A created scene into the open batch too (`create_from_scene`)."""
        for sid in self.take(self.scenes):
            r = c.post("/v2/inputs", json={"sceneUuid": sid, "projectExtId": "p1"})
            self.note("place", r, {200, 400})
            if r.status_code == 200:
                self.give(self.inputs, r.json()["data"]["uuid"])
            self.give(self.scenes, sid)

    def delete_input(self, c: httpx.Client) -> None:
        for iid in self.take(self.inputs):
            self.note("delete-input", c.delete(f"/v2/inputs/{iid}"), {200, 404})


def start_race(live: Live, pool: int) -> Race:
    world = live.world
    org = world.org(unique("racers"))
    cred = world.credential(org)
    world.project(org, "p1", ["object-detection"])
    world.batch(org, "p1", "b1")
    form = {
        "grant_type": "client_credentials",
        "client_id": cred.record.client_id,
        "client_secret": cred.secret,
    }
    token = httpx.post(f"{live.url}/v1/auth/oauth/token", data=form).json()["access_token"]
    race = Race(live.url, {"Authorization": f"Bearer {token}"}, world, org)
    with race.client() as c:
        for _ in range(pool):
            race.create_scene(c)
        r = c.post("/v2/inputs/query", json={"sceneUuids": list(race.scenes)})
        race.give(race.inputs, *[i["uuid"] for i in r.json()["data"]])
    race.answers.clear()
    return race


def run(race: Race, *paths: Callable[[Race, httpx.Client], None]) -> None:
    workers = [p for p in paths for _ in range(THREADS)]
    barrier = threading.Barrier(len(workers))

    def work(path: Callable[[Race, httpx.Client], None]) -> None:
        with race.client() as c:
            barrier.wait(timeout=60)
            for _ in range(ROUNDS):
                path(race, c)

    threads = [threading.Thread(target=work, args=(p,)) for p in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not any(t.is_alive() for t in threads)


def check_invariants(race: Race) -> None:
    world, caller = race.world, operator(race.org)
    events: list[Any] = []
    after: int | None = 0
    while after is not None:
        rows, after = world.run(world.ops.projects.list_events(caller, "p1", None, after, 1000))
        events += rows
    published = {
        e.batch: e.id
        for e in events
        if e.kind == "batch.transitioned" and msgspec.json.decode(e.data)["action"] == "publish"
    }
    late = [e.batch for e in events if e.kind == "input.created" and e.id > published.get(e.batch, e.id)]
    assert late == [], "inputs landed in batches after their publish"

    made = list(race.made)
    scenes = {
        s.id: s
        for i in range(0, len(made), 1000)
        for s in world.run(world.ops.scenes.scenes(caller, uuids=made[i : i + 1000]))
    }
    entries = [
        e
        for i in range(0, len(made), 100)
        for e in world.run(world.ops.inputs.inputs_of_scenes(caller, made[i : i + 100]))
    ]
    invalidated_entries = Counter(
        msgspec.json.decode(e.data)["input"] for e in events if e.kind == "input.invalidated"
    )
    with_input = {e.row.scene_id for e in entries}
    for e in entries:
        scene = scenes[e.row.scene_id]
        assert e.row.status == scene.status, (e.row, scene.status)
        if SceneStatus(scene.status).is_invalidated:
            assert invalidated_entries[e.row.id] == 1, e.row
    for s in scenes.values():
        assert s.status in set(SceneStatus), s
        if s.status in (SceneStatus.CREATED, SceneStatus.FAILED):
            assert s.id in with_input, s


def race_between(live: Live, *paths: Callable[[Race, httpx.Client], None], pool: int = 0) -> Race:
    before = len(live.server.log())
    race = start_race(live, pool)
    run(race, *paths)
    assert race.errors == [], (
        "\n".join(race.errors[:20]) + f"\n{sum(race.answers.values())} answers: {race.answers}"
    )
    check_invariants(race)
    assert "Traceback" not in live.server.log()[before:]
    return race


# ------------------------------------------------------------------------------------ the pairs


def test_invalidations_racing_scene_creates_without_a_batch(live_two_workers: Live) -> None:
    race = race_between(live_two_workers, Race.invalidate, Race.create_scene, pool=2 * THREADS * ROUNDS)
    assert race.answers[("invalidate", 200)] == THREADS * ROUNDS


def test_invalidations_racing_batch_creates_that_publish_the_previous_batches(live_two_workers: Live) -> None:
    race_between(live_two_workers, Race.invalidate, Race.create_batch, pool=2 * THREADS * ROUNDS)


def test_invalidations_racing_publishes(live_two_workers: Live) -> None:
    race_between(live_two_workers, Race.invalidate, Race.publish, pool=2 * THREADS * ROUNDS)


def test_commits_racing_publishes_strand_no_scene(live_two_workers: Live) -> None:
    race = race_between(live_two_workers, Race.commit, Race.publish)
    assert race.answers[("commit", 200)] > 0
    # A scene whose batch was chosen for it (none named) is not stranded by that batch's publish:
    # once a batch is open again, every commit refused during the race goes through, into it.
    with race.client() as c:
        assert (
            c.post("/v1/projects/p1/batches/last", json={"publishPreviousBatches": True}).status_code == 200
        )
        for sid in race.uncommitted:
            r = c.post(f"/v1/inputs/{sid}/actions/commit")
            assert r.status_code == 200, r.text
            assert r.json()["data"]["status"] == "created"
        inputs = c.post("/v2/inputs/query", json={"project": "p1", "batch": "last"}).json()["data"]
    assert {i["sceneUuid"] for i in inputs} == set(race.uncommitted)
    check_invariants(race)


def test_invalidations_racing_commits(live_two_workers: Live) -> None:
    race_between(live_two_workers, Race.invalidate, Race.commit, Race.create_scene, pool=2 * THREADS * ROUNDS)


def test_placements_of_created_scenes_racing_invalidations_and_publishes(live_two_workers: Live) -> None:
    race_between(live_two_workers, Race.place, Race.invalidate, Race.publish, pool=4 * THREADS * ROUNDS)


def test_input_deletions_racing_publishes_and_invalidations(live_two_workers: Live) -> None:
    race_between(
        live_two_workers, Race.delete_input, Race.publish, Race.invalidate, pool=2 * THREADS * ROUNDS
    )
