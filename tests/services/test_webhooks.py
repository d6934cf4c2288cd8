"""Webhooks against a real receiver on loopback: an event an organization subscribed to is POSTed
signed (and the SDK's `verify_webhook` accepts it), an endpoint answering 5xx or too slowly is
retried, one failing every attempt is dead-lettered, any delivery can be replayed; another
organization's subscriptions are not found; URLs webhooks may not reach are refused (400)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

import annobatch
from annobatch.domain import BatchAction, sign_webhook
from annobatch.server.app import create_app
from annobatch.services import Services
from annobatch.services.identity import operator
from annobatch.services.jobs import JobWorker
from annobatch.settings import Settings
from annobatch.storage import tables
from annobatch.storage.database import Database, Query
from annobatch.storage.queries._sql import b
from conftest import World, bearer
from webhook_receiver import Receiver, webhook_receiver

pytestmark = pytest.mark.postgres


class Hooks:
    """An organization with project `p1` and batch `b1`, a client of it, an in-process API, and
    the job worker (driven by the test)."""

    def __init__(self, client: TestClient[Any], world: World, db: Database, settings: Settings) -> None:
        self.client, self.world = client, world
        self.ops = Services.over(db, **settings.job_options())
        self.worker = JobWorker(db, self.ops.job_kinds(), concurrency=2)
        self.org = world.org("acme")
        self.headers = bearer(client, world.credential(self.org))
        world.project(self.org, "p1", ["object-detection"])

    def subscribe(self, url: str, events: list[str], headers: dict[str, str] | None = None) -> Any:
        return self.client.post(
            "/v1/webhooks", json={"url": url, "events": events}, headers=headers or self.headers
        )

    def subscribed(self, url: str, events: list[str]) -> dict[str, Any]:
        r = self.subscribe(url, events)
        assert r.status_code == 200, r.text
        return dict(r.json()["data"])

    def new_batch(self, name: str = "b1") -> None:
        """A batch is created, then published: one `batch.transitioned` event."""
        self.world.batch(self.org, "p1", name)
        caller = operator(self.org)
        self.world.run(self.ops.batches.transition_batch(caller, "p1", name, BatchAction.PUBLISH))

    def work(self) -> int:
        return self.world.run(self.worker.run_until_idle())

    def deliveries(self, hook: dict[str, Any]) -> list[dict[str, Any]]:
        r = self.client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=self.headers)
        assert r.status_code == 200, r.text
        return list(r.json()["data"])


def loopback_settings(settings: Settings, **kw: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": settings.data_dir, "database_url": settings.database_url, "job_workers": 0,
        "webhook_allowed_networks": ("127.0.0.0/8",), "webhook_attempts": 3,
        "webhook_retry_base_seconds": 0.0, "webhook_retry_cap_seconds": 0.0, **kw,
    }  # fmt: skip
    return Settings(**values)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as r:
        yield r


@pytest.fixture
def hooks(settings: Settings, world: World, db: Database) -> Iterator[Hooks]:
    local = loopback_settings(settings)
    with TestClient(create_app(local)) as client:
        yield Hooks(client, world, db, local)


def test_a_subscribed_event_is_posted_signed_and_the_sdk_verifies_it(
    hooks: Hooks, receiver: Receiver
) -> None:
    hook = hooks.subscribed(receiver.url, ["batch.transitioned"])
    assert hook["secret"].startswith("whsec_") and hook["events"] == ["batch.transitioned"]
    hooks.new_batch()
    assert hooks.work() == 1
    [got] = receiver.received
    assert got.path == "/hooks"
    event = annobatch.verify_webhook(got.body, got.headers, hook["secret"])
    assert (event["type"], event["project"], event["batch"]) == ("batch.transitioned", "p1", "b1")
    assert (event["data"]["from"], event["data"]["to"]) == ("open", "ready")
    [delivery] = hooks.deliveries(hook)
    assert (delivery["id"], delivery["status"], delivery["attempts"], delivery["responseStatus"]) == (
        event["id"], "delivered", 1, 200,
    )  # fmt: skip
    # the secret is shown once: never in a listing
    listed = hooks.client.get("/v1/webhooks", headers=hooks.headers).json()["data"]
    assert [(w["id"], w["secret"]) for w in listed] == [(hook["id"], None)]


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body_and_a_forgery_or_old_one_is_refused() -> None:
    body, secret, now = b'{"type":"batch.transitioned"}', "whsec_x", int(time.time())
    headers = {
        "Annobatch-Webhook-Timestamp": str(now),
        "Annobatch-Webhook-Signature": sign_webhook(secret, now, body),
    }
    assert annobatch.verify_webhook(body, headers, secret) == {"type": "batch.transitioned"}
    with pytest.raises(annobatch.WebhookSignatureError, match="does not match"):
        annobatch.verify_webhook(body, headers, "whsec_another")
    with pytest.raises(annobatch.WebhookSignatureError, match="does not match"):
        annobatch.verify_webhook(body + b" ", headers, secret)
    with pytest.raises(annobatch.WebhookSignatureError, match="more than 300 s"):
        annobatch.verify_webhook(body, headers, secret, now=now + 301)


def test_events_not_subscribed_to_are_not_sent(hooks: Hooks, receiver: Receiver) -> None:
    hook = hooks.subscribed(receiver.url, ["annotation.delivered"])
    hooks.new_batch()
    assert hooks.work() == 0
    assert receiver.received == [] and hooks.deliveries(hook) == []


def test_an_endpoint_answering_500_is_retried_until_it_answers_2xx(hooks: Hooks, receiver: Receiver) -> None:
    hook = hooks.subscribed(receiver.url, ["*"])
    receiver.statuses = [500, 503]
    hooks.new_batch()
    hooks.work()
    assert len(receiver.received) == 3
    [delivery] = hooks.deliveries(hook)
    assert (delivery["status"], delivery["attempts"], delivery["responseStatus"]) == ("delivered", 3, 200)
    ids = {r.headers["Annobatch-Webhook-Id"] for r in receiver.received}
    assert ids == {delivery["id"]}  # the same delivery, tried again


def test_a_slow_endpoint_times_out_and_is_tried_again(
    settings: Settings, world: World, db: Database, receiver: Receiver
) -> None:
    local = loopback_settings(settings, webhook_timeout_seconds=0.2)
    with TestClient(create_app(local)) as client:
        hooks = Hooks(client, world, db, local)
        hook = hooks.subscribed(receiver.url, ["batch.transitioned"])
        receiver.delay = 1.0
        hooks.new_batch()
        hooks.world.run(hooks.worker.run_once())
        [delivery] = hooks.deliveries(hook)
        assert (delivery["status"], delivery["responseStatus"]) == ("pending", None)
        assert "timed out" in delivery["error"]
        receiver.delay = 0.0
        hooks.work()
        assert hooks.deliveries(hook)[0]["status"] == "delivered"


def test_a_delivery_failing_every_attempt_is_dead_lettered_and_a_replay_sends_it_again(
    hooks: Hooks, receiver: Receiver
) -> None:
    hook = hooks.subscribed(receiver.url, ["batch.transitioned"])
    receiver.statuses = [500, 500, 500]
    hooks.new_batch()
    hooks.work()
    [failed] = hooks.deliveries(hook)
    assert (failed["status"], failed["attempts"], failed["responseStatus"]) == ("failed", 3, 500)
    assert failed["error"] == "the endpoint answered 500"
    # staff see the dead letter over the API (clients are refused: the tenancy matrix)
    staff = {
        **bearer(hooks.client, hooks.world.credential(hooks.org, staff=True)),
        "X-Organization-Id": str(hooks.org),
    }
    [dead] = hooks.client.get("/v1/jobs?status=dead", headers=staff).json()["data"]
    assert (dead["kind"], dead["payload"], dead["attempts"], dead["maxAttempts"]) == (
        "webhook.deliver", failed["id"], 3, 3,
    )  # fmt: skip
    assert dead["lastError"] == "SendFailed: the endpoint answered 500"

    r = hooks.client.post(
        f"/v1/webhooks/{hook['id']}/deliveries/{failed['id']}/replay", headers=hooks.headers
    )
    assert r.status_code == 200, r.text
    replayed = r.json()["data"]
    assert (replayed["status"], replayed["eventId"]) == ("pending", failed["eventId"])
    hooks.work()
    assert len(receiver.received) == 4
    assert [(d["id"], d["status"]) for d in hooks.deliveries(hook)] == [
        (replayed["id"], "delivered"), (failed["id"], "failed"),
    ]  # fmt: skip
    first, last = receiver.received[0].body, receiver.received[-1].body
    assert first.replace(failed["id"].encode(), replayed["id"].encode()) == last


def test_a_removed_subscription_sends_nothing_more(hooks: Hooks, receiver: Receiver) -> None:
    hook = hooks.subscribed(receiver.url, ["batch.transitioned"])
    hooks.new_batch()
    assert hooks.client.delete(f"/v1/webhooks/{hook['id']}", headers=hooks.headers).status_code == 200
    hooks.work()
    assert receiver.received == []
    assert hooks.client.get(f"/v1/webhooks/{hook['id']}", headers=hooks.headers).status_code == 404


def test_another_organizations_subscriptions_are_not_found(hooks: Hooks, receiver: Receiver) -> None:
    hook = hooks.subscribed(receiver.url, ["batch.transitioned"])
    hooks.new_batch()
    hooks.work()
    [delivery] = hooks.deliveries(hook)
    other = bearer(hooks.client, hooks.world.credential(hooks.world.org("globex")))
    c, base = hooks.client, f"/v1/webhooks/{hook['id']}"
    assert c.get("/v1/webhooks", headers=other).json()["data"] == []
    for method, path in [
        ("GET", base), ("GET", f"{base}/deliveries"), ("POST", f"{base}/deliveries/{delivery['id']}/replay"),
        ("DELETE", base),
    ]:  # fmt: skip
        r = c.request(method, path, headers=other)
        assert (r.status_code, r.json()["code"]) == (404, "webhook-not-found"), (method, path)
    # the other organization's events never reach this subscription
    hooks.world.project(hooks.world.org("initech"), "p1")
    assert hooks.work() == 0 and len(receiver.received) == 1


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://example.com/hook", "must be https"),
        ("ftp://example.com/hook", "https://host/path"),
        ("https://user:pw@example.com/hook", "no user, password"),
        ("https://127.0.0.1/hook", "loopback address"),
        ("http://localhost:8080/hook", "loopback address"),
        ("https://10.1.2.3/hook", "private or reserved address"),
        ("https://169.254.169.254/latest/meta-data", "link-local address"),
        ("https://[::1]/hook", "loopback address"),
        ("https://[::ffff:192.168.0.1]/hook", "private or reserved address"),
        ("https://no-such-host.invalid/hook", "does not resolve"),
        ("not a url", "https://host/path"),
    ],
)
def test_urls_webhooks_may_not_reach_are_refused_with_a_message_that_says_why(
    app_client: TestClient[Any], world: World, url: str, words: str
) -> None:
    headers = bearer(app_client, world.credential(world.org("acme")))
    r = app_client.post("/v1/webhooks", json={"url": url, "events": ["*"]}, headers=headers)
    assert (r.status_code, r.json()["code"]) == (400, "invalid-url"), r.text
    assert words in r.json()["message"]
    assert app_client.get("/v1/webhooks", headers=headers).json()["data"] == []


def test_unknown_events_are_refused_naming_them(app_client: TestClient[Any], world: World) -> None:
    headers = bearer(app_client, world.credential(world.org("acme")))
    r = app_client.post(
        "/v1/webhooks", json={"url": "https://example.com/h", "events": ["batch.exploded"]}, headers=headers
    )
    assert (r.status_code, r.json()["code"]) == (400, "invalid-events")
    assert "unknown event batch.exploded" in r.json()["message"]


def test_the_servers_own_worker_delivers_and_a_held_endpoint_never_holds_a_request(
    settings: Settings, world: World, db: Database, receiver: Receiver
) -> None:
    local = loopback_settings(settings, job_workers=2, job_poll_seconds=0.05)
    receiver.gate = threading.Event()
    with TestClient(create_app(local)) as client:
        hooks = Hooks(client, world, db, local)
        hook = hooks.subscribed(receiver.url, ["batch.transitioned"])
        world.batch(hooks.org, "p1", "b1")
        world.batch(hooks.org, "p1", "b2")
        publish = client.post("/v1/projects/p1/batches/b1/publish", headers=hooks.headers)
        assert publish.status_code == 200, publish.text
        wait_for(lambda: len(receiver.received) == 1, "the server's worker to POST")
        # the receiver holds that POST: requests are answered meanwhile, the delivery stays pending
        publish = client.post("/v1/projects/p1/batches/b2/publish", headers=hooks.headers)
        assert publish.status_code == 200, publish.text
        assert (
            client.get("/v1/projects/p1/batches/b2", headers=hooks.headers).json()["data"]["status"]
            == "ready"
        )
        assert [d["status"] for d in hooks.deliveries(hook)] == ["pending", "pending"]
        receiver.gate.set()
        wait_for(lambda: [d["status"] for d in hooks.deliveries(hook)] == ["delivered"] * 2, "both delivered")


def wait_for(condition: Callable[[], bool], what: str) -> None:
    for _ in range(1000):
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def test_staff_run_a_dead_delivery_again_over_the_api(hooks: Hooks, receiver: Receiver) -> None:
    hook = hooks.subscribed(receiver.url, ["batch.transitioned"])
    receiver.statuses = [500, 500, 500]
    hooks.new_batch()
    hooks.work()
    staff = {
        **bearer(hooks.client, hooks.world.credential(hooks.org, staff=True)),
        "X-Organization-Id": str(hooks.org),
    }
    [dead] = hooks.client.get("/v1/jobs?status=dead", headers=staff).json()["data"]
    r = hooks.client.post(f"/v1/jobs/{dead['id']}/retry", headers=staff)
    assert (r.status_code, r.json()["data"]["status"], r.json()["data"]["attempts"]) == (200, "queued", 0)
    assert hooks.client.post(f"/v1/jobs/{dead['id']}/retry", headers=staff).status_code == 404  # not dead now
    hooks.work()
    [delivery] = hooks.deliveries(hook)
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 4)
    assert hooks.client.get("/v1/jobs", headers=staff).json()["data"] == []
    bad = hooks.client.get("/v1/jobs?status=sleeping", headers=staff)
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid-status")


def _stored_secret(hooks: Hooks, sub_id: str) -> str:
    async def go() -> str:
        async with hooks.ops.db.transaction() as tx:
            rows = await tx.fetch_all(Q_SECRET, {"id": sub_id})
        return str(rows[0][0])

    return hooks.world.run(go())


Q_SECRET = Query(
    sa.select(tables.webhook_subscriptions.c.secret).where(tables.webhook_subscriptions.c.id == b("id"))
)
Q_SET_SECRET = Query(
    sa.update(tables.webhook_subscriptions)
    .where(tables.webhook_subscriptions.c.id == b("id"))
    .values(secret=b("secret"))
)


def test_the_signing_secret_is_kept_sealed_and_answered_in_the_clear_once(
    hooks: Hooks, receiver: Receiver
) -> None:
    key = {"Idempotency-Key": "hook-1"}
    first = hooks.subscribe(receiver.url, ["batch.transitioned"], {**hooks.headers, **key}).json()["data"]
    again = hooks.subscribe(receiver.url, ["batch.transitioned"], {**hooks.headers, **key}).json()["data"]
    assert first["secret"].startswith("whsec_") and again == first  # the same answer, the same secret
    stored = _stored_secret(hooks, first["id"])
    assert stored.startswith("v1:") and first["secret"] not in stored and first["secret"][6:] not in stored

    def idempotency_bodies() -> list[bytes]:
        async def go() -> list[bytes]:
            async with hooks.ops.db.transaction() as tx:
                return [
                    bytes(r[0]) for r in await tx.fetch_all(Query(sa.select(tables.idempotency_keys.c.body)))
                ]

        return hooks.world.run(go())

    assert all(first["secret"].encode() not in body for body in idempotency_bodies())
    hooks.new_batch()
    assert hooks.work() == 1
    [got] = receiver.received
    assert annobatch.verify_webhook(got.body, got.headers, first["secret"])["type"] == "batch.transitioned"


def test_a_secret_stored_in_the_clear_still_signs_and_a_sealed_one_moved_to_another_webhook_does_not(
    hooks: Hooks, receiver: Receiver
) -> None:
    old = hooks.subscribed(receiver.url, ["batch.transitioned"])
    other = hooks.subscribed(receiver.url + "?other", ["batch.transitioned"])

    def set_secret(sub_id: str, value: str) -> None:
        async def go() -> None:
            async with hooks.ops.db.transaction(write=True) as tx:
                await tx.execute(Q_SET_SECRET, {"id": sub_id, "secret": value})

        hooks.world.run(go())

    set_secret(old["id"], "whsec_stored-before-secrets-were-sealed")
    moved = _stored_secret(hooks, other["id"])
    third = hooks.subscribed(receiver.url + "?third", ["batch.transitioned"])
    set_secret(third["id"], moved)  # another webhook's sealed secret: bound to that webhook
    hooks.new_batch()
    hooks.work()
    by_path = {g.path: g for g in receiver.received}
    legacy = annobatch.verify_webhook(
        by_path["/hooks"].body, by_path["/hooks"].headers, "whsec_stored-before-secrets-were-sealed"
    )
    assert legacy["type"] == "batch.transitioned"
    assert annobatch.verify_webhook(
        by_path["/hooks?other"].body, by_path["/hooks?other"].headers, other["secret"]
    )
    assert "/hooks?third" not in by_path
    [failed] = hooks.deliveries(third)
    assert failed["status"] != "delivered" and "cannot be opened" in (failed["error"] or "")
