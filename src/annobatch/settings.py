"""Server settings from the environment (`ANNOBATCH_*`) and the command line."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

_WEAK_SECRETS = {"secret", "changeme", "change-me", "password", "dev", "test", "annobatch"}
MIN_SECRET_LENGTH = 32


class UnsafeSettings(ValueError):
    """The settings would run a server that is not safe outside development."""


@dataclass(frozen=True)
class Settings:
    """Everything the server needs, resolved once and handed to `create_app`."""

    data_dir: Path = Path("data")
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
            object.__setattr__(self, "database_url", f"sqlite:///{self.data_dir / 'annobatch.db'}")
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
            "data_dir": Path(e.get("ANNOBATCH_DATA", "data")),
            "database_url": e.get("ANNOBATCH_DATABASE_URL", ""),
            "secret_key": e.get("ANNOBATCH_SECRET_KEY", ""),
            "public_url": e.get("ANNOBATCH_PUBLIC_URL", "").rstrip("/"),
            "dev": e.get("ANNOBATCH_DEV", "") in {"1", "true", "yes"},
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
