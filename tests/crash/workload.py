"""The clients of a crash round: concurrent batch creates (with Idempotency-Key), scenes created,
uploaded and committed the way the official client sends them (initialize, create with
`?workspaceId=`, a PUT of each file to its signed URL, commit), and invalidations. Every request
and the first answer to it is written down, so that after the kill and restart each retry can be
held to that first answer.

Every loop is bounded in count and in time; the only target is the server on loopback.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from crash.deploy import Tenant

#: A request that has not answered in this long is given up (the kill resets connections at
#: once; this bounds a server that hangs instead).
REQUEST_TIMEOUT = 10.0
#: At most this many requests per client thread in one round, however long the round lasts.
MAX_REQUESTS_PER_THREAD = 2_000
REASONS = ("duplicate", "bad-content", "incorrectly-created")


def jpeg(rng: random.Random) -> bytes:
    """Bytes the server takes for a JPEG (it checks the magic number); mostly small, sometimes a
    few hundred kilobytes so that kills land inside uploads too."""
    size = rng.choice((200, 2_000, 20_000, 300_000))
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + rng.randbytes(size) + b"\xff\xd9"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        import json

        return json.loads(self.body)


@dataclass
class Call:
    """A write sent with an Idempotency-Key, and the first answer it got (None: no answer, the
    connection died with the server)."""

    kind: str  # "batch-create" | "scene-create" | "invalidate"
    key: str
    path: str
    body: dict[str, Any]
    first: Answer | None = None


@dataclass
class Ledger:
    """What the clients of one deployment sent and were answered, across its rounds."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    transport_errors: int = 0
    answers: Counter[str] = field(default_factory=Counter)  # "operation status" → count
    calls: list[Call] = field(default_factory=list)  # idempotent writes of the current round
    unanswered_commits: set[str] = field(default_factory=set)  # of the current round
    scenes: list[str] = field(default_factory=list)  # every scene created (200)
    sent: dict[tuple[str, int], set[str]] = field(default_factory=dict)  # sha256s sent per file
    violations: list[tuple[str, str, str]] = field(default_factory=list)  # kind, subject, detail
    notes: Counter[str] = field(default_factory=Counter)  # what is worth reporting but no violation
    harness_errors: list[str] = field(default_factory=list)  # a client thread that broke

    def answered(self, op: str, status: int | None, code: str = "") -> None:
        with self.lock:
            self.requests += 1
            if status is None:
                self.transport_errors += 1
            else:
                self.answers[f"{op} {status} {code}".rstrip()] += 1

    def violation(self, kind: str, subject: str, detail: str) -> None:
        with self.lock:
            self.violations.append((kind, subject, detail))


class Client:
    """One client thread's HTTP connection; `base` moves to the restarted server's port."""

    def __init__(self, ledger: Ledger, base: str, token: str) -> None:
        self.ledger = ledger
        self.base = base
        self.http = httpx.Client(
            timeout=REQUEST_TIMEOUT, headers={"Authorization": f"Bearer {token}"}, trust_env=False
        )

    def close(self) -> None:
        self.http.close()

    def send(self, op: str, method: str, path: str, *, auth: bool = True, **kw: Any) -> httpx.Response | None:
        url = path if path.startswith("http") else self.base + path
        if not auth:
            kw["headers"] = {**kw.get("headers", {}), "Authorization": ""}
        try:
            r = self.http.request(method, url, **kw)
        except httpx.HTTPError:
            self.ledger.answered(op, None)
            return None
        self.ledger.answered(op, r.status_code, error_code(r))
        return r

    def idempotent(self, call: Call) -> Answer | None:
        r = self.send(call.kind, "POST", call.path, json=call.body, headers={"Idempotency-Key": call.key})
        return None if r is None else Answer(r.status_code, r.content)

    def upload_url(self, signed: str) -> str:
        """A signed URL answered by an earlier server start, sent to the current one."""
        return self.base + "/v1/uploads/" + signed.split("/v1/uploads/", 1)[1]


def error_code(r: httpx.Response) -> str:
    """The `code` of an error answer (what kind of refusal it was), else ""."""
    if r.status_code < 400 or not r.content.startswith(b"{"):
        return ""
    try:
        return str(r.json().get("code", ""))
    except ValueError:
        return ""


def token(base: str, tenant: Tenant) -> str:
    r = httpx.post(
        f"{base}/v1/auth/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": tenant.client_id,
            "client_secret": tenant.client_secret,
        },
        timeout=REQUEST_TIMEOUT,
        trust_env=False,
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


@dataclass
class RoundState:
    """What the clients of one round share: the batch they believe is open."""

    round_no: int
    tenant: Tenant
    stop: threading.Event
    deadline: float
    open_batch: str | None = None

    def going(self, n: int) -> bool:
        return not self.stop.is_set() and n < MAX_REQUESTS_PER_THREAD and time.monotonic() < self.deadline


# ---------------------------------------------------------------------------------- the clients


def batch_client(c: Client, s: RoundState, rng: random.Random, tid: int) -> None:
    """Create batches (most of them publishing the ones before), retry some creates at once with
    the same key, and publish the open batch now and then."""
    project = s.tenant.project
    n = 0
    while s.going(n):
        n += 1
        name = f"r{s.round_no}-t{tid}-{n}"
        call = Call(
            "batch-create",
            uuid.uuid4().hex,
            f"/v1/projects/{project}/batches/{name}",
            {"publishPreviousBatches": rng.random() < 0.8},
        )
        with c.ledger.lock:
            c.ledger.calls.append(call)
        call.first = c.idempotent(call)
        if call.first is not None and call.first.status == 200:
            s.open_batch = name
            if rng.random() < 0.3:
                again = c.idempotent(call)
                if again is not None and (again.status, again.body) != (call.first.status, call.first.body):
                    c.ledger.violation(
                        "idempotent-retry-differs", call.key, f"in-round retry answered {again.status}"
                    )
        if rng.random() < 0.15 and s.open_batch is not None:
            c.send("batch-publish", "POST", f"/v1/projects/{project}/batches/{s.open_batch}/publish")
        # Slower than the scenes: each batch takes a few scenes before the next one publishes it.
        s.stop.wait(rng.uniform(0.2, 1.2))


def cameras_body(scene_id: str, cameras: list[str], external_id: str) -> dict[str, Any]:
    images = [
        {"filename": f"/data/{n}.jpg", "resourceId": f"/data/{n}.jpg", "sensorName": n, "clientFilename": n}
        for n in cameras
    ]
    return {
        "externalId": external_id,
        "frame": {"images": images},
        "metadata": {"suite": "crash"},
        "internalId": scene_id,
        "featureFlags": {"shouldMotionCompensate": True},
    }


def scene_client(c: Client, s: RoundState, rng: random.Random, tid: int) -> None:
    """Scenes the official client's way, into the open batch (no batch named) or into the batch
    believed open; a few re-upload a file with other bytes while the commit runs."""
    t = s.tenant
    n = 0
    while s.going(n):
        n += 1
        r = c.send("initialize", "POST", "/v1/inputs/initialize", json={"workspaceId": t.workspace})
        if r is None or r.status_code != 200:
            s.stop.wait(0.1)
            continue
        sid = r.json()["data"]["sceneUuid"]
        if s.stop.is_set():
            break
        named = s.open_batch if rng.random() < 0.4 else None
        where = f"project/{t.project}/" + (f"batch/{named}/" if named else "")
        cams = [f"CAM{i}" for i in range(rng.randint(1, 3))]
        call = Call(
            "scene-create",
            uuid.uuid4().hex,
            f"/v1/inputs/{where}cameras?workspaceId={t.workspace}",
            cameras_body(sid, cams, f"r{s.round_no}-t{tid}-{n}"),
        )
        with c.ledger.lock:
            c.ledger.calls.append(call)
        call.first = c.idempotent(call)
        if call.first is None or call.first.status != 200:
            continue
        with c.ledger.lock:
            c.ledger.scenes.append(sid)
        if s.stop.is_set():
            break
        files: dict[str, str] = call.first.json()["data"].get("files", {})
        if not all(upload(c, sid, url, jpeg(rng)) for url in files.values()) or s.stop.is_set():
            continue
        racer = None
        if files and rng.random() < 0.2:
            url = rng.choice(list(files.values()))
            racer = threading.Thread(target=upload, args=(c, sid, url, jpeg(rng)), daemon=True)
            racer.start()
        r = c.send("commit", "POST", f"/v1/inputs/{sid}/actions/commit")
        if r is None:
            with c.ledger.lock:
                c.ledger.unanswered_commits.add(sid)
        if racer is not None:
            racer.join(REQUEST_TIMEOUT + 5)


def upload(c: Client, sid: str, signed: str, data: bytes) -> bool:
    position = int(signed.split("/v1/uploads/", 1)[1].split("?", 1)[0].split("/")[1])
    with c.ledger.lock:
        c.ledger.sent.setdefault((sid, position), set()).add(sha256(data))
    headers = {"Content-Type": "image/jpeg"}
    r = c.send("upload", "PUT", c.upload_url(signed), auth=False, content=data, headers=headers)
    return r is not None and r.status_code == 200


def invalidation_client(c: Client, s: RoundState, rng: random.Random, tid: int) -> None:
    """Invalidate one or two scenes created so far (any status), with an Idempotency-Key."""
    n = 0
    while s.going(n):
        n += 1
        s.stop.wait(rng.uniform(0.2, 0.6))
        with c.ledger.lock:
            known = list(c.ledger.scenes[-200:])
        if not known:
            continue
        picked = sorted(set(rng.sample(known, min(len(known), rng.randint(1, 2)))))
        call = Call(
            "invalidate",
            uuid.uuid4().hex,
            "/v2/scenes/actions/invalidate",
            {"sceneUuids": picked, "reason": rng.choice(REASONS)},
        )
        with c.ledger.lock:
            c.ledger.calls.append(call)
        call.first = c.idempotent(call)


CLIENTS = (
    (batch_client, 1),
    (scene_client, 3),
    (invalidation_client, 1),
)


def run_clients(
    ledger: Ledger, base: str, bearer: str, s: RoundState, rng: random.Random
) -> list[threading.Thread]:
    """Start every client thread of a round; they end when `s.stop` is set or at the deadline."""
    threads = []
    tid = 0
    for target, count in CLIENTS:
        for _ in range(count):
            tid += 1
            client = Client(ledger, base, bearer)
            sub = random.Random(rng.getrandbits(64))

            def body(
                target: Any = target, client: Client = client, sub: random.Random = sub, t: int = tid
            ) -> None:
                try:
                    target(client, s, sub, t)
                except Exception as e:  # a harness bug must show in the tally, not vanish
                    with ledger.lock:
                        ledger.harness_errors.append(f"{target.__name__}: {e!r}")
                finally:
                    client.close()

            th = threading.Thread(target=body, name=f"{target.__name__}-{tid}", daemon=True)
            th.start()
            threads.append(th)
    return threads
