"""create_app(settings): the only place that wires things together. Nothing happens at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from litestar import Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig

from annobatch.server import controllers, dashboard, errors, heap
from annobatch.server.bodies import JsonBody
from annobatch.server.dependencies import Shared, authenticate
from annobatch.server.encoded_lists import KeptLists
from annobatch.server.headers import secure_headers
from annobatch.server.hot_reads import answer_hot_reads
from annobatch.server.limits import limit_body_reads
from annobatch.server.paths import normalize_paths
from annobatch.server.throttle import TokenLimits
from annobatch.services import Services
from annobatch.services.direct_uploads import DirectUploads, PresignedDownloads
from annobatch.services.downloads import DownloadSigner
from annobatch.services.identity import Authority, load_signing_key
from annobatch.services.jobs import JobWorker
from annobatch.services.uploads import UploadSigner
from annobatch.settings import Settings
from annobatch.storage.blobs import BlobStore, open_blob_store
from annobatch.storage.blobs_s3 import S3BlobStore
from annobatch.storage.database import Database, open_database


def create_app(settings: Settings, db: Database | None = None, settle_heap: bool = False) -> Litestar:
    """The annobatch server. `db` may be handed in (tests); otherwise it is opened from the
    settings when the app starts. `settle_heap`: when it has started, freeze what start-up made
    out of the garbage collector's way (`heap.settle`; a server worker's, never a test's).

    The app starts with `app.state.settings`: everything but the CORS origins and the body limits
    is read when it starts, so an app that is not running may be started again with other settings
    of the same shape (the test suite reuses one app over a fresh database per test)."""
    shared = Shared()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        settings: Settings = app.state.settings
        database = db or open_database(settings.database_url, **settings.database_options())
        await database.connect()
        key = await load_signing_key(database, settings.secret_key)
        blobs = open_blob_store(settings.data_dir, settings.blobs_url)
        if isinstance(blobs, S3BlobStore):
            await blobs.client()  # made once; presigning URLs (no call of the store) needs it
        direct = direct_uploads(settings, blobs)
        shared.start(
            database,
            Services.over(
                database,
                blobs,
                settings.scene_limits(),
                settings.task_lease_seconds,
                secret_key=settings.secret_key,
                max_file_bytes=settings.max_upload_bytes,
                direct_uploads=direct,
                **settings.job_options(),
            ),
        )
        app.state.authority = Authority(
            database, key, settings.token_ttl_seconds, settings.revocation_check_seconds
        )
        dashboard.start(app, key, app.state.authority, settings)
        app.state.upload_signer = UploadSigner.from_signing_key(key, settings.upload_url_ttl_seconds)
        app.state.upload_links = direct or app.state.upload_signer
        app.state.download_signer = download_links(
            settings, blobs, DownloadSigner.from_signing_key(key, settings.download_url_ttl_seconds)
        )
        app.state.token_limits = TokenLimits.from_settings(settings)
        app.state.kept_lists = KeptLists()
        stop_sweeping = shared.services.housekeeping.start_sweeping()
        stop_jobs = start_jobs(shared.services, settings)
        if settle_heap:
            heap.settle()
        try:
            yield
        finally:
            await stop_jobs()
            await stop_sweeping()
            if db is None:
                await database.close()

    api = Router(
        path="/",
        route_handlers=controllers.API,
        before_request=authenticate,
        dependencies=shared.api_dependencies(),
    )
    app = Litestar(
        route_handlers=[*controllers.PUBLIC, api, dashboard.router(shared), dashboard.static_router()],
        cors_config=cors(settings),
        dependencies=shared.public_dependencies(),
        dto=JsonBody,
        return_dto=None,
        # A path that names nothing answers a browser with the dashboard's 404 page.
        exception_handlers={**errors.HANDLERS, HTTPException: dashboard.errors.http_error_or_page},  # type: ignore[dict-item]
        template_config=dashboard.template_config(),
        lifespan=[lifespan],
        state=State({"settings": settings}),
        openapi_config=OpenAPIConfig(title="annobatch", version="0.1.0", path="/schema"),
        request_max_body_size=settings.max_body_bytes,
        debug=False,
        logging_config=None,
    )
    hot = answer_hot_reads(app.asgi_handler, app.state, shared)
    edge = limit_body_reads(normalize_paths(hot), settings.body_read_timeout_seconds)
    app.asgi_handler = secure_headers(edge)
    return app


def direct_uploads(settings: Settings, blobs: BlobStore) -> DirectUploads | None:
    """With S3 blobs and ANNOBATCH_S3_UPLOADS=presigned, files go straight to the bucket."""
    if settings.s3_uploads != "presigned" or not isinstance(blobs, S3BlobStore):
        return None
    return DirectUploads(blobs, settings.upload_url_ttl_seconds, settings.max_upload_bytes)


def download_links(settings: Settings, blobs: BlobStore, signer: DownloadSigner) -> DownloadSigner:
    """With S3 blobs and ANNOBATCH_S3_DOWNLOADS=presigned, download URLs point at the bucket."""
    if settings.s3_downloads != "presigned" or not isinstance(blobs, S3BlobStore):
        return signer
    return PresignedDownloads.over(signer, blobs)


def start_jobs(services: Services, settings: Settings) -> Callable[[], Awaitable[None]]:
    """The process's job worker (unless `ANNOBATCH_JOB_WORKERS` is 0); answers how to stop it."""
    if not settings.job_workers:
        return _nothing
    worker = JobWorker(
        services.db,
        services.job_kinds(),
        concurrency=settings.job_workers,
        lease_seconds=settings.job_lease_seconds,
        poll_seconds=settings.job_poll_seconds,
    )
    return worker.start()


async def _nothing() -> None:
    return None


def cors(settings: Settings) -> CORSConfig | None:
    """Browsers may call the API only from the configured origins (none by default). Tokens travel
    in the Authorization header, never in cookies: no credentials mode."""
    if not settings.cors_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Dryrun", "X-Organization-Id"],
        expose_headers=["Retry-After"],
        allow_credentials=False,
        max_age=600,
    )


def from_env() -> Litestar:
    """ASGI factory for granian workers: settings from the environment."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    return create_app(Settings.from_env(), settle_heap=True)


__all__ = ["create_app", "from_env"]
