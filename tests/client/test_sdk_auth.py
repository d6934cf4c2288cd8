"""Client-credentials auth: lazy, cached, renewed before expiry, one retry on 401."""

from __future__ import annotations

import httpx
import pytest
from sdk_testing import FAKE_HOST, FakeServer

from annobatch import AuthenticationError
from annobatch.client._auth import ClientCredentialsAuth
from annobatch.client._credentials import Credentials


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_no_token_is_fetched_until_the_first_call() -> None:
    server = FakeServer()
    client = server.client()
    assert server.token_requests == []
    client.project.get_projects()
    assert len(server.token_requests) == 1


def test_the_token_request_is_a_client_credentials_grant() -> None:
    server = FakeServer()
    server.client().project.get_projects()
    (request,) = server.token_requests
    assert request.url == FAKE_HOST + "/v1/auth/oauth/token"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert dict(httpx.QueryParams(request.content.decode())) == {
        "grant_type": "client_credentials",
        "client_id": "id",
        "client_secret": "secret",
    }


def test_one_token_serves_many_calls() -> None:
    server = FakeServer()
    client = server.client()
    for _ in range(3):
        client.project.get_projects()
    assert len(server.token_requests) == 1
    assert server.tokens_seen == ["tok-1"] * 3


def test_the_token_is_renewed_before_it_expires() -> None:
    clock = Clock()
    server = FakeServer(expires_in=3600)
    auth = ClientCredentialsAuth(FAKE_HOST, Credentials("id", "secret"), clock=clock)
    http = httpx.Client(transport=httpx.MockTransport(server.handler), auth=auth)
    http.get(FAKE_HOST + "/v1/projects")
    clock.now += 3600 - 61
    http.get(FAKE_HOST + "/v1/projects")
    assert server.tokens_issued == 1
    clock.now += 2  # within a minute of the expiry: renew now rather than be refused
    http.get(FAKE_HOST + "/v1/projects")
    assert server.tokens_issued == 2
    assert server.tokens_seen == ["tok-1", "tok-1", "tok-2"]


def test_a_short_lived_token_is_renewed_at_half_its_lifetime() -> None:
    clock = Clock()
    server = FakeServer(expires_in=10)
    auth = ClientCredentialsAuth(FAKE_HOST, Credentials("id", "secret"), clock=clock)
    http = httpx.Client(transport=httpx.MockTransport(server.handler), auth=auth)
    http.get(FAKE_HOST + "/v1/projects")
    clock.now += 4
    http.get(FAKE_HOST + "/v1/projects")
    clock.now += 2
    http.get(FAKE_HOST + "/v1/projects")
    assert server.tokens_issued == 2


def test_a_401_is_answered_once_with_a_fresh_token() -> None:
    server = FakeServer(valid_tokens=lambda token: token != "tok-1")
    assert server.client().project.get_projects() == []
    assert server.tokens_seen == ["tok-1", "tok-2"]


def test_a_second_401_is_an_authentication_error_not_a_loop() -> None:
    server = FakeServer(valid_tokens=lambda token: False)
    with pytest.raises(AuthenticationError) as e:
        server.client().project.get_projects()
    assert len(server.api_requests) == 2
    assert (e.value.status, e.value.code, str(e.value)) == (401, "token-expired", "the token has expired")


def test_refused_credentials_are_an_authentication_error_with_the_servers_reason() -> None:
    server = FakeServer(token_status=401)
    with pytest.raises(AuthenticationError) as e:
        server.client().project.get_projects()
    assert str(e.value) == "authentication failed: unknown client id"
    assert e.value.status == 401
    assert server.api_requests == []


def test_a_token_answer_that_is_not_a_token_is_an_authentication_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"hello": "world"})

    auth = ClientCredentialsAuth(FAKE_HOST, Credentials("id", "secret"))
    http = httpx.Client(transport=httpx.MockTransport(handler), auth=auth)
    with pytest.raises(AuthenticationError, match="did not answer with a token"):
        http.get(FAKE_HOST + "/v1/projects")
