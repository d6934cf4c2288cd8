"""Headers on every answer, whoever makes it (a handler, the error table, Litestar itself, the path
check): no content sniffing, no framing, no referrer leaving with a signed URL or a scene's
uuid, and no banner of the server's make (granian names itself unless the answer names a server).

A Content-Security-Policy too: `default-src 'none'` for everything but HTML (an API answer is
never a document to run), and at least `frame-ancestors 'none'` for HTML; an answer that sets a
policy of its own (the scene page) keeps it.
"""

from __future__ import annotations

from litestar.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"server", b"annobatch"),
)
API_POLICY = b"default-src 'none'; frame-ancestors 'none'"
PAGE_POLICY = b"frame-ancestors 'none'; object-src 'none'; base-uri 'none'"


def secure_headers(app: ASGIApp) -> ASGIApp:
    """`app`, with the security headers on every HTTP answer (see the module)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": with_security_headers(list(message.get("headers", ())))}
            await send(message)

        await app(scope, receive, send_secured)

    return wrapped


def with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    present = {name.lower() for name, _ in headers}
    added = [(name, value) for name, value in SECURITY_HEADERS if name not in present]
    if b"content-security-policy" not in present:
        html = any(n.lower() == b"content-type" and v.startswith(b"text/html") for n, v in headers)
        added.append((b"content-security-policy", PAGE_POLICY if html else API_POLICY))
    return headers + added
