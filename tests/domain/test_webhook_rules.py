"""The rules of webhooks and job retries: which events and URLs a subscription may name, which
resolved addresses a delivery may reach, how a body is signed, and how a failing job is paced."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from annobatch.domain import (
    WEBHOOK_EVENTS,
    WEBHOOK_RETRIES,
    InvalidInput,
    RetryPolicy,
    address_refusal,
    parse_webhook_events,
    parse_webhook_url,
    sign_webhook,
)


@pytest.mark.parametrize(
    ("events", "parsed"),
    [
        (["*"], WEBHOOK_EVENTS),
        (["input.failed", "batch.transitioned", "input.failed"], ("batch.transitioned", "input.failed")),
    ],
)
def test_a_subscription_names_known_events_or_all(events: list[str], parsed: tuple[str, ...]) -> None:
    assert parse_webhook_events(events) == parsed


@pytest.mark.parametrize(
    ("events", "words"), [([], "at least one"), (["task.claimed"], "unknown event task.claimed")]
)
def test_no_or_unknown_events_are_refused(events: list[str], words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        parse_webhook_events(events)


@pytest.mark.parametrize(
    ("url", "allow_http", "host", "port"),
    [
        ("https://hooks.example.com/a?b=c", False, "hooks.example.com", 443),
        ("https://hooks.example.com:8443/a", False, "hooks.example.com", 8443),
        ("http://127.0.0.1:9000/a", False, "127.0.0.1", 9000),
        ("http://localhost/a", False, "localhost", 80),
        ("http://hooks.example.com/a", True, "hooks.example.com", 80),
    ],
)
def test_https_urls_and_http_to_loopback_are_accepted(
    url: str, allow_http: bool, host: str, port: int
) -> None:
    target = parse_webhook_url(url, allow_http=allow_http)
    assert (target.host, target.port) == (host, port)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://hooks.example.com/a", "must be https"),
        ("file:///etc/passwd", "https://host/path"),
        ("https:///no-host", "https://host/path"),
        ("https://a:b@hooks.example.com/", "no user, password"),
        ("https://hooks.example.com/#frag", "no user, password or #fragment"),
        ("https://hooks.example.com:99999/", "is not a URL"),
        ("https://x.example.com/" + "a" * 2048, "longer than 2048"),
    ],
)
def test_other_urls_are_refused_saying_why(url: str, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        parse_webhook_url(url)


@pytest.mark.parametrize(
    ("address", "allowed", "refused"),
    [
        ("93.184.216.34", (), None),
        ("2606:2800:220:1:248:1893:25c8:1946", (), None),
        ("127.0.0.1", (), "loopback"),
        ("127.0.0.1", ("127.0.0.0/8",), None),
        ("::1", (), "loopback"),
        ("10.0.0.1", (), "private or reserved"),
        ("10.0.0.1", ("10.0.0.0/24",), None),
        ("192.168.1.1", ("10.0.0.0/24",), "private or reserved"),
        ("169.254.169.254", (), "link-local"),
        ("fe80::1%eth0", (), "link-local"),
        ("::ffff:10.0.0.1", (), "private or reserved"),
        ("100.64.0.1", (), "private or reserved"),
        ("224.0.0.1", (), "private or reserved"),
        ("0.0.0.0", (), "private or reserved"),
    ],
)
def test_only_public_addresses_are_reached_unless_their_network_is_allowed(
    address: str, allowed: tuple[str, ...], refused: str | None
) -> None:
    refusal = address_refusal(address, allowed)
    assert (refusal is None) == (refused is None), refusal
    if refused is not None:
        assert refused in (refusal or "")


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    expected = hmac.new(b"whsec_k", b"1764578000.{}", hashlib.sha256).hexdigest()
    assert sign_webhook("whsec_k", 1764578000, b"{}") == f"v1={expected}"


def test_a_failing_job_waits_doubling_pauses_up_to_the_cap_and_dies_after_its_last_attempt() -> None:
    policy = RetryPolicy(attempts=4, base_seconds=10, cap_seconds=30)
    assert [policy.next_run(n, 1000.0) for n in (1, 2, 3, 4)] == [1010.0, 1020.0, 1030.0, None]
    assert policy.span_seconds() == 60


def test_webhooks_are_retried_for_about_a_day() -> None:
    assert 23 * 3600 <= WEBHOOK_RETRIES.span_seconds() <= 25 * 3600


@pytest.mark.parametrize(("attempts", "base", "cap"), [(0, 1, 1), (3, -1, 1), (3, 10, 5)])
def test_a_retry_policy_that_cannot_work_is_refused(attempts: int, base: float, cap: float) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(attempts, base, cap)
