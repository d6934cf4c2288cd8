"""Paths as clients send them: doubled slashes served as single ones, encoded slashes refused."""

from __future__ import annotations

import re

from litestar.types import ASGIApp, HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Scope, Send

_SLASHES = re.compile(r"//+")
_ENCODED_SLASH = re.compile(rb"%2f", re.IGNORECASE)
_ENCODED_SLASH_BODY = (
    b'{"message":"a path segment may not contain an encoded slash (%2F): identifiers never contain \'/\'",'
    b'"code":"invalid-id"}'
)


def normalize_paths(app: ASGIApp) -> ASGIApp:
    """A client host given with a trailing slash sends `//v1/...` (the official client joins with
    a slash): serve those paths as if written once. An encoded slash would let an identifier reach
    another endpoint once decoded: refuse it."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if _ENCODED_SLASH.search(scope.get("raw_path") or b""):
                await _refuse_encoded_slash(send)
                return
            if "//" in scope["path"]:
                scope = scope.copy()
                scope["path"] = _SLASHES.sub("/", scope["path"])
        await app(scope, receive, send)

    return wrapped


async def _refuse_encoded_slash(send: Send) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(_ENCODED_SLASH_BODY)).encode()),
    ]
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": 400, "headers": headers}
    await send(start)
    body: HTTPResponseBodyEvent = {
        "type": "http.response.body",
        "body": _ENCODED_SLASH_BODY,
        "more_body": False,
    }
    await send(body)
