"""Helpers for the SDK's tests: an SDK client bound to the app in process, a credentials file,
and a scripted fake server for auth and retry behaviour."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from annobatch import Client
from annobatch.client._requester import RetryPolicy
from annobatch.services.accounts import NewCredential

APP_HOST = "http://testserver.local"
FAKE_HOST = "http://api.example"


def credentials_file(tmp_path: Path, cred: NewCredential, name: str = "creds.json") -> Path:
    """A credentials file in the format `annobatch credentials create` writes."""
    path = tmp_path / name
    path.write_text(
        json.dumps(
            {
                "clientId": cred.record.client_id,
                "clientSecret": cred.secret,
                "email": cred.record.email,
                "userId": 1,
                "issuer": "annobatch",
            }
        )
    )
    return path


def sdk(http_client: httpx.Client, cred: NewCredential, **kw: Any) -> Client:
    """An SDK client talking to the app in process through `http_client`."""
    return Client(APP_HOST, (cred.record.client_id, cred.secret), http_client=http_client, **kw)


@dataclass
class FakeServer:
    """A scripted server: the token endpoint issues `tok-1`, `tok-2`, ...; API calls are answered
    by `answers` in order (then 200 with `{"data": []}`), each either a response or an exception."""

    answers: list[httpx.Response | Exception] = field(default_factory=list)
    expires_in: int = 3600
    token_status: int = 200
    tokens_issued: int = 0
    api_requests: list[httpx.Request] = field(default_factory=list)
    tokens_seen: list[str] = field(default_factory=list)
    token_requests: list[httpx.Request] = field(default_factory=list)
    valid_tokens: Callable[[str], bool] = lambda token: True

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/auth/oauth/token":
            self.token_requests.append(request)
            if self.token_status != 200:
                return httpx.Response(
                    self.token_status, json={"message": "unknown client id", "code": "invalid_client"}
                )
            self.tokens_issued += 1
            return httpx.Response(
                200,
                json={
                    "access_token": f"tok-{self.tokens_issued}",
                    "token_type": "bearer",
                    "expires_in": self.expires_in,
                },
            )
        self.api_requests.append(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        self.tokens_seen.append(token)
        if not self.valid_tokens(token):
            return httpx.Response(401, json={"message": "the token has expired", "code": "token-expired"})
        if self.answers:
            answer = self.answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return httpx.Response(200, json={"data": []})

    def http_client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handler))

    def client(self, sleeps: list[float] | None = None, retries: int = 3, **kw: Any) -> Client:
        """An SDK client of this fake server whose retry waits are recorded in `sleeps`, not slept."""
        client = Client(FAKE_HOST, ("id", "secret"), http_client=self.http_client(), **kw)
        client._requester.retry = RetryPolicy(
            retries=retries, sleep=(sleeps if sleeps is not None else []).append, random=lambda: 1.0
        )
        return client
