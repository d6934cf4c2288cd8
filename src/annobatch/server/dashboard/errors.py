"""How the dashboard answers what goes wrong, as pages: sign in again, a refused action with the
rule's own message, a 404 page, a 403 for a forged form, never a traceback. The API's error table
(`server/errors.py`) gives the statuses; this gives the HTML."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from annobatch import domain
from annobatch.server import errors as api_errors
from annobatch.server.dashboard.web import (
    CsrfRefused,
    SignInRequired,
    is_htmx,
    page,
    sign_in_redirect,
)
from annobatch.storage.database import Unavailable

log = logging.getLogger("annobatch.dashboard")

CSRF_MESSAGE = (
    "This form was not sent from a page of this dashboard, or it is older than your session: "
    "nothing was done. Reload the page and try again."
)
#: Paths of the API and of the files it serves: their errors stay JSON, whoever asks.
API_PREFIXES = ("/v0/", "/v1/", "/v2/", "/schema", "/healthz")


def not_found_page(request: Request[Any, Any, Any], message: str = "") -> Response[Any]:
    if is_htmx(request):
        return said(request, 404, message or "not found", "not-found")
    return page(request, "not_found.html", status=404, message=message)


def said(request: Request[Any, Any, Any], status: int, message: str, code: str) -> Response[Any]:
    """A message instead of what was asked: where the button was (htmx swaps the partial in), or
    as a page of its own."""
    template = "_refused.html" if is_htmx(request) else "refused.html"
    back = request.headers.get("referer", "")
    return page(request, template, status=status, message=message, code=code, back=back)


def refused(request: Request[Any, Any, Any], error: domain.DomainError) -> Response[Any]:
    """A refusal with the rule's message."""
    if isinstance(error, domain.NotFound):
        return not_found_page(request, error.message)
    status = next(s for cls, s in api_errors.STATUS.items() if isinstance(error, cls))
    return said(request, status, error.message, error.code)


def _sign_in(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, SignInRequired)
    return sign_in_redirect(request, exc.next, exc.message)


def _csrf(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return said(request, 403, CSRF_MESSAGE, "csrf")


def _domain(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, domain.DomainError)
    return refused(request, exc)


def _validation(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    answer = api_errors.validation_error(request, exc)
    message = str(answer.content["message"]) if isinstance(answer.content, dict) else "invalid request"
    return said(request, 400, message, "invalid-input")


def http_error_page(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return not_found_page(request)
    if exc.status_code >= 500:
        return _internal(request, exc)
    message = "that cannot be done on this page" if exc.status_code == 405 else str(exc.detail)
    return said(request, exc.status_code, message, "error")


def _unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.warning("database unavailable: %s", exc)
    return said(request, 503, "The database is not answering just now. Try again in a moment.", "unavailable")


def _internal(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return said(request, 500, "Something went wrong on the server; the event is logged there.", "internal")


#: The dashboard router's exception handlers.
HANDLERS = {
    SignInRequired: _sign_in,
    CsrfRefused: _csrf,
    domain.DomainError: _domain,
    Unavailable: _unavailable,
    ValidationException: _validation,
    HTTPException: http_error_page,
    Exception: _internal,
}


def wants_page(request: Request[Any, Any, Any]) -> bool:
    """A browser asking for a page (not the API, not a client library)."""
    path = request.url.path
    if path.startswith(API_PREFIXES):
        return False
    return "text/html" in request.headers.get("accept", "")


def http_error_or_page(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The app's handler of HTTP errors: a path that names nothing answers a browser with the 404
    page, and everything else the API's JSON error."""
    if isinstance(exc, HTTPException) and exc.status_code == 404 and wants_page(request):
        return not_found_page(request)
    return api_errors.http_error(request, exc)
