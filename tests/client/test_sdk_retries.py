"""Retries with backoff and jitter on connection errors and 429/502/503/504; timeouts everywhere."""

from __future__ import annotations

import httpx
import pytest
from sdk_testing import FakeServer

from annobatch import APIConnectionError, BadRequest, Conflict, NotFound, RateLimited, ServerError
from annobatch.client._requester import RetryPolicy

BATCH = {
    "project": "p1",
    "batch": "b2",
    "title": "b2",
    "status": "open",
    "created": "2025-01-02T03:04:05.000006Z",
    "updated": "2025-01-02T03:04:05.000006Z",
}


def error(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"message": f"status {status}", "code": "c"}, headers=headers)


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_a_read_is_retried_after_an_overloaded_answer(status: int) -> None:
    sleeps: list[float] = []
    server = FakeServer(answers=[error(status), error(status)])
    assert server.client(sleeps).project.get_projects() == []
    assert len(server.api_requests) == 3
    assert sleeps == [0.25, 0.5]


def test_the_wait_doubles_up_to_a_cap_and_is_jittered() -> None:
    policy = RetryPolicy(backoff=0.25, max_wait=1.0, random=lambda: 0.5)
    assert [policy.delay(n) for n in range(5)] == [0.125, 0.25, 0.5, 0.5, 0.5]


def test_retry_after_in_seconds_is_honoured() -> None:
    sleeps: list[float] = []
    server = FakeServer(answers=[error(429, **{"Retry-After": "7"})])
    server.client(sleeps).project.get_projects()
    assert sleeps == [7.0]


def test_retry_after_is_capped() -> None:
    assert RetryPolicy(max_wait=30.0).delay(0, "86400") == 30.0


def test_retry_after_as_an_http_date_in_the_past_means_now() -> None:
    assert RetryPolicy().delay(0, "Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_connection_errors_are_retried() -> None:
    sleeps: list[float] = []
    server = FakeServer(answers=[httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])
    assert server.client(sleeps).project.get_projects() == []
    assert len(sleeps) == 2


def test_after_the_last_retry_the_typed_error_is_raised() -> None:
    sleeps: list[float] = []
    server = FakeServer(answers=[error(503)] * 4)
    with pytest.raises(ServerError) as e:
        server.client(sleeps, retries=3).project.get_projects()
    assert e.value.status == 503
    assert len(server.api_requests) == 4
    assert len(sleeps) == 3


def test_a_persistent_429_ends_as_rate_limited() -> None:
    server = FakeServer(answers=[error(429)] * 2)
    with pytest.raises(RateLimited):
        server.client(retries=1).project.get_projects()


def test_a_connection_that_never_comes_is_a_connection_error() -> None:
    server = FakeServer(answers=[httpx.ConnectError("refused")] * 3)
    with pytest.raises(APIConnectionError, match=r"cannot reach http://api\.example"):
        server.client(retries=2).project.get_projects()


@pytest.mark.parametrize(("status", "error_type"), [(400, BadRequest), (404, NotFound), (409, Conflict)])
def test_answers_that_would_not_change_are_not_retried(status: int, error_type: type[Exception]) -> None:
    sleeps: list[float] = []
    server = FakeServer(answers=[error(status)])
    with pytest.raises(error_type):
        server.client(sleeps).project.get_projects()
    assert len(server.api_requests) == 1
    assert sleeps == []


def test_a_500_is_a_server_bug_and_is_not_retried() -> None:
    server = FakeServer(answers=[error(500)])
    with pytest.raises(ServerError):
        server.client().project.get_projects()
    assert len(server.api_requests) == 1


def test_a_retried_create_sends_the_same_idempotency_key_every_time() -> None:
    server = FakeServer(
        answers=[error(503), httpx.ConnectError("reset"), httpx.Response(200, json={"data": BATCH})]
    )
    batch = server.client().project.create_batch("p1", "b2")
    assert batch.batch == "b2"
    keys = [r.headers["Idempotency-Key"] for r in server.api_requests]
    assert len(keys) == 3
    assert len(set(keys)) == 1


def test_each_create_call_gets_its_own_idempotency_key() -> None:
    server = FakeServer(answers=[httpx.Response(200, json={"data": BATCH})] * 2)
    client = server.client()
    client.project.create_batch("p1", "b2")
    client.project.create_batch("p1", "b2")
    first, second = (r.headers["Idempotency-Key"] for r in server.api_requests)
    assert first != second


def test_a_callers_idempotency_key_is_sent_as_given() -> None:
    server = FakeServer(answers=[httpx.Response(200, json={"data": BATCH})])
    server.client().project.publish_batch("p1", "b2", idempotency_key="publish-b2-once")
    assert server.api_requests[0].headers["Idempotency-Key"] == "publish-b2-once"


def test_reads_carry_no_idempotency_key_and_no_dry_run() -> None:
    server = FakeServer()
    server.client().project.get_projects()
    assert "Idempotency-Key" not in server.api_requests[0].headers
    assert "X-Dryrun" not in server.api_requests[0].headers


def test_every_request_carries_the_configured_timeout() -> None:
    server = FakeServer(answers=[error(503), httpx.Response(200, json={"data": BATCH})])
    client = server.client(timeout=4.5)
    client.project.create_batch("p1", "b2")
    client.project.get_projects()
    for request in [*server.token_requests, *server.api_requests]:
        assert request.extensions["timeout"] == {"connect": 4.5, "read": 4.5, "write": 4.5, "pool": 4.5}


def test_an_answer_that_is_not_annobatch_json_is_a_clear_error() -> None:
    server = FakeServer(answers=[httpx.Response(200, text="<html>a proxy login page</html>")])
    with pytest.raises(Exception, match=r"GET http://api.example/v1/projects answered with something"):
        server.client().project.get_projects()
