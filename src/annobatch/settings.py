"""Settings from the environment (`ANNOBATCH_*`) and the command line, for the server and the
operator CLI alike: the one place that says where the data is and what the variables are called."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

_WEAK_SECRETS = {"secret", "changeme", "change-me", "password", "dev", "test", "annobatch"}
MIN_SECRET_LENGTH = 32

DATA_ENV = "ANNOBATCH_DATA"
DATABASE_URL_ENV = "ANNOBATCH_DATABASE_URL"
DEV_ENV = "ANNOBATCH_DEV"
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
    #: Signs tokens and upload URLs. Empty: the key kept in the database (made on first start).
    secret_key: str = ""
    token_ttl_seconds: int = 3600
    #: How stale a replica's view of revoked credentials may be.
    revocation_check_seconds: int = 30
    max_body_bytes: int = 1024 * 1024
    max_upload_bytes: int = 5 * 1024**3
    upload_url_ttl_seconds: int = 24 * 3600
    #: The address clients reach this server at, for upload URLs and view links; empty: taken from
    #: each request's Host header.
    public_url: str = ""
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

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        e = os.environ if env is None else env
        values: dict[str, object] = {
            "data_dir": Path(e.get(DATA_ENV, str(DEFAULT_DATA_DIR))),
            "database_url": e.get(DATABASE_URL_ENV, ""),
            "secret_key": e.get("ANNOBATCH_SECRET_KEY", ""),
            "public_url": e.get("ANNOBATCH_PUBLIC_URL", "").rstrip("/"),
            "dev": e.get(DEV_ENV, "") in {"1", "true", "yes"},
        }
        for key, name in (
            ("token_ttl_seconds", "ANNOBATCH_TOKEN_TTL"),
            ("max_body_bytes", "ANNOBATCH_MAX_BODY_BYTES"),
            ("max_upload_bytes", "ANNOBATCH_MAX_UPLOAD_BYTES"),
            ("upload_url_ttl_seconds", "ANNOBATCH_UPLOAD_URL_TTL"),
        ):
            if name in e:
                values[key] = int(e[name])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def location_env(self) -> dict[str, str]:
        """The variables that make `from_env` in another process (a server worker) find the same
        data directory and database, in the same mode."""
        env = {DATA_ENV: str(self.data_dir), DATABASE_URL_ENV: self.database_url}
        if self.dev:
            env[DEV_ENV] = "1"
        return env
