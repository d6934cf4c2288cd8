"""Settings from the environment (`ANNOBATCH_*`) and the command line, for the server and the
operator CLI alike: the one place that says where the data is and what the variables are called."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annobatch.domain.housekeeping import SweepPolicy
from annobatch.domain.scenes import SceneLimits

_WEAK_SECRETS = {"secret", "changeme", "change-me", "password", "dev", "test", "annobatch"}
MIN_SECRET_LENGTH = 32

DATA_ENV = "ANNOBATCH_DATA"
DATABASE_URL_ENV = "ANNOBATCH_DATABASE_URL"
BLOBS_ENV = "ANNOBATCH_BLOBS"
S3_UPLOADS_ENV = "ANNOBATCH_S3_UPLOADS"
S3_DOWNLOADS_ENV = "ANNOBATCH_S3_DOWNLOADS"
#: How files reach an S3 blob store and leave it: through the server, or straight from the store
#: with presigned URLs.
TRANSFER_MODES = ("stream", "presigned")
DEV_ENV = "ANNOBATCH_DEV"
POOL_MIN_SIZE_ENV = "ANNOBATCH_DB_POOL_MIN_SIZE"
POOL_SIZE_ENV = "ANNOBATCH_DB_POOL_SIZE"
ACQUIRE_TIMEOUT_ENV = "ANNOBATCH_DB_ACQUIRE_TIMEOUT"
STATEMENT_TIMEOUT_ENV = "ANNOBATCH_DB_STATEMENT_TIMEOUT"
_DATABASE_INTS = (("db_pool_min_size", POOL_MIN_SIZE_ENV), ("db_pool_size", POOL_SIZE_ENV))
_DATABASE_FLOATS = (
    ("db_acquire_timeout_seconds", ACQUIRE_TIMEOUT_ENV),
    ("db_statement_timeout_seconds", STATEMENT_TIMEOUT_ENV),
)
HEADER_READ_TIMEOUT_ENV = "ANNOBATCH_HEADER_READ_TIMEOUT"
BODY_READ_TIMEOUT_ENV = "ANNOBATCH_BODY_READ_TIMEOUT"
MAX_CONNECTIONS_ENV = "ANNOBATCH_MAX_CONNECTIONS"
#: What guards the server against slow and failing clients: handed to the workers with the rest.
_EDGE_INTS = (
    ("max_connections", MAX_CONNECTIONS_ENV),
    ("token_failures_per_client", "ANNOBATCH_TOKEN_FAILURES_PER_CLIENT"),
    ("token_failures_per_address", "ANNOBATCH_TOKEN_FAILURES_PER_ADDRESS"),
)
_EDGE_FLOATS = (
    ("header_read_timeout_seconds", HEADER_READ_TIMEOUT_ENV),
    ("body_read_timeout_seconds", BODY_READ_TIMEOUT_ENV),
    ("token_failure_window_seconds", "ANNOBATCH_TOKEN_FAILURE_WINDOW"),
)
_EDGE_LISTS = (
    ("cors_origins", "ANNOBATCH_CORS_ORIGINS"),
    ("trusted_proxies", "ANNOBATCH_TRUSTED_PROXIES"),
)
#: granian reads a request's headers for at most this long.
MAX_HEADER_READ_TIMEOUT = 60.0
_SWEEP_FLOATS = (
    ("sweep_interval_seconds", "ANNOBATCH_SWEEP_INTERVAL"),
    ("sweep_partial_after_seconds", "ANNOBATCH_SWEEP_PARTIAL_AFTER"),
    ("sweep_orphan_grace_seconds", "ANNOBATCH_SWEEP_ORPHAN_GRACE"),
)
#: The data directory when none is named: `./data`, beside where the command runs.
DEFAULT_DATA_DIR = Path("data")


def default_database_url(data_dir: Path) -> str:
    """The SQLite file inside a data directory: where the database is unless a URL names another."""
    return f"sqlite:///{data_dir / 'annobatch.db'}"


class UnsafeSettings(ValueError):
    """The settings would run a server that is not safe outside development."""


@dataclass(frozen=True)
class Settings:
    """Everything the server needs, resolved once and handed to `create_app`. The operator CLI
    builds one too, to find the database exactly where the server would."""

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    #: Where uploaded files live: empty, the data directory's `blobs/`; `s3://bucket/prefix`, a
    #: bucket reached with the standard AWS settings (AWS_ENDPOINT_URL, AWS_REGION, keys).
    blobs_url: str = ""
    #: With S3 blobs: uploads `stream` through the server (the official client sends chunked
    #: bodies, which some S3 services refuse) or go `presigned` straight to the store.
    s3_uploads: str = "stream"
    #: With S3 blobs: downloads `stream` through the server or are `presigned` redirects.
    s3_downloads: str = "stream"
    #: Signs tokens and upload URLs. Empty: the key kept in the database (made on first start).
    secret_key: str = ""
    token_ttl_seconds: int = 3600
    #: How long a dashboard session (its signed cookie) lasts before signing in again.
    session_ttl_seconds: int = 8 * 3600
    #: How stale a replica's view of revoked credentials may be.
    revocation_check_seconds: int = 30
    max_body_bytes: int = 1024 * 1024
    max_upload_bytes: int = 5 * 1024**3
    upload_url_ttl_seconds: int = 24 * 3600
    #: How long a signed download URL (annotation content, a task's scene files) stays good.
    download_url_ttl_seconds: int = 900
    #: The address clients reach this server at, for upload URLs and view links; empty: taken from
    #: each request's Host header.
    public_url: str = ""
    #: PostgreSQL connections each server process keeps at least and at most (README: sizing).
    db_pool_min_size: int = 1
    db_pool_size: int = 10
    #: How long a request waits for a free connection before it is answered 503.
    db_acquire_timeout_seconds: float = 5.0
    #: How long one statement may run before it is cancelled and answered 503; 0: no limit.
    db_statement_timeout_seconds: float = 30.0
    #: How often the server sweeps the blob store (one process at a time); 0: never.
    sweep_interval_seconds: float = 600.0
    #: A partial upload nobody wrote to for this long is removed by the sweep.
    sweep_partial_after_seconds: float = 3600.0
    #: A blob no row refers to is removed by the sweep once older than this (at least 600 s).
    sweep_orphan_grace_seconds: float = 24 * 3600.0
    #: A scene left pending (not committed, no upload) this long is abandoned by the sweep and its
    #: files removed (`SceneRecoveryService.sweep_stale_scenes`).
    stale_scene_retention_seconds: int = 7 * 24 * 3600
    #: A task held this long without a save returns to `todo` (the sweep returns it).
    task_lease_seconds: int = 4 * 3600
    #: How large one scene may be; a larger one is refused (400) before any other work.
    max_scene_frames: int = SceneLimits().max_frames
    max_scene_sensors: int = SceneLimits().max_sensors
    max_scene_files: int = SceneLimits().max_files
    #: How long a client may take to send a request's headers (at most 60 s). granian's timer for
    #: the headers starts as soon as a connection waits for a request, so this is also how long an
    #: idle kept-alive connection stays open.
    header_read_timeout_seconds: float = 10.0
    #: How long a request's body may go without a byte arriving before it is answered 408 and its
    #: connection closed.
    body_read_timeout_seconds: float = 30.0
    #: Connections each worker process serves at once; more wait in the listen backlog.
    max_connections: int = 1024
    #: Origins that browsers may call the API from (CORS); none: cross-origin calls are refused.
    cors_origins: tuple[str, ...] = ()
    #: Failed token requests allowed within the window per client id, and per client address, before
    #: further ones are answered 429 (each process counts its own); 0: no limit.
    token_failures_per_client: int = 10
    token_failures_per_address: int = 100
    token_failure_window_seconds: float = 60.0
    #: Addresses or networks of the proxies in front (a balancer) whose `X-Forwarded-For` names the
    #: client, for the limits per address.
    trusted_proxies: tuple[str, ...] = ()
    dev: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", default_database_url(self.data_dir))
        weak = len(self.secret_key) < MIN_SECRET_LENGTH or self.secret_key.lower() in _WEAK_SECRETS
        if self.secret_key and weak and not self.dev:
            raise UnsafeSettings(
                f"ANNOBATCH_SECRET_KEY must be at least {MIN_SECRET_LENGTH} random characters "
                "(or leave it unset to use the key kept in the database); use --dev to allow a weak key"
            )
        if self.token_ttl_seconds <= 60:
            raise UnsafeSettings("the token lifetime must be over 60 s: clients renew 60 s before expiry")
        if not 1 <= self.db_pool_min_size <= self.db_pool_size:
            raise ValueError(
                f"the database pool needs 1 <= {POOL_MIN_SIZE_ENV} <= {POOL_SIZE_ENV} "
                f"(got {self.db_pool_min_size} and {self.db_pool_size})"
            )
        try:
            self.sweep_policy()
        except ValueError as e:
            raise ValueError(f"{e} ({', '.join(name for _, name in _SWEEP_FLOATS)})") from None
        if self.session_ttl_seconds < 60:
            raise ValueError("ANNOBATCH_SESSION_TTL must be at least 60 s")
        if self.task_lease_seconds < 1:
            raise ValueError("ANNOBATCH_TASK_LEASE_SECONDS must be at least 1")
        if self.db_acquire_timeout_seconds <= 0 or self.db_statement_timeout_seconds < 0:
            raise ValueError(
                f"{ACQUIRE_TIMEOUT_ENV} must be over 0 and {STATEMENT_TIMEOUT_ENV} at least 0 (no limit)"
            )
        self._check_edge()
        self._check_blobs()

    def _check_blobs(self) -> None:
        if self.blobs_url and not self.blobs_url.startswith("s3://"):
            raise ValueError(f"{BLOBS_ENV} must be empty (the data directory) or s3://bucket/prefix")
        for name, mode in ((S3_UPLOADS_ENV, self.s3_uploads), (S3_DOWNLOADS_ENV, self.s3_downloads)):
            if mode not in TRANSFER_MODES:
                raise ValueError(f"{name} must be one of {', '.join(TRANSFER_MODES)} (got {mode!r})")
        if self.s3_uploads == "presigned" and self.sweep_orphan_grace_seconds < self.upload_url_ttl_seconds:
            # A file uploaded straight to the bucket belongs to no row until the commit: the sweep
            # must not take it for an orphan while its URL may still be used.
            raise ValueError(
                f"with {S3_UPLOADS_ENV}=presigned, ANNOBATCH_SWEEP_ORPHAN_GRACE must be at least "
                "ANNOBATCH_UPLOAD_URL_TTL"
            )

    def _check_edge(self) -> None:
        if not 0.001 <= self.header_read_timeout_seconds <= MAX_HEADER_READ_TIMEOUT:
            raise ValueError(f"{HEADER_READ_TIMEOUT_ENV} must be from 0.001 to {MAX_HEADER_READ_TIMEOUT:g} s")
        if self.body_read_timeout_seconds <= 0:
            raise ValueError(f"{BODY_READ_TIMEOUT_ENV} must be over 0")
        if self.max_connections < 1:
            raise ValueError(f"{MAX_CONNECTIONS_ENV} must be at least 1")
        if min(self.token_failures_per_client, self.token_failures_per_address) < 0:
            raise ValueError("the token failure limits must be at least 0 (0: no limit)")
        if self.token_failure_window_seconds <= 0:
            raise ValueError("ANNOBATCH_TOKEN_FAILURE_WINDOW must be over 0")
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(
                    f"ANNOBATCH_TRUSTED_PROXIES: {proxy!r} is not an IP address or network"
                ) from None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        e = os.environ if env is None else env
        values: dict[str, object] = {
            "data_dir": Path(e.get(DATA_ENV, str(DEFAULT_DATA_DIR))),
            "database_url": e.get(DATABASE_URL_ENV, ""),
            "blobs_url": e.get(BLOBS_ENV, "").rstrip("/"),
            "s3_uploads": e.get(S3_UPLOADS_ENV, "stream"),
            "s3_downloads": e.get(S3_DOWNLOADS_ENV, "stream"),
            "secret_key": e.get("ANNOBATCH_SECRET_KEY", ""),
            "public_url": e.get("ANNOBATCH_PUBLIC_URL", "").rstrip("/"),
            "dev": e.get(DEV_ENV, "") in {"1", "true", "yes"},
        }
        for key, name in (
            ("token_ttl_seconds", "ANNOBATCH_TOKEN_TTL"),
            ("session_ttl_seconds", "ANNOBATCH_SESSION_TTL"),
            ("max_body_bytes", "ANNOBATCH_MAX_BODY_BYTES"),
            ("max_upload_bytes", "ANNOBATCH_MAX_UPLOAD_BYTES"),
            ("upload_url_ttl_seconds", "ANNOBATCH_UPLOAD_URL_TTL"),
            ("download_url_ttl_seconds", "ANNOBATCH_DOWNLOAD_URL_TTL"),
            ("stale_scene_retention_seconds", "ANNOBATCH_STALE_SCENE_RETENTION"),
            ("task_lease_seconds", "ANNOBATCH_TASK_LEASE_SECONDS"),
            ("max_scene_frames", "ANNOBATCH_MAX_SCENE_FRAMES"),
            ("max_scene_sensors", "ANNOBATCH_MAX_SCENE_SENSORS"),
            ("max_scene_files", "ANNOBATCH_MAX_SCENE_FILES"),
            *_DATABASE_INTS,
        ):
            if name in e:
                values[key] = int(e[name])
        for key, name in _EDGE_INTS:
            if name in e:
                values[key] = int(e[name])
        for key, name in (*_DATABASE_FLOATS, *_SWEEP_FLOATS, *_EDGE_FLOATS):
            if name in e:
                values[key] = float(e[name])
        for key, name in _EDGE_LISTS:
            if name in e:
                values[key] = tuple(v.strip() for v in e[name].split(",") if v.strip())
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def database_options(self) -> dict[str, Any]:
        """The pool and timeouts, as `storage.database.open_database` takes them."""
        return {
            "pool_min_size": self.db_pool_min_size,
            "pool_size": self.db_pool_size,
            "acquire_timeout": self.db_acquire_timeout_seconds,
            "statement_timeout": self.db_statement_timeout_seconds,
        }

    def scene_limits(self) -> SceneLimits:
        """How large one scene may be."""
        return SceneLimits(self.max_scene_frames, self.max_scene_sensors, self.max_scene_files)

    def sweep_policy(self) -> SweepPolicy:
        """What the blob store's sweep removes, and how often the server runs it."""
        return SweepPolicy(
            partial_after_seconds=self.sweep_partial_after_seconds,
            orphan_grace_seconds=self.sweep_orphan_grace_seconds,
            interval_seconds=self.sweep_interval_seconds,
            stale_scene_after_seconds=self.stale_scene_retention_seconds,
        )

    def location_env(self) -> dict[str, str]:
        """The variables that make `from_env` in another process (a server worker) find the same
        data directory and database, connect to it the same way, in the same mode, with the same
        limits on clients."""
        env = {DATA_ENV: str(self.data_dir), DATABASE_URL_ENV: self.database_url, BLOBS_ENV: self.blobs_url}
        env.update({S3_UPLOADS_ENV: self.s3_uploads, S3_DOWNLOADS_ENV: self.s3_downloads})
        numbers = (*_DATABASE_INTS, *_DATABASE_FLOATS, *_EDGE_INTS, *_EDGE_FLOATS)
        env.update({name: str(getattr(self, key)) for key, name in numbers})
        env.update({name: ",".join(getattr(self, key)) for key, name in _EDGE_LISTS})
        if self.dev:
            env[DEV_ENV] = "1"
        return env
