"""Making one API call: timeouts, retries with backoff and jitter, the envelope, typed errors.

The `Requester` sits above `httpx.Client` and sends through it; it is not an httpx transport (the
layer below a client that moves one request over a connection, which tests replace with
`httpx.MockTransport`)."""

from __future__ import annotations

import email.utils
import random
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import msgspec

from annobatch.client._errors import APIError, from_response, from_transport
from annobatch.schemas import Page

T = TypeVar("T")

#: Answers worth another try: the server or a proxy in front of it is overloaded or restarting.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
USER_AGENT = "annobatch-sdk"


@dataclass
class RetryPolicy:
    """`retries` more attempts after the first; the wait before retry n is a random fraction of
    `backoff * 2**n` (full jitter), at most `max_wait`; a `Retry-After` answer is honoured up to
    `max_wait`."""

    retries: int = 3
    backoff: float = 0.25
    max_wait: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = field(default=random.random)

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        hinted = _retry_after_seconds(retry_after)
        if hinted is not None:
            return min(hinted, self.max_wait)
        return min(self.max_wait, self.backoff * 2**attempt) * self.random()


def _retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` is either seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class Requester:
    """Makes the SDK's API calls: one host, one `httpx.Client`, one auth. Every call may be
    retried: reads are safe to repeat, and every write carries an `Idempotency-Key`, so a repeat
    answers the first result."""

    def __init__(
        self,
        host: str,
        http: httpx.Client,
        auth: httpx.Auth | None,
        timeout: float,
        retry: RetryPolicy,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.host, self.http, self.auth, self.timeout, self.retry = host, http, auth, timeout, retry
        self.headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})}

    def call(
        self,
        method: str,
        path: str,
        type_: type[T],
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        dry_run: bool = False,
        idempotency_key: str | None = None,
    ) -> T:
        """Send `method path` and decode the answer into `type_`. Writes get an `Idempotency-Key`
        (the caller's or a fresh one) so that retrying them is safe."""
        headers = dict(self.headers)
        if method != "GET":
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
            if dry_run:
                headers["X-Dryrun"] = "true"
        content = msgspec.json.encode(json) if json is not None else None
        if content is not None:
            headers["Content-Type"] = "application/json"
        request = self.http.build_request(
            method, self.host + path, content=content, params=params, headers=headers, timeout=self.timeout
        )
        response = self._send(request)
        try:
            return msgspec.json.decode(response.content, type=type_)
        except (msgspec.DecodeError, msgspec.ValidationError) as e:
            raise APIError(
                f"{method} {request.url} answered with something that is not an annobatch response ({e})",
                status=response.status_code,
                code="unexpected-response",
            ) from None

    def paginate(
        self,
        method: str,
        path: str,
        type_: type[Page[T]],
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Iterator[T]:
        """Every item of a cursor-paginated listing, one page at a time: the same request again
        with `cursorId` until the server's `metadata.nextCursorId` is null."""
        cursor: str | None = None
        while True:
            query = dict(params or {})
            if cursor is not None:
                query["cursorId"] = cursor
            page = self.call(method, path, type_, json=json, params=query)
            yield from page.data
            cursor = page.metadata.next_cursor_id
            if cursor is None:
                return

    def get_url(self, url: str) -> bytes:
        """The body of a signed URL the server handed out (no credentials), with the same retries."""
        request = self.http.build_request(
            "GET", url, headers={"User-Agent": USER_AGENT}, timeout=self.timeout
        )
        return self._send(request, authenticate=False).content

    def _send(self, request: httpx.Request, authenticate: bool = True) -> httpx.Response:
        attempt = 0
        while True:
            retry_after: str | None = None
            try:
                auth = (self.auth or httpx.USE_CLIENT_DEFAULT) if authenticate else None
                response = self.http.send(request, auth=auth)
            except httpx.TransportError as e:
                if not (attempt < self.retry.retries):
                    raise from_transport(e, self.host, self.timeout) from None
            except APIError as e:  # the token endpoint failing, raised from inside the auth flow
                if not (e.status in RETRY_STATUSES and attempt < self.retry.retries):
                    raise
            else:
                if response.is_success:
                    return response
                if not (response.status_code in RETRY_STATUSES and attempt < self.retry.retries):
                    raise from_response(response)
                retry_after = response.headers.get("Retry-After")
            self.retry.sleep(self.retry.delay(attempt, retry_after))
            attempt += 1
