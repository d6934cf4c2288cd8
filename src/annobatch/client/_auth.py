"""OAuth2 client-credentials as an `httpx.Auth`.

The token is fetched on the first request (through the same HTTP client, so an in-process test
client works too), cached, renewed shortly before it expires, and a 401 is answered once by
fetching a fresh token and sending the request again (the server may have rotated its key).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator

import httpx
import msgspec

from annobatch.client._credentials import Credentials
from annobatch.client._errors import AuthenticationError, from_response
from annobatch.schemas import TokenResponse

TOKEN_PATH = "/v1/auth/oauth/token"
#: Renew this long before the expiry the server announced (at most half the token's lifetime).
RENEW_EARLY_SECONDS = 60.0


class ClientCredentialsAuth(httpx.Auth):
    """Adds `Authorization: Bearer <token>` to every request, getting tokens from
    `{host}/v1/auth/oauth/token` with the client-credentials grant."""

    requires_response_body = True

    def __init__(
        self, host: str, credentials: Credentials, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.token_url = host + TOKEN_PATH
        self.credentials = credentials
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0

    def _current(self) -> str | None:
        with self._lock:
            if self._token is not None and self._clock() < self._renew_at:
                return self._token
            return None

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def _token_request(self, original: httpx.Request) -> httpx.Request:
        """The token request, with the same timeout as the call it serves."""
        request = httpx.Request(
            "POST",
            self.token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": self.credentials.client_id,
                "client_secret": self.credentials.client_secret,
            },
            headers={"Accept": "application/json"},
        )
        if "timeout" in original.extensions:
            request.extensions["timeout"] = original.extensions["timeout"]
        return request

    def _store(self, response: httpx.Response) -> str:
        if response.status_code != 200:
            raise from_response(response, prefix="authentication failed: ")
        try:
            token = msgspec.json.decode(response.content, type=TokenResponse)
        except (msgspec.DecodeError, msgspec.ValidationError):
            raise AuthenticationError(
                f"authentication failed: {self.token_url} did not answer with a token",
                status=response.status_code,
                code="bad-token-response",
            ) from None
        lifetime = float(token.expires_in)
        with self._lock:
            self._token = token.access_token
            self._renew_at = self._clock() + lifetime - min(RENEW_EARLY_SECONDS, lifetime / 2)
        return token.access_token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._current()
        if token is None:
            token = self._store((yield self._token_request(request)))
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            self.invalidate()
            token = self._store((yield self._token_request(request)))
            request.headers["Authorization"] = f"Bearer {token}"
            yield request
