"""Signing in and out: a credential's client id and secret (or its file's JSON, pasted) are checked
exactly as the token endpoint checks them (`Authority.issue`, limited per client and address
like it), and the `Caller` the token would give becomes the session."""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from annobatch.domain import InvalidInput, Unauthenticated
from annobatch.server.dashboard.session import Session
from annobatch.server.dashboard.web import (
    EVERYONE,
    PUBLIC,
    ROLES,
    Dashboard,
    dashboard_of,
    new_token,
    page,
    redirect,
    safe_next,
    session_cookie,
    sign_in_token_cookie,
)
from annobatch.server.throttle import TokenLimits, client_address
from annobatch.services.accounts import AccountService
from annobatch.services.identity import Caller

WRONG = "Unknown client id or wrong client secret."


class SignInController(Controller):
    path = "/"
    include_in_schema = False

    @get("/", opt={ROLES: EVERYONE})
    async def home(self, request: Request[Any, Any, Any], caller: NamedDependency[Caller]) -> Response[Any]:
        """Each role's first page."""
        if caller.is_workforce:
            return redirect(request, "/work")
        return redirect(request, "/staff/organizations" if caller.is_staff else "/projects")

    @get("/sign-in", opt={PUBLIC: True})
    async def sign_in_page(
        self, request: Request[Any, Any, Any], next: FromQuery[str] = "/", reason: FromQuery[str] = ""
    ) -> Template:
        return _form(request, dashboard_of(request), safe_next(next), reason)

    @post("/sign-in", opt={PUBLIC: True}, status_code=200)
    async def sign_in(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountService]
    ) -> Any:
        dash = dashboard_of(request)
        form = await request.form()
        next_path = safe_next(_text(form.get("next")))
        try:
            client_id, secret = _credentials(form)
        except InvalidInput as e:
            return _form(request, dash, next_path, e.message, status=400)
        limits: TokenLimits = request.app.state.token_limits
        peer = request.scope.get("client")
        forwarded = request.headers.get("x-forwarded-for")
        address = client_address(peer[0] if peer else None, forwarded, limits.trusted_proxies)
        if (wait := limits.retry_after(address, client_id)) or (wait := limits.retry_after(address)):
            message = f"Too many failed attempts: try again in {wait} s."
            return _form(request, dash, next_path, message, status=429, client_id=client_id)
        try:
            caller = await _verify(dash, client_id, secret)
        except Unauthenticated as e:
            limits.failed(address, client_id)
            message = WRONG if e.code == "invalid_client" and "wrong" in e.message else e.message
            return _form(request, dash, next_path, _sentence(message), status=401, client_id=client_id)
        org = await accounts.find_organization(caller.org)
        session = dash.sessions.new(caller, org.name)
        response = redirect(request, next_path)
        response.set_cookie(session_cookie(dash, session))
        response.delete_cookie(sign_in_token_cookie(dash, "").key, path="/sign-in")
        return response

    @post("/sign-out", opt={ROLES: EVERYONE}, status_code=200)
    async def sign_out(
        self, request: Request[Any, Any, Any], session: NamedDependency[Session]
    ) -> Response[Any]:
        response = redirect(request, "/sign-in", flash="Signed out.")
        response.delete_cookie(session_cookie(dashboard_of(request), session).key, path="/")
        return response


async def _verify(dash: Dashboard, client_id: str, secret: str) -> Caller:
    """The caller a token for these credentials gives: the token endpoint's check, unchanged."""
    token = await dash.authority.issue(client_id, secret)
    return await dash.authority.caller(f"Bearer {token}", None)


def _credentials(form: Any) -> tuple[str, str]:
    """The client id and secret typed in, or else read from the credential file's JSON pasted."""
    client_id, secret = _text(form.get("client_id")).strip(), _text(form.get("client_secret")).strip()
    pasted = _text(form.get("credentials")).strip()
    if not client_id and pasted:
        try:
            data = json.loads(pasted)
        except ValueError:
            raise InvalidInput(
                "The pasted credentials are not JSON: paste the file's whole contents."
            ) from None
        if not isinstance(data, dict) or not data.get("clientId") or not data.get("clientSecret"):
            raise InvalidInput("The pasted credentials need clientId and clientSecret.")
        client_id, secret = str(data["clientId"]), str(data["clientSecret"])
    if not client_id or not secret:
        raise InvalidInput("Enter a client id and a client secret, or paste a credentials file.")
    return client_id, secret


def _form(
    request: Request[Any, Any, Any],
    dash: Dashboard,
    next_path: str,
    error: str = "",
    status: int = 200,
    client_id: str = "",
) -> Template:
    token = new_token()
    response = page(
        request,
        "sign_in.html",
        status=status,
        sign_in_token=token,
        next=next_path,
        error=error,
        client_id=client_id,
    )
    response.set_cookie(sign_in_token_cookie(dash, token))
    return response


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _sentence(message: str) -> str:
    message = message.strip()
    if not message:
        return WRONG
    message = message[0].upper() + message[1:]
    return message if message.endswith(".") else message + "."
