"""The token endpoint (OAuth2 client credentials) and the caller of each request."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

from litestar import Request, Response, post

from annobatch.domain import InvalidInput, Unauthenticated
from annobatch.services.identity import Authority, Caller


def _oauth_error(status: int, error: str, description: str) -> Response[dict[str, object]]:
    body: dict[str, object] = {
        "error": error,
        "error_description": description,
        "message": description,
        "code": error,
    }
    return Response(body, status_code=status, headers={"Cache-Control": "no-store"})


@post("/v1/auth/oauth/token", status_code=200, summary="Exchange client credentials for a bearer token")
async def token_endpoint(request: Request) -> Response[dict[str, object]]:
    """OAuth2 client-credentials grant (`client_secret_post` or HTTP Basic)."""
    authority: Authority = request.app.state.authority
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    if not client_id and request.headers.get("authorization", "").lower().startswith("basic "):
        try:
            client_id, _, secret = (
                base64.b64decode(request.headers["authorization"][6:]).decode().partition(":")
            )
        except ValueError:
            return _oauth_error(401, "invalid_client", "malformed HTTP Basic credentials")
    grant = form.get("grant_type", "")
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


async def provide_caller(request: Request) -> Caller:
    """Litestar dependency: the authenticated caller of this request."""
    authority: Authority = request.app.state.authority
    return await authority.caller(
        request.headers.get("authorization"), request.headers.get("x-organization-id")
    )
