"""Where the SDK finds its credentials and its host, in the official client's order."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from annobatch.client._errors import CredentialsError

DEFAULT_HOST = "http://127.0.0.1:8000"
HOST_ENV = "ANNOBATCH_HOST"
CREDENTIALS_ENV = "KOGNIC_CREDENTIALS"
CLIENT_ID_ENV = "KOGNIC_CLIENT_ID"
CLIENT_SECRET_ENV = "KOGNIC_CLIENT_SECRET"

#: What `Client(auth=...)` accepts.
Auth = tuple[str, str] | str | os.PathLike[str] | Mapping[str, Any] | None

NO_CREDENTIALS = (
    "no credentials found: pass auth=(client_id, client_secret) or a credentials file, "
    f"or set {CREDENTIALS_ENV} to a credentials file, or set {CLIENT_ID_ENV} and {CLIENT_SECRET_ENV}"
)


@dataclass(frozen=True, slots=True)
class Credentials:
    client_id: str
    client_secret: str = ""

    def __repr__(self) -> str:  # never print the secret
        return f"Credentials(client_id={self.client_id!r})"


def resolve_host(host: str | None) -> str:
    """The host argument, else `ANNOBATCH_HOST`, else `http://127.0.0.1:8000`; no trailing slash."""
    value = (host or os.environ.get(HOST_ENV) or DEFAULT_HOST).strip()
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"host {value!r} must start with http:// or https://")
    return value.rstrip("/")


def resolve_credentials(auth: Auth) -> Credentials:
    """A `(client_id, client_secret)` tuple, a credentials file (path) or its parsed contents;
    with `auth=None`, `KOGNIC_CREDENTIALS` (a file), else `KOGNIC_CLIENT_ID` + `KOGNIC_CLIENT_SECRET`."""
    if auth is None:
        return _from_environment()
    if isinstance(auth, tuple):
        if len(auth) != 2 or not all(isinstance(part, str) and part for part in auth):
            raise CredentialsError(
                "auth as a tuple must be (client_id, client_secret), two non-empty strings",
                code="bad-credentials",
            )
        return Credentials(auth[0], auth[1])
    if isinstance(auth, str | os.PathLike):
        return load_file(auth)
    if isinstance(auth, Mapping):
        return _from_mapping(auth, "the credentials given")
    raise CredentialsError(
        "auth must be a (client_id, client_secret) tuple or a credentials file path, "
        f"not {type(auth).__name__}",
        code="bad-credentials",
    )


def _from_environment() -> Credentials:
    path = os.environ.get(CREDENTIALS_ENV)
    if path:
        return load_file(path, f" (from {CREDENTIALS_ENV})")
    client_id, secret = os.environ.get(CLIENT_ID_ENV), os.environ.get(CLIENT_SECRET_ENV)
    if client_id and secret:
        return Credentials(client_id, secret)
    raise CredentialsError(NO_CREDENTIALS, code="no-credentials")


def load_file(path: str | os.PathLike[str], origin: str = "") -> Credentials:
    """A Kognic-format credentials file: a JSON object with `clientId` and `clientSecret` (and
    `email`, `userId`, `issuer`, optionally `expires`)."""
    where = Path(path).expanduser()
    try:
        data = json.loads(where.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CredentialsError(
            f"credentials file {where}{origin} does not exist", code="credentials-file-missing"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise CredentialsError(
            f"cannot read credentials file {where}{origin}: {e}", code="bad-credentials"
        ) from None
    except json.JSONDecodeError:
        raise CredentialsError(
            f"credentials file {where}{origin} is not valid JSON", code="bad-credentials"
        ) from None
    if not isinstance(data, dict):
        raise CredentialsError(
            f"credentials file {where}{origin} must hold a JSON object", code="bad-credentials"
        )
    return _from_mapping(data, f"credentials file {where}{origin}")


def _from_mapping(data: Mapping[str, Any], what: str) -> Credentials:
    client_id, secret = data.get("clientId"), data.get("clientSecret")
    if not isinstance(client_id, str) or not client_id or not isinstance(secret, str) or not secret:
        raise CredentialsError(f"{what} needs clientId and clientSecret", code="bad-credentials")
    expires = data.get("expires")
    if isinstance(expires, str) and expires:
        try:
            when = datetime.fromisoformat(expires.replace("Z", "+00:00"))
        except ValueError:
            raise CredentialsError(
                f"{what} has an unreadable expires value {expires!r}", code="bad-credentials"
            ) from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if when <= datetime.now(UTC):
            raise CredentialsError(
                f"{what} expired at {when.isoformat()}; ask for new credentials", code="credentials-expired"
            )
    return Credentials(client_id, secret)
