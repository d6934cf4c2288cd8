"""`annobatch webhooks add|list|remove|deliveries|replay`, `annobatch jobs list|retry` and
`annobatch worker --until-idle`, against a real receiver on loopback (both databases)."""

from __future__ import annotations

import json

from operator_testing import assert_refused, cli, ok_json

from webhook_receiver import webhook_receiver

#: Loopback allowed (the receiver), two attempts without a pause: a short schedule for tests.
ENV = {
    "ANNOBATCH_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
    "ANNOBATCH_WEBHOOK_ATTEMPTS": "2",
    "ANNOBATCH_WEBHOOK_RETRY_BASE": "0",
    "ANNOBATCH_WEBHOOK_RETRY_CAP": "0",
}


def publish(url: str, batch: str) -> None:
    for args in (
        ["batch", "create", "--org", "acme", "p1", batch],
        ["batch", "publish", "--org", "acme", "p1", batch],
    ):
        r = cli(url, *args)
        assert r.exit_code == 0, r.stderr


def test_an_operator_subscribes_runs_the_worker_and_retries_and_replays_what_failed(
    database_url: str,
) -> None:
    cli(database_url, "org", "create", "acme")
    r = cli(
        database_url, "project", "create", "--org", "acme", "p1", "--title", "P1", "--annotation-types", "od"
    )
    assert r.exit_code == 0, r.stderr
    with webhook_receiver() as receiver:
        r = cli(database_url, "--json", "webhooks", "add", "--org", "acme", "--url", receiver.url,
                "--event", "batch.transitioned", env=ENV)  # fmt: skip
        assert r.exit_code == 0, r.stderr
        hook = json.loads(r.stdout)
        assert hook["secret"].startswith("whsec_")
        assert [h["id"] for h in ok_json(database_url, "webhooks", "list", "--org", "acme")] == [hook["id"]]

        publish(database_url, "b1")
        r = cli(database_url, "worker", "--until-idle", env=ENV)
        assert (r.exit_code, r.stderr.strip()) == (0, "ran 1 jobs; none is due now")
        [delivered] = ok_json(database_url, "webhooks", "deliveries", "--org", "acme", hook["id"])
        assert (delivered["status"], delivered["responseStatus"]) == ("delivered", 200)

        receiver.statuses = [500, 502]
        publish(database_url, "b2")
        cli(database_url, "worker", "--until-idle", env=ENV)
        failed = ok_json(database_url, "webhooks", "deliveries", "--org", "acme", hook["id"])[0]
        assert (failed["status"], failed["attempts"], failed["error"]) == (
            "failed",
            2,
            "the endpoint answered 502",
        )
        [dead] = ok_json(database_url, "jobs", "list", "--status", "dead")
        assert (dead["kind"], dead["payload"], dead["attempts"]) == ("webhook.deliver", failed["id"], 2)

        assert cli(database_url, "jobs", "retry", str(dead["id"])).exit_code == 0
        cli(database_url, "worker", "--until-idle", env=ENV)
        assert ok_json(database_url, "jobs", "list") == []
        retried = ok_json(database_url, "webhooks", "deliveries", "--org", "acme", hook["id"])[0]
        assert (retried["id"], retried["status"]) == (failed["id"], "delivered")

        replayed = ok_json(database_url, "webhooks", "replay", "--org", "acme", hook["id"], delivered["id"])
        cli(database_url, "worker", "--until-idle", env=ENV)
        log = ok_json(database_url, "webhooks", "deliveries", "--org", "acme", hook["id"])
        assert (log[0]["id"], log[0]["status"]) == (replayed["id"], "delivered")
        assert len(receiver.received) == 5  # 1, then 2 failed + 1 retried, then the replay

        assert cli(database_url, "webhooks", "remove", "--org", "acme", hook["id"]).exit_code == 0
        assert ok_json(database_url, "webhooks", "list", "--org", "acme") == []


def test_a_url_webhooks_may_not_reach_is_refused_in_one_line(database_url: str) -> None:
    cli(database_url, "org", "create", "acme")
    r = cli(database_url, "webhooks", "add", "--org", "acme", "--url", "https://10.0.0.8/hook")
    assert_refused(r, "10.0.0.8", "private or reserved address")
    assert_refused(cli(database_url, "jobs", "retry", "77"), "no dead job 77")
