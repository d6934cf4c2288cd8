"""What every dashboard page stands on: the session hook (who is signed in, the CSRF check, who may
see the page), the `caller` and `session` dependencies, and the answers a page gives (a rendered
template, a redirect with a flash message, a refusal).

A page handler is a Litestar handler on a dashboard controller:

    @get("/projects/{project:str}", opt={ROLES: CLIENT_PAGES})
    async def project(self, request: Request, caller: Caller, projects: NamedDependency[...]) -> Template:
        return page(request, "project.html", project=await projects.get_project(caller, project))

`open_session` (the dashboard router's `before_request` hook) has already checked, before any
parameter is read: the session cookie (no session → `/sign-in?next=<this page>`), the credential
(revoked → sign in again), the CSRF token of a POST (forged or missing → 403 page) and the roles
the handler's `opt[ROLES]` names (another role → 404 page). Handlers with `opt={PUBLIC: True}`
need no session (the sign-in page); their POSTs are checked against the sign-in cookie's token.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from litestar import MediaType, Request, Response
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import SkipValidation
from litestar.response import Redirect, Template

from annobatch.domain import NotFound, Role
from annobatch.server.dashboard.session import COOKIE, SIGN_IN_COOKIE, Session, SessionCodec
from annobatch.services.identity import Authority

#: Every dashboard answer's policy: scripts, styles, images and forms from this server only.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
CSRF_FIELD = "_csrf"
CSRF_HEADER = "x-csrf-token"
FLASH_COOKIE = "annobatch_flash"
#: `opt` keys of page handlers: the roles that may see the page; a page that needs no session.
ROLES = "roles"
PUBLIC = "public"
CLIENT_PAGES = frozenset({Role.CLIENT, Role.STAFF})
STAFF_PAGES = frozenset({Role.STAFF})
WORKFORCE_PAGES = frozenset({Role.ANNOTATOR, Role.REVIEWER, Role.STAFF})
EVERYONE = frozenset(Role)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    href: str
    roles: frozenset[Role]


#: The navigation, by role (a page belongs to the first item its path starts with).
NAV: tuple[NavItem, ...] = (
    NavItem("Projects", "/projects", CLIENT_PAGES),
    NavItem("My work", "/work", frozenset({Role.ANNOTATOR, Role.REVIEWER})),
    NavItem("Organizations", "/staff/organizations", STAFF_PAGES),
    NavItem("Workforce", "/staff/workforce", STAFF_PAGES),
    NavItem("Task queue", "/staff/tasks", STAFF_PAGES),
)


class SignInRequired(Exception):
    """No usable session: answered with the sign-in page, then back to `next`."""

    def __init__(self, next_path: str, message: str = "") -> None:
        super().__init__(message or "sign in to continue")
        self.next = next_path
        self.message = message


class CsrfRefused(Exception):
    """A change without this session's CSRF token: answered 403, nothing done."""


@dataclass(frozen=True, slots=True)
class Dashboard:
    """What the pages share (`app.state.dashboard`, made when the app starts)."""

    sessions: SessionCodec
    authority: Authority
    #: Cookies carry `Secure` when the server is reached over https (`Settings.public_url`).
    secure_cookies: bool = False


def dashboard_of(request: Request[Any, Any, Any]) -> Dashboard:
    state: Dashboard = request.app.state.dashboard
    return state


async def open_session(request: Request[Any, Any, Any]) -> None:
    """The dashboard router's `before_request` hook (see the module)."""
    opt = request.route_handler.opt
    unsafe = request.method not in _SAFE_METHODS
    if opt.get(PUBLIC):
        if unsafe:
            await require_csrf(request, request.cookies.get(SIGN_IN_COOKIE))
        return
    dash = dashboard_of(request)
    session = dash.sessions.decode(request.cookies.get(COOKIE))
    if session is None:
        raise SignInRequired(_next_of(request))
    if not await dash.authority.credential_usable(session.client_id):
        raise SignInRequired(_next_of(request), "this credential has been revoked or has expired")
    if unsafe:
        await require_csrf(request, session.csrf)
    if session.org != session.home_org:
        await dash.authority.require_organization(session.org)
    roles = opt.get(ROLES)
    if roles is not None and Role(session.role) not in roles:
        raise NotFound("page not found", "not-found")
    request.scope["auth"] = session
    request.scope["user"] = session.caller


async def require_csrf(request: Request[Any, Any, Any], expected: str | None) -> None:
    """The token a form (hidden `_csrf`) or htmx (`X-CSRF-Token`) sent must be `expected`."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused()


def _next_of(request: Request[Any, Any, Any]) -> str:
    """The page to come back to after signing in: this one, or for a change the page it was
    made from."""
    if request.method in _SAFE_METHODS and not is_htmx(request):
        query = request.scope.get("query_string", b"").decode("latin-1")
        return request.url.path + (f"?{query}" if query else "")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc == request.headers.get("host"):
        return safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))
    return "/"


def safe_next(value: str | None) -> str:
    """A path on this server to go to after signing in; "/" for anything else (browsers drop tabs
    and line breaks from a URL, so `/<tab>/host` would leave the server: no control characters)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if len(value) > 2000 or any(c <= " " or c == "\x7f" for c in value):
        return "/"
    return value


def provide_caller(request: Request[Any, Any, Any]) -> Any:
    """The signed-in caller, as the API's `caller` (acting for the session's organization); None
    on the pages no one signs in to (they do not ask for it, but the services come after it)."""
    return request.scope.get("user")


def provide_session(request: Request[Any, Any, Any], caller: NamedDependency[SkipValidation[Any]]) -> Session:
    """The signed-in session (`open_session` found it); after the caller, so that a handler's
    dependencies stay one per level (see `server/dependencies.py`)."""
    return session_of(request)


def session_of(request: Request[Any, Any, Any]) -> Session:
    """The signed-in session, for a handler that asks for a service too."""
    session: Session = request.scope["auth"]
    return session


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def current_session(request: Request[Any, Any, Any]) -> Session | None:
    """The session `open_session` found; on pages it did not run for (errors, sign-in), the
    cookie's, for the navigation only."""
    found = request.scope.get("auth")
    if isinstance(found, Session):
        return found
    try:
        return dashboard_of(request).sessions.decode(request.cookies.get(COOKIE))
    except AttributeError:  # the app has not started its dashboard
        return None


def nav_for(session: Session | None, path: str) -> list[dict[str, Any]]:
    if session is None:
        return []
    role = Role(session.role)
    return [
        {"label": n.label, "href": n.href, "current": path == n.href or path.startswith(n.href + "/")}
        for n in NAV
        if role in n.roles
    ]


def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> Template:
    """A page: `template` rendered with `context` and what the base template needs (`session`,
    `caller`, `csrf`, `nav`, `flash`, `path`), under the dashboard's policy."""
    session = current_session(request)
    flash = _flash(request)
    base = {
        "session": session,
        "caller": session.caller if session else None,
        "csrf": session.csrf if session else "",
        "nav": nav_for(session, request.url.path),
        "flash": flash,
        "path": request.url.path,
        "htmx": is_htmx(request),
    }
    response = Template(
        template_name=template,
        context={**base, **context},
        status_code=status,
        media_type=MediaType.HTML,
        headers={"Content-Security-Policy": POLICY, "Cache-Control": "no-store", **(headers or {})},
    )
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def _flash(request: Request[Any, Any, Any]) -> str | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        value = dashboard_of(request).sessions.unsign(raw)
    except AttributeError:
        return None
    return value.decode("utf-8", "replace") if value else None


def redirect(request: Request[Any, Any, Any], to: str, flash: str | None = None) -> Response[Any]:
    """After a change: go to `to` (a full navigation for htmx too), showing `flash` there once."""
    response: Response[Any]
    if is_htmx(request):
        response = Response(b"", status_code=200, headers={"HX-Redirect": to})
    else:
        response = Redirect(to, status_code=303)
    if flash:
        dash = dashboard_of(request)
        response.set_cookie(
            Cookie(
                key=FLASH_COOKIE,
                value=dash.sessions.sign(flash.encode()),
                path="/",
                httponly=True,
                samesite="lax",
                secure=dash.secure_cookies,
                max_age=60,
            )
        )
    return response


def sign_in_redirect(request: Request[Any, Any, Any], next_path: str, message: str = "") -> Response[Any]:
    """To the sign-in page, then back to `next_path`."""
    to = "/sign-in?next=" + quote(safe_next(next_path), safe="/")
    if message:
        to += "&reason=" + quote(message)
    response = redirect(request, to)
    response.delete_cookie(COOKIE, path="/")
    return response


def session_cookie(dash: Dashboard, session: Session) -> Cookie:
    return Cookie(
        key=COOKIE,
        value=dash.sessions.encode(session),
        path="/",
        httponly=True,
        samesite="lax",
        secure=dash.secure_cookies,
        max_age=max(1, dash.sessions.ttl),
    )


def sign_in_token_cookie(dash: Dashboard, token: str) -> Cookie:
    """The sign-in form's CSRF token, double-submitted: in this cookie and in the form."""
    return Cookie(
        key=SIGN_IN_COOKIE,
        value=token,
        path="/sign-in",
        httponly=True,
        samesite="strict",
        secure=dash.secure_cookies,
        max_age=3600,
    )


def new_token() -> str:
    return secrets.token_urlsafe(24)


def form_text(form: Mapping[str, Any], name: str) -> str:
    """A form field as text ("" when missing or not text)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def confirmation(
    request: Request[Any, Any, Any],
    form: Mapping[str, Any],
    *,
    message: str,
    label: str,
    back: str,
    fields: Mapping[str, str] | None = None,
) -> Template | None:
    """For an action that cannot be undone: None once the form says `confirmed=yes` (htmx asked
    already, or the confirmation page was answered); else the confirmation page, saying `message`
    with a `label` button that posts the same form again, confirmed."""
    if form_text(form, "confirmed") == "yes":
        return None
    return page(
        request,
        "confirm.html",
        message=message,
        label=label,
        url=request.url.path,
        back=back,
        fields=dict(fields or {}),
    )
