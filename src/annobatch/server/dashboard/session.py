"""The dashboard's session: who signed in, carried in a signed, expiring cookie.

The cookie holds what the API's `Caller` holds (and the session's CSRF token and expiry) as msgspec
JSON, followed by an HMAC-SHA256 of it under a key derived from the server's signing key: any
replica reads it without a database read, as it verifies a token. Revocation still reaches a
session: each page asks the `Authority` whether the credential is still usable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time

import msgspec

from annobatch.domain import Role
from annobatch.services.identity import Caller

COOKIE = "annobatch_session"
#: The sign-in form's own CSRF cookie (there is no session yet to hold its token).
SIGN_IN_COOKIE = "annobatch_sign_in"
_KEY_CONTEXT = b"annobatch dashboard session v1"


class Session(msgspec.Struct, frozen=True, array_like=True):
    """What the session cookie carries."""

    client_id: str
    home_org: int
    org: int
    role: str
    workspace_id: str | None
    email: str
    user_id: int
    csrf: str
    expires: int  #: unix seconds
    org_name: str = ""  #: the name of the organization acted for, for the pages' header

    @classmethod
    def of(cls, caller: Caller, ttl_seconds: int, org_name: str = "", now: float | None = None) -> Session:
        """A new session for `caller`, with a fresh CSRF token."""
        at = int(time.time() if now is None else now)
        return cls(
            caller.client_id,
            caller.home_org,
            caller.org,
            caller.role.value,
            caller.workspace_id,
            caller.email,
            caller.user_id,
            secrets.token_urlsafe(24),
            at + ttl_seconds,
            org_name,
        )

    @property
    def caller(self) -> Caller:
        """The same `Caller` the API's token would give (acting for `org`)."""
        return Caller(
            self.client_id,
            self.home_org,
            self.org,
            Role(self.role),
            self.workspace_id,
            self.email,
            self.user_id,
        )

    def acting_for(self, org: int, org_name: str) -> Session:
        """The same session acting for another organization (staff only: the caller checks)."""
        return msgspec.structs.replace(self, org=org, org_name=org_name)


class SessionCodec:
    """Signs and reads session cookies (and any other small value the dashboard signs)."""

    def __init__(self, signing_key: str, ttl_seconds: int) -> None:
        self._key = hmac.new(signing_key.encode(), _KEY_CONTEXT, hashlib.sha256).digest()
        self.ttl = ttl_seconds
        self._encoder = msgspec.json.Encoder()
        self._decoder = msgspec.json.Decoder(Session)

    def sign(self, value: bytes) -> str:
        mac = hmac.new(self._key, value, hashlib.sha256).digest()
        return f"{_b64(value)}.{_b64(mac)}"

    def unsign(self, token: str | None) -> bytes | None:
        """The signed value, or None when `token` is missing, malformed or not ours."""
        if not token or "." not in token:
            return None
        body, _, mac = token.partition(".")
        try:
            value, given = _unb64(body), _unb64(mac)
        except (binascii.Error, ValueError):
            return None
        expected = hmac.new(self._key, value, hashlib.sha256).digest()
        return value if hmac.compare_digest(expected, given) else None

    def new(self, caller: Caller, org_name: str = "") -> Session:
        return Session.of(caller, self.ttl, org_name)

    def encode(self, session: Session) -> str:
        return self.sign(self._encoder.encode(session))

    def decode(self, cookie: str | None, now: float | None = None) -> Session | None:
        """The session in `cookie`; None when there is none, it is forged, or it has expired."""
        value = self.unsign(cookie)
        if value is None:
            return None
        try:
            session = self._decoder.decode(value)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None
        if session.expires <= (time.time() if now is None else now):
            return None
        return session


def _b64(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


def _unb64(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
