"""`annobatch serve`: bring the schema up to date, then run the HTTP server (granian). The server
application is loaded by granian's workers from `APP_FACTORY`: no command imports it, and granian
itself is imported only when it is about to run."""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Any

import click

from annobatch.cli.operator.base import Env, OperatorError, common_options, connect, env, info, shown_url
from annobatch.cli.operator.db import migrate
from annobatch.services.identity import load_signing_key
from annobatch.settings import (
    BODY_READ_TIMEOUT_ENV,
    HEADER_READ_TIMEOUT_ENV,
    MAX_CONNECTIONS_ENV,
    MAX_HEADER_READ_TIMEOUT,
    POOL_SIZE_ENV,
    Settings,
    UnsafeSettings,
)
from annobatch.storage.database import open_database

APP_FACTORY = "annobatch.server.app:from_env"


def server_settings(e: Env, dev: bool, db_pool_size: int | None = None, **edge: object) -> Settings:
    """The server's settings from the environment and the command line (`edge`: the limits on
    clients given as options); unsafe ones are refused."""
    data = e.data.resolve()
    try:
        settings = Settings.from_env(
            None,
            data_dir=data,
            database_url=e.database_url,
            dev=True if dev else None,
            db_pool_size=db_pool_size,
            **edge,
        )
    except UnsafeSettings as err:
        raise OperatorError(str(err)) from None
    except ValueError as err:  # a number that is not one, in ANNOBATCH_TOKEN_TTL and the like
        raise OperatorError(f"invalid setting: {err}") from None
    return settings


async def _prepare_signing_key(settings: Settings) -> None:
    """Make the database-kept signing key before any worker starts, so workers never race to
    create it (with ANNOBATCH_SECRET_KEY set there is nothing to do)."""
    if settings.secret_key:
        return
    db = open_database(settings.database_url)
    await connect(db, settings.database_url)
    try:
        await load_signing_key(db, "")
    finally:
        await db.close()


def require_free_port(host: str, port: int) -> None:
    """Fail early, in one line, when something else listens on the port. Connections of a server
    that just stopped (TIME_WAIT) do not count: the server binds with SO_REUSEADDR too."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            raise OperatorError(
                f"cannot listen on {host}:{port}: {e.strerror or e}; choose another --port"
            ) from None


def prepare(
    e: Env, dev: bool, host: str, port: int, db_pool_size: int | None = None, **edge: object
) -> Settings:
    """Everything `serve` and `demo` do before the server starts, cheapest check first: settings,
    the port, the schema, the signing key."""
    settings = server_settings(e, dev, db_pool_size, **edge)
    require_free_port(host, port)
    migrate(settings.database_url)
    asyncio.run(_prepare_signing_key(settings))
    return settings


def granian_options(settings: Settings, workers: int) -> dict[str, Any]:
    """How granian guards the workers against slow clients (the app bounds body reads itself):

    - HTTP/1.1 only: granian's automatic HTTP/2 detection waits for a client's first bytes
      without a time limit, so a connection that sends nothing would stay open forever;
    - the headers of a request must arrive within `header_read_timeout_seconds`, and an idle
      kept-alive connection is closed after as long (granian's timer for the headers starts as
      soon as a connection waits for its next request);
    - each worker serves at most `max_connections` connections at once (its `backpressure`); the
      others wait in the listen backlog, which is made as deep."""
    from granian.constants import HTTPModes
    from granian.http import HTTP1Settings

    return {
        "http": HTTPModes.http1,
        "http1_settings": HTTP1Settings(
            header_read_timeout=max(1, round(settings.header_read_timeout_seconds * 1000)), keep_alive=True
        ),
        "backpressure": settings.max_connections,
        "backlog": max(1024, settings.max_connections * workers),
        "websockets": False,
    }


def run_server(settings: Settings, host: str, port: int, workers: int) -> None:
    """Run granian in this process; its workers read the settings from the environment."""
    from granian import Granian
    from granian.constants import Interfaces

    os.environ.update(settings.location_env())
    server = Granian(
        APP_FACTORY,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        factory=True,
        respawn_failed_workers=True,
        **granian_options(settings, workers),
    )
    server.serve()


def blob_location(settings: Settings) -> str:
    """Where uploaded files go, as `serve` says it."""
    if not settings.blobs_url:
        return str(settings.data_dir / "blobs")
    uploads = "presigned uploads" if settings.s3_uploads == "presigned" else "uploads through the server"
    return f"{settings.blobs_url} ({uploads})"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1), metavar="N",
              help="Worker processes.")  # fmt: skip
@click.option(
    "--db-pool-size",
    type=click.IntRange(min=1),
    metavar="N",
    default=None,
    help=f"PostgreSQL connections per worker, at most (default 10). Env: {POOL_SIZE_ENV}.",
)
@click.option(
    "--header-read-timeout",
    type=click.FloatRange(0.001, MAX_HEADER_READ_TIMEOUT),
    metavar="SECONDS",
    default=None,
    help=f"Longest wait for a request's headers, and for the next request on an idle connection "
    f"(default 10). Env: {HEADER_READ_TIMEOUT_ENV}.",
)
@click.option(
    "--body-read-timeout",
    type=click.FloatRange(min=0.001),
    metavar="SECONDS",
    default=None,
    help=f"Longest pause in a request body before it is answered 408 (default 30). "
    f"Env: {BODY_READ_TIMEOUT_ENV}.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=1),
    metavar="N",
    default=None,
    help=f"Connections each worker serves at once (default 1024). Env: {MAX_CONNECTIONS_ENV}.",
)
@click.option("--dev", is_flag=True, help="Development: allow a weak ANNOBATCH_SECRET_KEY.")
@common_options
def serve(
    host: str,
    port: int,
    workers: int,
    db_pool_size: int | None,
    header_read_timeout: float | None,
    body_read_timeout: float | None,
    max_connections: int | None,
    dev: bool,
) -> None:
    """Apply pending migrations, then serve the API (granian) until interrupted."""
    settings = prepare(
        env(),
        dev,
        host,
        port,
        db_pool_size,
        header_read_timeout_seconds=header_read_timeout,
        body_read_timeout_seconds=body_read_timeout,
        max_connections=max_connections,
    )
    pool = ""
    if not settings.database_url.startswith("sqlite"):
        size = settings.db_pool_size
        pool = f" (up to {size} connections per worker, {size * workers} in all)"
    info(
        f"annobatch serving http://{host}:{port} with {workers} worker{'s' if workers > 1 else ''} "
        f"on {shown_url(settings.database_url)}{pool}, files in {blob_location(settings)}"
    )
    run_server(settings, host, port, workers)
