"""`POST /v1/auth/oauth/token`: the OAuth2 client-credentials grant."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

from litestar import Controller, Request, Response, post
from litestar.openapi.spec import OpenAPIType, Schema

from annobatch.domain import InvalidInput, Unauthenticated
from annobatch.server.bodies import body_read_by_handler
from annobatch.server.throttle import TokenLimits, client_address
from annobatch.services.identity import Authority

#: The form the token endpoint reads (the credentials may come as HTTP Basic instead).
TOKEN_FORM = Schema(
    type=OpenAPIType.OBJECT,
    properties={
        "grant_type": Schema(type=OpenAPIType.STRING, enum=["client_credentials", "refresh_token"]),
        "client_id": Schema(type=OpenAPIType.STRING),
        "client_secret": Schema(type=OpenAPIType.STRING),
    },
    required=["grant_type"],
)


def _oauth_error(status: int, error: str, description: str) -> Response[dict[str, object]]:
    body: dict[str, object] = {
        "error": error,
        "error_description": description,
        "message": description,
        "code": error,
    }
    return Response(body, status_code=status, headers={"Cache-Control": "no-store"})


def _too_many(wait: int) -> Response[dict[str, object]]:
    response = _oauth_error(
        429, "too_many_requests", f"too many failed token requests: try again in {wait} s"
    )
    response.headers["Retry-After"] = str(wait)
    return response


class TokenController(Controller):
    path = "/v1/auth/oauth"
    tags = ["auth"]

    @post(
        "/token",
        status_code=200,
        summary="Exchange client credentials for a bearer token",
        operation_class=body_read_by_handler("application/x-www-form-urlencoded", TOKEN_FORM),
    )
    async def token(self, request: Request) -> Response[dict[str, object]]:
        """OAuth2 client-credentials grant (`client_secret_post` or HTTP Basic). Failed requests are
        limited per client id and per address (`throttle`): 429 with `Retry-After` past the limit."""
        limits: TokenLimits = request.app.state.token_limits
        peer = request.scope.get("client")
        forwarded = request.headers.get("x-forwarded-for")
        address = client_address(peer[0] if peer else None, forwarded, limits.trusted_proxies)
        if wait := limits.retry_after(address):
            return _too_many(wait)
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        try:
            client_id, secret = _credentials(form, request.headers.get("authorization", ""))
        except ValueError:
            limits.failed(address, None)
            return _oauth_error(401, "invalid_client", "malformed HTTP Basic credentials")
        if wait := limits.retry_after(address, client_id):
            return _too_many(wait)
        answer = await _grant(request.app.state.authority, form.get("grant_type", ""), client_id, secret)
        if answer.status_code != 200:
            limits.failed(address, client_id)
        return answer


def _credentials(form: dict[str, str], authorization: str) -> tuple[str, str]:
    """The client id and secret, from the form or else HTTP Basic (ValueError when malformed)."""
    client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    if not client_id and authorization.lower().startswith("basic "):
        client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
    return client_id, secret


async def _grant(
    authority: Authority, grant: str, client_id: str, secret: str
) -> Response[dict[str, object]]:
    if grant not in {"client_credentials", "refresh_token"}:
        return _oauth_error(
            400, "unsupported_grant_type", f"unsupported grant_type {grant!r}: use client_credentials"
        )
    if not client_id or client_id == "None":
        return _oauth_error(
            401, "invalid_client", "no client credentials were sent: set client_id and client_secret"
        )
    try:
        token = await authority.issue(client_id, secret)
    except Unauthenticated as e:
        return _oauth_error(401, "invalid_client", e.message)
    except InvalidInput as e:
        return _oauth_error(400, "invalid_request", e.message)
    body: dict[str, object] = {"access_token": token, "token_type": "bearer", "expires_in": authority.ttl}
    return Response(body, status_code=200, headers={"Cache-Control": "no-store"})
