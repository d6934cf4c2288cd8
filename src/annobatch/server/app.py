"""create_app(settings): the only place that wires things together. Nothing happens at import."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Request, get
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.types import ASGIApp, HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Scope, Send

from annobatch.server import errors, views
from annobatch.server.auth import provide_caller, token_endpoint
from annobatch.server.routes import batches, inputs, projects, workspaces
from annobatch.services import Services
from annobatch.services.identity import Authority, load_signing_key
from annobatch.services.uploads import UploadSigner
from annobatch.settings import Settings
from annobatch.storage.blobs import open_blob_store
from annobatch.storage.database import Database, Query, open_database

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
                headers = [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(_ENCODED_SLASH_BODY)).encode()),
                ]
                start: HTTPResponseStartEvent = {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": headers,
                }
                await send(start)
                body: HTTPResponseBodyEvent = {
                    "type": "http.response.body",
                    "body": _ENCODED_SLASH_BODY,
                    "more_body": False,
                }
                await send(body)
                return
            if "//" in scope["path"]:
                scope = scope.copy()
                scope["path"] = _SLASHES.sub("/", scope["path"])
        await app(scope, receive, send)

    return wrapped


@get("/healthz", summary="Liveness and database check")
async def healthz(request: Request) -> dict[str, str]:
    db: Database = request.app.state.db
    async with db.transaction() as tx:
        await tx.fetch_all(_PING)
    return {"status": "ok", "database": db.dialect}


_PING = Query("SELECT 1")


def create_app(settings: Settings, db: Database | None = None) -> Litestar:
    """The annobatch server. `db` may be handed in (tests); otherwise it is opened from the
    settings when the app starts."""
    database = db or open_database(settings.database_url, **settings.database_options())

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await database.connect()
        key = await load_signing_key(database, settings.secret_key)
        app.state.db = database
        app.state.settings = settings
        app.state.services = Services.over(database, open_blob_store(settings.data_dir))
        app.state.batch_lists = views.EncodedLists()
        app.state.authority = Authority(
            database, key, settings.token_ttl_seconds, settings.revocation_check_seconds
        )
        app.state.upload_signer = UploadSigner.from_signing_key(key, settings.upload_url_ttl_seconds)
        stop_sweeping = app.state.services.housekeeping.start_sweeping(settings.sweep_policy())
        try:
            yield
        finally:
            await stop_sweeping()
            if db is None:
                await database.close()

    app = Litestar(
        route_handlers=[
            token_endpoint,
            healthz,
            *workspaces.ROUTES,
            *projects.ROUTES,
            *batches.ROUTES,
            *inputs.API,
        ],
        dependencies={"caller": Provide(provide_caller)},
        exception_handlers=errors.HANDLERS,  # type: ignore[arg-type]
        lifespan=[lifespan],
        openapi_config=OpenAPIConfig(title="annobatch", version="0.1.0", path="/schema"),
        request_max_body_size=settings.max_body_bytes,
        debug=False,
        logging_config=None,
    )
    app.asgi_handler = normalize_paths(app.asgi_handler)
    return app


def from_env() -> Litestar:
    """ASGI factory for granian workers: settings from the environment."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    return create_app(Settings.from_env())


__all__ = ["create_app", "from_env"]
