"""The SDK's errors, and the one table from HTTP answers to them.

Every error the SDK raises is an `APIError`: it carries the server's `message` (a sentence that
stands alone), its stable `code`, and the HTTP `status` (None when no answer came back).
"""

from __future__ import annotations

import errno
import os
import socket

import httpx
import msgspec

from annobatch.schemas import ErrorBody


class APIError(Exception):
    """Something went wrong talking to an annobatch server. `str(error)` is the message."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, message={self.message!r})"


class BadRequest(APIError):
    """400: the request broke a rule the caller can fix (a malformed id, a batch that is not open)."""


class AuthenticationError(APIError):
    """401: the credentials or the token were refused."""


class PermissionDenied(APIError):
    """403: the credentials are valid but may not do this."""


class NotFound(APIError):
    """404: no such project or batch in the caller's organization."""


class Conflict(APIError):
    """409: a duplicate id or a move the batch lifecycle does not allow."""


class PayloadTooLarge(APIError):
    """413: the body is over the server's limit."""


class RateLimited(APIError):
    """429: the server asked to slow down, and kept asking after the SDK's retries."""


class ServerError(APIError):
    """5xx: the server failed, and kept failing after the SDK's retries."""


class CredentialsError(APIError):
    """No usable credentials: none found, or the credentials file is missing, malformed or expired."""


class APIConnectionError(APIError):
    """The server could not be reached (refused, unresolvable host, timeout, dropped connection)."""


class APITimeoutError(APIConnectionError):
    """The server did not answer within the timeout."""


#: The one table from HTTP status to error type; other 4xx are plain `APIError`.
BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequest,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    429: RateLimited,
}


def error_type(status: int) -> type[APIError]:
    if status >= 500:
        return ServerError
    return BY_STATUS.get(status, APIError)


def from_response(response: httpx.Response, prefix: str = "") -> APIError:
    """The typed error for a non-2xx answer, with the server's message and code when it sent the
    annobatch error body, else a sentence built from the status."""
    status = response.status_code
    try:
        body = msgspec.json.decode(response.content, type=ErrorBody)
        message, code = body.message, body.code
    except (msgspec.DecodeError, msgspec.ValidationError):
        reason = response.reason_phrase or "error"
        message = f"{response.request.method} {response.request.url} answered HTTP {status} {reason}"
        code = f"http-{status}"
    return error_type(status)(prefix + message, status=status, code=code)


def from_transport(exc: httpx.TransportError, url: str, timeout: float | None) -> APIConnectionError:
    """`cannot reach http://127.0.0.1:9: connection refused`: the host and the cause, one line."""
    if isinstance(exc, httpx.TimeoutException):
        after = f" after {timeout:g} s" if timeout else ""
        return APITimeoutError(f"cannot reach {url}: no answer{after}", code="timeout")
    return APIConnectionError(f"cannot reach {url}: {_cause(exc)}", code="connection-error")


def _cause(exc: BaseException) -> str:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return "host name not found"
        if isinstance(seen, OSError) and seen.errno:
            if seen.errno == errno.ECONNREFUSED:
                return "connection refused"
            return os.strerror(seen.errno).lower()
        seen = seen.__cause__ or seen.__context__
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
