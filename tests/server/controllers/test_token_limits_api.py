"""The token endpoint limits failed requests per client id and per address (429 with Retry-After);
successful requests are never counted nor refused for another's failures; time lets a refused
client in again; memory stays bounded."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from annobatch.server.app import create_app
from annobatch.server.throttle import FailureLimit, client_address, proxy_networks
from annobatch.services.accounts import NewCredential
from annobatch.settings import Settings
from conftest import World

TOKEN = "/v1/auth/oauth/token"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient[Any]]:
    limited = dataclasses.replace(settings, token_failures_per_client=3, token_failures_per_address=8)
    with TestClient(create_app(limited)) as c:
        yield c


def ask(client: TestClient[Any], client_id: str, secret: str, **headers: str) -> Any:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return client.post(TOKEN, data=form, headers=headers)


def pair(world: World) -> tuple[NewCredential, NewCredential]:
    org = world.org("acme")
    return world.credential(org), world.credential(org)


def test_failures_of_one_client_id_are_limited_and_others_are_not(
    client: TestClient[Any], world: World
) -> None:
    a, b = pair(world)
    for _ in range(3):
        assert ask(client, a.record.client_id, "wrong").status_code == 401
    refused = ask(client, a.record.client_id, a.secret)  # even the right secret: not checked now
    assert refused.status_code == 429
    assert refused.json()["error"] == "too_many_requests"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["cache-control"] == "no-store"
    assert ask(client, b.record.client_id, b.secret).status_code == 200


def test_successful_requests_are_never_counted(client: TestClient[Any], world: World) -> None:
    a, _ = pair(world)
    for _ in range(30):
        assert ask(client, a.record.client_id, a.secret).status_code == 200


def test_failures_from_one_address_are_limited_whatever_the_client_id(
    client: TestClient[Any], world: World
) -> None:
    a, _ = pair(world)
    for i in range(8):
        assert ask(client, f"nobody-{i}", "wrong").status_code == 401
    r = ask(client, a.record.client_id, a.secret)
    assert r.status_code == 429 and "retry-after" in r.headers
    # HTTP Basic and broken forms count as failures too, and are refused the same way.
    assert client.post(TOKEN, content=b"grant_type=x").status_code == 429


def test_http_basic_failures_count_for_their_client_id(client: TestClient[Any], world: World) -> None:
    import base64

    a, _ = pair(world)
    basic = {"Authorization": "Basic " + base64.b64encode(f"{a.record.client_id}:wrong".encode()).decode()}
    for _ in range(3):
        assert client.post(TOKEN, data={"grant_type": "client_credentials"}, headers=basic).status_code == 401
    assert ask(client, a.record.client_id, a.secret).status_code == 429


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_refused_key_may_try_again_as_time_passes() -> None:
    clock = Clock()
    limit = FailureLimit(limit=3, window=60, clock=clock)
    assert [limit.failed("k") for _ in range(3)] == [False, False, True]
    assert limit.retry_after("k") == pytest.approx(20)
    clock.now += 20
    assert limit.retry_after("k") == 0  # one more failure is allowed…
    assert limit.failed("k") is True  # …and then it waits again
    clock.now += 60
    assert limit.retry_after("k") == 0
    assert [limit.failed("k") for _ in range(3)] == [False, False, True]


def test_memory_is_bounded_and_a_limit_of_zero_is_no_limit() -> None:
    limit = FailureLimit(limit=2, window=60, max_keys=100)
    for i in range(10_000):
        limit.failed(f"id-{i}")
    assert len(limit._paid_at) == 100
    off = FailureLimit(limit=0, window=60)
    assert not any(off.failed("k") for _ in range(1000)) and off.retry_after("k") == 0


@pytest.mark.parametrize(
    ("peer", "forwarded", "address"),
    [
        ("203.0.113.7", None, "203.0.113.7"),
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),  # not a trusted proxy: its header is ignored
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.3", "198.51.100.1"),  # the client's claim is not believed
        ("10.0.0.2", None, "10.0.0.2"),
        ("2001:db8::1", None, "2001:db8::/64"),
        ("2001:db8::2", None, "2001:db8::/64"),
        (None, None, "unknown"),
    ],
)
def test_the_address_is_the_peers_unless_a_trusted_proxy_names_the_client(
    peer: str | None, forwarded: str | None, address: str
) -> None:
    assert client_address(peer, forwarded, proxy_networks(["10.0.0.0/24"])) == address


def test_an_unusable_trusted_proxy_is_refused(tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="ANNOBATCH_TRUSTED_PROXIES"):
        Settings(data_dir=tmp_path, trusted_proxies=("balancer.example",))
