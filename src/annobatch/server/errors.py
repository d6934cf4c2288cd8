"""The one table from errors to HTTP answers, and the one error body: `{"message", "code"}`."""

from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from annobatch import domain
from annobatch.server.bodies import MISSING_BODY
from annobatch.server.limits import BodyReadTimeout
from annobatch.storage.database import Unavailable
from annobatch.storage.errors import OutOfSpace, StoreUnavailable

log = logging.getLogger("annobatch.server")

STATUS: dict[type[domain.DomainError], int] = {
    domain.InvalidInput: 400,
    domain.Unauthenticated: 401,
    domain.Forbidden: 403,
    domain.NotFound: 404,
    domain.Conflict: 409,
    domain.TooLarge: 413,
}

#: What a path that names no endpoint is answered (also to a workforce caller on the client's API).
NO_SUCH_ENDPOINT = "no such endpoint"

_HTTP_CODES = {
    400: "invalid-input",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    408: "request-timeout",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
}


def error_response(status: int, message: str, code: str) -> Response[dict[str, str]]:
    return Response({"message": message, "code": code}, status_code=status)


def domain_error(_: Request, exc: Exception) -> Response[dict[str, str]]:
    assert isinstance(exc, domain.DomainError)
    status = next(s for cls, s in STATUS.items() if isinstance(exc, cls))
    return error_response(status, exc.message, exc.code)


def validation_error(request: Request, exc: Exception) -> Response[dict[str, str]]:
    """Litestar's own validation of paths, queries and bodies: 400 with a message that names the
    field, never the framework's generic text."""
    assert isinstance(exc, ValidationException)
    items = [item for item in (exc.extra if isinstance(exc.extra, list) else []) if isinstance(item, dict)]
    # Bodies are decoded by `bodies.JsonBody`, which answers its own errors: what Litestar reports
    # of the body is only that a needed one is missing, and the parameters' errors come first.
    missing_body = [item for item in items if item.get("source") == "body" and item.get("key") == "data"]
    if missing_body and len(missing_body) == len(items):
        return error_response(400, MISSING_BODY, "invalid-body")
    parts = []
    for item in items:
        if item in missing_body:
            continue
        key, msg = item.get("key"), item.get("message", "")
        parts.append(f"{_camel(str(key))}: {msg}" if key else str(msg))
    detail = "; ".join(parts) or str(exc.detail)
    if "JSON is malformed" in detail or "malformed" in detail.lower():
        detail = "the request body is not valid JSON"
    return error_response(400, f"invalid request: {detail}", "invalid-input")


def _camel(name: str) -> str:
    """Parameters are named in camelCase on the wire."""
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def http_error(_: Request, exc: Exception) -> Response[dict[str, str]]:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status >= 500:
        return internal_error(_, exc)
    message = str(exc.detail)
    if status == 404 and message in {"Not Found", ""}:
        message = NO_SUCH_ENDPOINT
    if status == 413:
        # The rest of the body is left unread, so the connection cannot carry another request:
        # say so, or a keep-alive client sends its next request into a closing socket.
        response = error_response(413, "the request body is over the configured limit", "too-large")
        response.headers["Connection"] = "close"
        return response
    return error_response(status, message, _HTTP_CODES.get(status, "error"))


def unavailable(_: Request, exc: Exception) -> Response[dict[str, str]]:
    """A passing condition of the database: 503 with a hint when to retry (clients retry 503)."""
    log.warning("database unavailable: %s (cause: %r)", exc, exc.__cause__)
    body = {"message": str(exc), "code": "unavailable"}
    return Response(body, status_code=503, headers={"Retry-After": "1"})


def store_unavailable(_: Request, exc: Exception) -> Response[dict[str, str]]:
    """The object store holding uploaded files is away or refuses the server's keys: 503 with a
    hint when to retry; nothing of the request was kept. The connection closes, since an
    upload's body may be left unread."""
    log.warning("object store unavailable: %s", exc)
    response = error_response(503, str(exc), "unavailable")
    response.headers["Retry-After"] = "2"
    response.headers["Connection"] = "close"
    return response


def out_of_space(_: Request, exc: Exception) -> Response[dict[str, str]]:
    """A full disk under the database or the blob store: 507, nothing of the request was kept.
    The connection closes, since an upload's body may be left unread."""
    log.error("out of storage space: %s (cause: %r)", exc, exc.__cause__)
    message = f"the server is out of storage space ({exc}); nothing was kept: try again later"
    response = error_response(507, message, "insufficient-storage")
    response.headers["Connection"] = "close"
    return response


def body_read_timeout(_: Request, exc: Exception) -> Response[dict[str, str]]:
    """A body that stopped arriving (`limits.limit_body_reads`): 408, and the connection closes, as
    the rest of the body is not coming (or not read)."""
    response = error_response(408, str(exc), "request-timeout")
    response.headers["Connection"] = "close"
    return response


def internal_error(request: Request, exc: Exception) -> Response[dict[str, str]]:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal server error; the event is logged on the server", "internal")


HANDLERS = {
    domain.DomainError: domain_error,
    Unavailable: unavailable,
    OutOfSpace: out_of_space,
    StoreUnavailable: store_unavailable,
    BodyReadTimeout: body_read_timeout,
    ValidationException: validation_error,
    HTTPException: http_error,
    Exception: internal_error,
}
