"""The most frequent read, answered before the framework routes it: `GET /v1/projects` (the seed's
`get_projects`, which every script calls first) from the organization's kept encoded list.

The answer is the one its handler gives (`controllers/projects.py`; both call `project_list`),
with the same headers. Only the plain case is answered here: a GET of exactly that path, no query,
no CORS request, a caller that signs in as a client or staff member. Anything else, and any
error on the way (a missing or revoked token, a workforce credential, a database that fails), goes
on to the app, which answers it as for every other route: the handler runs again, at the cost of
one more read. Routing, parameter parsing and the response object cost about as much CPU as the
answer itself (`bench/inprocess.py`); the kept answer needs none of them.
"""

from __future__ import annotations

from typing import cast

import msgspec
from litestar.datastructures import State
from litestar.types import ASGIApp, HTTPScope, Receive, Scope, Send

from annobatch import presenters, schemas
from annobatch.server.dependencies import WORKFORCE_ROLES, Shared
from annobatch.server.encoded_lists import EncodedLists
from annobatch.services.identity import Authority, Caller
from annobatch.services.projects import ProjectService

PROJECTS = "/v1/projects"
_JSON = b"application/json"


async def project_list(kept: EncodedLists, projects: ProjectService, caller: Caller) -> bytes:
    """The encoded project list of the caller's organization: kept, and answered again while the
    organization's project-list revision is unchanged (one row read instead of every project
    built and encoded)."""
    return await kept.answer(
        caller.org,
        lambda known: projects.list_projects_unless(caller, known),
        lambda recs: msgspec.json.encode(schemas.Envelope([presenters.project(p) for p in recs])),
    )


def answer_hot_reads(app: ASGIApp, state: State, shared: Shared) -> ASGIApp:
    """`app`, with `GET /v1/projects` answered before it is routed where it can be (see the
    module). `state` and `shared` are the app's: its authority, kept lists and services exist
    once it has started."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        if scope["path"] == PROJECTS and cast("HTTPScope", scope)["method"] == "GET":
            body = await _projects(scope, state, shared)
            if body is not None:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [(b"content-type", _JSON), (b"content-length", b"%d" % len(body))],
                    }
                )
                await send({"type": "http.response.body", "body": body, "more_body": False})
                return
        await app(scope, receive, send)

    return wrapped


async def _projects(scope: Scope, state: State, shared: Shared) -> bytes | None:
    """The body of the plain case, or None: the app answers."""
    if scope.get("query_string"):
        return None
    authorization = organization = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            if authorization is not None:
                return None
            authorization = value
        elif name == b"x-organization-id":
            if organization is not None:
                return None
            organization = value
        elif name == b"origin":
            return None  # CORS: the app's middleware answers it
    if authorization is None:
        return None
    try:
        authority: Authority = state.authority
        caller = await authority.caller(
            authorization.decode("latin-1"), None if organization is None else organization.decode("latin-1")
        )
        if caller.role in WORKFORCE_ROLES:
            return None
        return await project_list(state.kept_lists.projects, shared.services.projects, caller)
    except Exception:
        return None
