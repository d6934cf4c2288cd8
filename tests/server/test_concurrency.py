"""Creating, publishing and moving batches are atomic under real concurrency.

Each scenario runs two ways, on SQLite and on PostgreSQL:
- `two-workers`: a real server with two granian worker processes, hit by threads over HTTP, so
  two processes contend for the database;
- `threads`: `Services` driven from threads, each with its own event loop and its own
  database connection (`open_database`).
A barrier lines the threads up so that their requests start together.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest

from annobatch.domain import BatchAction, BatchStatus, DomainError, Role, allowed_moves
from annobatch.server.errors import STATUS
from annobatch.services import Services
from annobatch.services.identity import Caller, load_signing_key, operator
from annobatch.services.transactions import Write
from annobatch.storage.database import open_database
from conftest import World
from liveserver import LiveServer

TARGET = {
    "publish": BatchStatus.READY,
    "reopen": BatchStatus.OPEN,
    "start": BatchStatus.IN_PROGRESS,
    "complete": BatchStatus.COMPLETED,
    "archive": BatchStatus.ARCHIVED,
}


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]

    @property
    def code(self) -> str | None:
        return self.body.get("code")


class Session(Protocol):
    """One thread's way in: HTTP to the server, or operations on its own connection."""

    def create_batch(
        self, project: str, batch: str, publish_previous: bool, key: str | None = None
    ) -> Answer: ...

    def move(self, project: str, batch: str, action: str) -> Answer: ...

    def set_default_types(self, project: str, types: list[str]) -> Answer: ...

    def list_batches(self, project: str) -> Answer: ...


class Driver(Protocol):
    def session(self) -> Any: ...

    def batches(self, project: str) -> list[dict[str, Any]]: ...

    def events(self, project: str) -> list[dict[str, Any]]: ...


# ------------------------------------------------------------------------------------ over HTTP


@dataclass
class HttpSession:
    http: httpx.Client
    staff_headers: dict[str, str]

    def create_batch(
        self, project: str, batch: str, publish_previous: bool, key: str | None = None
    ) -> Answer:
        headers = {"Idempotency-Key": key} if key else {}
        r = self.http.post(
            f"/v1/projects/{project}/batches/{batch}",
            json={"publishPreviousBatches": publish_previous},
            headers=headers,
        )
        return _answer(r)

    def move(self, project: str, batch: str, action: str) -> Answer:
        if action == "publish":
            return _answer(self.http.post(f"/v1/projects/{project}/batches/{batch}/publish"))
        path = f"/v1/projects/{project}/batches/{batch}/actions/{action}"
        return _answer(self.http.post(path, headers=self.staff_headers))

    def set_default_types(self, project: str, types: list[str]) -> Answer:
        body = {"annotationTypes": types}
        return _answer(
            self.http.put(f"/v1/projects/{project}/annotation-types", json=body, headers=self.staff_headers)
        )

    def list_batches(self, project: str) -> Answer:
        r = self.http.get(f"/v1/projects/{project}/batches")
        return Answer(r.status_code, {"batches": [b["batch"] for b in r.json()["data"]]})


def _answer(r: httpx.Response) -> Answer:
    body = r.json()
    return Answer(r.status_code, body["data"] if r.status_code == 200 else body)


@dataclass
class HttpDriver:
    url: str
    client_headers: dict[str, str]
    staff_headers: dict[str, str]

    @contextmanager
    def session(self) -> Iterator[HttpSession]:
        with httpx.Client(base_url=self.url, headers=self.client_headers, timeout=60) as http:
            yield HttpSession(http, self.staff_headers)

    def batches(self, project: str) -> list[dict[str, Any]]:
        r = httpx.get(f"{self.url}/v1/projects/{project}/batches", headers=self.client_headers)
        assert r.status_code == 200, r.text
        return list(r.json()["data"])

    def events(self, project: str) -> list[dict[str, Any]]:
        """The whole audit log, page by page, as the API serves it."""
        found: list[dict[str, Any]] = []
        cursor: str | None = "0"
        while cursor is not None:
            r = httpx.get(
                f"{self.url}/v1/projects/{project}/events",
                params={"cursorId": cursor, "limit": 50},
                headers=self.client_headers,
            )
            assert r.status_code == 200, r.text
            found.extend(r.json()["data"])
            cursor = r.json()["metadata"]["nextCursorId"]
        return found


def _token(url: str, client_id: str, secret: str) -> dict[str, str]:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    r = httpx.post(url + "/v1/auth/oauth/token", data=form)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


# ------------------------------------------------------------------------- operations in threads


class OpsSession:
    """Services on a connection of this thread's own, run on this thread's own event loop."""

    def __init__(self, url: str, client: Caller, staff: Caller) -> None:
        self.runner = asyncio.Runner()
        self.db = open_database(url)
        self.runner.run(self.db.connect())
        self.ops = Services.over(self.db)
        self.client, self.staff = client, staff

    def close(self) -> None:
        self.runner.run(self.db.close())
        self.runner.close()

    def _call(self, coro: Any) -> Answer:
        try:
            rec = self.runner.run(coro)
        except DomainError as e:
            status = next(s for cls, s in STATUS.items() if isinstance(e, cls))
            return Answer(status, {"message": e.message, "code": e.code})
        return Answer(200, {"batch": rec.external_id, "status": rec.status})

    def create_batch(
        self, project: str, batch: str, publish_previous: bool, key: str | None = None
    ) -> Answer:
        return self._call(
            self.ops.batches.create_batch(
                self.client,
                project,
                batch,
                publish_previous_batches=publish_previous,
                write=Write(idempotency_key=key),
            )
        )

    def move(self, project: str, batch: str, action: str) -> Answer:
        caller = self.client if action == "publish" else self.staff
        return self._call(self.ops.batches.transition_batch(caller, project, batch, BatchAction(action)))

    def set_default_types(self, project: str, types: list[str]) -> Answer:
        found = self.runner.run(self.ops.projects.set_project_annotation_types(self.staff, project, types))
        return Answer(200, {"annotationTypes": found})

    def list_batches(self, project: str) -> Answer:
        recs = self.runner.run(self.ops.batches.list_batches(self.client, project))
        return Answer(200, {"batches": [b.external_id for b in recs]})


@dataclass
class OpsDriver:
    url: str
    world: World
    org: int
    client: Caller
    staff: Caller

    @contextmanager
    def session(self) -> Iterator[OpsSession]:
        s = OpsSession(self.url, self.client, self.staff)
        try:
            yield s
        finally:
            s.close()

    def batches(self, project: str) -> list[dict[str, Any]]:
        recs = self.world.run(self.world.ops.batches.list_batches(self.client, project))
        return [{"batch": b.external_id, "status": b.status} for b in recs]

    def events(self, project: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor: int | None = 0
        while cursor is not None:
            rows, cursor = self.world.run(
                self.world.ops.projects.list_events(self.client, project, None, cursor, 50)
            )
            found.extend({"kind": e.kind, "batch": e.batch, "data": _json(e.data)} for e in rows)
        return found


def _json(text: str) -> dict[str, Any]:
    import json

    data: dict[str, Any] = json.loads(text)
    return data


# ------------------------------------------------------------------------------------ fixtures


@pytest.fixture(params=["two-workers", "threads"])
def driver(request: pytest.FixtureRequest, world: World, database_url: str, tmp_path: Path) -> Iterator[Any]:
    """An organization with project p1 (default types, so new batches open), a client and a
    staff credential, and the chosen way in."""
    org = world.org("acme")
    world.project(org, "p1", ["object-detection"])
    client_cred = world.credential(org)
    staff_cred = world.credential(org, staff=True)
    if request.param == "threads":
        client = Caller(client_cred.record.client_id, org, org, Role.CLIENT, None, "client@acme")
        yield OpsDriver(database_url, world, org, client, operator(org))
        return
    server = LiveServer(tmp_path / "server", database_url, workers=2).start()
    try:
        client_h = _token(server.url, client_cred.record.client_id, client_cred.secret)
        staff_h = _token(server.url, staff_cred.record.client_id, staff_cred.secret)
        yield HttpDriver(server.url, client_h, staff_h)
        assert "Traceback" not in server.log(), server.log()
    finally:
        server.stop()


def together(driver: Driver, calls: list[Callable[[Any], Answer]]) -> list[Answer]:
    """Run each call on its own thread and session, all released at once by a barrier."""
    barrier = threading.Barrier(len(calls))

    def work(call: Callable[[Any], Answer]) -> Answer:
        with driver.session() as session:
            barrier.wait(timeout=60)
            return call(session)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(work, calls))


def transitions_of(events: list[dict[str, Any]], batch: str) -> list[tuple[str, str, str]]:
    return [
        (e["data"]["action"], e["data"]["from"], e["data"]["to"])
        for e in events
        if e["kind"] == "batch.transitioned" and e["batch"] == batch
    ]


# ------------------------------------------------------------------------------------ scenarios


def test_twenty_concurrent_creates_publishing_previous_batches_leave_exactly_one_open(driver: Driver) -> None:
    names = [f"b{i:02d}" for i in range(20)]
    answers = together(driver, [lambda s, n=n: s.create_batch("p1", n, True) for n in names])

    assert [a.status for a in answers] == [200] * 20
    batches = driver.batches("p1")
    assert sorted(b["batch"] for b in batches) == names
    statuses = Counter(b["status"] for b in batches)
    assert statuses == {"open": 1, "ready": 19}
    # The open one is the batch created last; every other was published by a later create.
    assert batches[-1]["status"] == "open"
    events = driver.events("p1")
    assert sorted(e["batch"] for e in events if e["kind"] == "batch.created") == names
    for b in batches[:-1]:
        assert transitions_of(events, b["batch"]) == [("publish", "open", "ready")]
    assert transitions_of(events, batches[-1]["batch"]) == []


def test_first_creates_racing_a_change_of_the_default_types_all_inherit_the_same_types(
    driver: Driver,
) -> None:
    # The first batch takes the project's defaults and every later one the latest batch's types:
    # whichever way the change falls among the creates, the batches all get one list of types,
    # the old defaults when a batch was created before the change, else the new ones.
    names = [f"b{i:02d}" for i in range(12)]
    calls: list[Callable[[Any], Answer]] = [lambda s, n=n: s.create_batch("p1", n, False) for n in names]
    calls.insert(1, lambda s: s.set_default_types("p1", ["lane-marking"]))
    answers = together(driver, calls)

    assert [a.status for a in answers] == [200] * 13
    events = driver.events("p1")
    created = [e for e in events if e["kind"] == "batch.created"]
    assert sorted(e["batch"] for e in created) == names
    change = next(i for i, e in enumerate(events) if e["kind"] == "project.annotation-types-set")
    any_before = any(e["kind"] == "batch.created" for e in events[:change])
    expected = ["object-detection"] if any_before else ["lane-marking"]
    assert [e["data"]["annotationTypes"] for e in created] == [expected] * 12
    assert {b["status"] for b in driver.batches("p1")} == {"open"}


def test_batches_created_side_by_side_are_all_in_every_list_read_after_them(driver: Driver) -> None:
    # Lists read while the creates commit (and kept by the server's workers) never hide a batch
    # once its create has answered; every batch inherits the first one's types.
    with driver.session() as s:  # type: ignore[attr-defined]
        assert s.create_batch("p1", "first", False).status == 200
    names = [f"b{i:02d}" for i in range(12)]
    calls: list[Callable[[Any], Answer]] = []
    for n in names:
        calls += [lambda s, n=n: s.create_batch("p1", n, False), lambda s: s.list_batches("p1")]
    answers = together(driver, calls)

    assert [a.status for a in answers] == [200] * len(calls)
    for _ in range(6):
        assert sorted(b["batch"] for b in driver.batches("p1")) == sorted(["first", *names])
    created = [e for e in driver.events("p1") if e["kind"] == "batch.created"]
    assert [e["data"]["annotationTypes"] for e in created] == [["object-detection"]] * 13


def test_ten_concurrent_creates_of_one_batch_give_one_success_and_nine_409s(driver: Driver) -> None:
    answers = together(driver, [lambda s: s.create_batch("p1", "b1", False)] * 10)

    assert sorted(a.status for a in answers) == [200] + [409] * 9
    assert {a.code for a in answers if a.status == 409} == {"duplicate-batch"}
    assert [b["batch"] for b in driver.batches("p1")] == ["b1"]
    assert [e["batch"] for e in driver.events("p1") if e["kind"] == "batch.created"] == ["b1"]


def test_ten_concurrent_creates_under_one_idempotency_key_all_answer_the_one_batch(driver: Driver) -> None:
    answers = together(driver, [lambda s: s.create_batch("p1", "b1", True, key="retry-1")] * 10)

    assert [a.status for a in answers] == [200] * 10
    assert len({repr(sorted(a.body.items())) for a in answers}) == 1
    assert [b["batch"] for b in driver.batches("p1")] == ["b1"]


def test_publishing_racing_staff_transitions_stays_within_the_transition_table(driver: Driver) -> None:
    # Half the batches start open, half ready; each gets the same mix of moves (two also an
    # archive), all shuffled together.
    names = [f"b{i}" for i in range(6)]
    with driver.session() as s:  # type: ignore[attr-defined]
        for i, n in enumerate(names):
            assert s.create_batch("p1", n, False).status == 200
            if i % 2:
                assert s.move("p1", n, "publish").status == 200
    initial = {b["batch"]: b["status"] for b in driver.batches("p1")}
    moves = ["publish", "publish", "publish", "reopen", "reopen", "start", "start", "complete"]
    plan = [(n, m) for n in names for m in moves + (["archive"] if n in ("b4", "b5") else [])]
    random.Random(7).shuffle(plan)

    answers = together(driver, [lambda s, n=n, m=m: s.move("p1", n, m) for n, m in plan])

    legal = {(a.value, b.value) for a, b in allowed_moves()}
    final = {b["batch"]: b["status"] for b in driver.batches("p1")}
    events = driver.events("p1")
    for (_, move), answer in zip(plan, answers, strict=True):
        assert answer.status in {200, 409}, answer
        if answer.status == 200:
            assert answer.body["status"] == TARGET[move]
        else:
            assert answer.code == "illegal-transition", answer
    for i, batch in enumerate(names):
        chain = transitions_of(events, batch)
        assert all((src, dst) in legal for _, src, dst in chain), chain
        race = chain[1:] if i % 2 else chain  # the ready ones were published before the race
        # The audit log replays from the status the race started with to the final status.
        status = initial[batch]
        for _, src, dst in race:
            assert src == status, chain
            status = dst
        assert status == final[batch] and final[batch] in {s.value for s in BatchStatus}
        # Every answered change is in the log; only a publish of a ready batch answers 200 unchanged.
        ok = Counter(m for (n, m), a in zip(plan, answers, strict=True) if n == batch and a.status == 200)
        logged = Counter(action for action, _, _ in race)
        assert [ok[m] for m in ("reopen", "start", "archive")] == [
            logged[m] for m in ("reopen", "start", "archive")
        ]
        assert logged["publish"] <= ok["publish"]


def test_replicas_starting_together_on_a_fresh_database_agree_on_one_signing_key(database_url: str) -> None:
    barrier = threading.Barrier(4)

    def start() -> str:
        async def go() -> str:
            db = open_database(database_url)
            try:
                await db.connect()
            except BaseException:
                barrier.abort()  # the others stop waiting: this error, not theirs, is the failure
                raise
            try:
                barrier.wait(timeout=60)
                return await load_signing_key(db, "")
            finally:
                await db.close()

        return asyncio.run(go())

    with ThreadPoolExecutor(4) as pool:
        started = [pool.submit(start) for _ in range(4)]
    errors = [e for e in (f.exception() for f in started) if e is not None]
    if errors:  # the error that broke the barrier first, not the barrier's
        raise next((e for e in errors if not isinstance(e, threading.BrokenBarrierError)), errors[0])
    keys = [f.result() for f in started]
    assert len(set(keys)) == 1 and len(keys[0]) >= 32
