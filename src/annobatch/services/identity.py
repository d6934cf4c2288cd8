"""Identity: credentials' secrets, tokens, the signing key and the caller.

Tokens are stateless HS256 JWTs carrying the organization and role, so any replica verifies any
token without a database read. Revocation reaches every replica within
`Settings.revocation_check_seconds`: each replica re-reads a credential's state that often.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt

from annobatch.domain import Forbidden, NotFound, Role, Unauthenticated, parse_integer
from annobatch.storage.database import Database, IntegrityError
from annobatch.storage.records import CredentialRecord, now_micros
from annobatch.storage.scope import Scope
from annobatch.storage.unit_of_work import UnitOfWork

ISSUER = "annobatch"
SIGNING_KEY_NAME = "token-signing"
VERIFIED_TOKENS_KEPT = 10_000


def new_client_id() -> str:
    return secrets.token_hex(16)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """Client secrets are 256-bit random strings, so one SHA-256 is enough to store them safely
    (no dictionary to attack); comparison is constant-time."""
    return "sha256$" + hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored)


async def load_signing_key(db: Database, configured: str) -> str:
    """The configured key, else the one kept in the database (made once, shared by replicas)."""
    if configured:
        return configured
    try:
        async with db.transaction(write=True) as tx:
            keys = UnitOfWork(tx).server_keys
            key = await keys.get(SIGNING_KEY_NAME)
            if key is None:
                key = secrets.token_urlsafe(48)
                await keys.put(SIGNING_KEY_NAME, key)
            return key
    except IntegrityError:
        # Replicas starting together on a fresh PostgreSQL race to make the key: use the winner's.
        async with db.transaction() as tx:
            key = await UnitOfWork(tx).server_keys.get(SIGNING_KEY_NAME)
        if key is None:
            raise
        return key


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking, and for which organization they act."""

    client_id: str
    home_org: int
    org: int
    role: Role
    workspace_id: str | None
    email: str
    #: The credential's numeric user id (the workforce is known by it: memberships, assignments).
    user_id: int = 0

    @property
    def is_staff(self) -> bool:
        return self.role is Role.STAFF

    @property
    def is_workforce(self) -> bool:
        """An annotator or a reviewer: reaches only the workforce API and its projects' scenes."""
        return self.role in (Role.ANNOTATOR, Role.REVIEWER)

    @property
    def scope(self) -> Scope:
        """What the caller may find: its organization's scenes, inputs, calibrations and IMU
        data, only its workspace's when the credential is bound to one (staff are developers in
        every workspace)."""
        return Scope(self.org, None if self.is_staff else self.workspace_id)

    def require_staff(self, what: str) -> None:
        if not self.is_staff:
            raise Forbidden(f"only staff credentials may {what}", "staff-only")


class Authority:
    """Issues and verifies tokens; remembers recent credential checks for a few seconds."""

    def __init__(self, db: Database, key: str, ttl: int, recheck_seconds: int) -> None:
        self.db, self.key, self.ttl, self.recheck = db, key, ttl, recheck_seconds
        self._checked: dict[str, tuple[float, bool]] = {}
        self._verified: dict[str, dict[str, Any]] = {}
        self._organizations: set[int] = set()

    async def issue(self, client_id: str, secret: str) -> str:
        async with self.db.transaction() as tx:
            cred = await UnitOfWork(tx).credentials.get(client_id)
        if cred is None or not secret_matches(secret, cred.secret_hash):
            raise Unauthenticated("unknown client id or wrong client secret", "invalid_client")
        problem = _unusable(cred)
        if problem:
            raise Unauthenticated(problem, "invalid_client")
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": cred.client_id,
            "org": cred.organization_id,
            "role": cred.role,
            "ws": cred.workspace_id,
            "email": cred.email,
            "uid": cred.user_id,
            "iat": now,
            "exp": now + self.ttl,
        }
        if cred.expires is not None:
            claims["exp"] = min(int(claims["exp"]), cred.expires // 1_000_000)  # type: ignore[call-overload]
        return jwt.encode(claims, self.key, algorithm="HS256")

    async def caller(self, authorization: str | None, organization_header: str | None) -> Caller:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise Unauthenticated(
                "missing bearer token: get one from POST /v1/auth/oauth/token", "missing-token"
            )
        claims = self._verify(authorization[7:].strip())
        client_id = str(claims["sub"])
        if not await self._still_valid(client_id):
            raise Unauthenticated(
                f"credential {client_id} has been revoked or has expired", "credential-revoked"
            )
        role = Role(claims["role"])
        home = int(claims["org"])
        org = _acting_org(home, role, organization_header)
        if org != home:
            await self._require_organization(org)
        email = str(claims.get("email", client_id))
        return Caller(client_id, home, org, role, claims.get("ws"), email, int(claims.get("uid", 0)))

    def _verify(self, token: str) -> dict[str, Any]:
        """The token's claims. Verifying a signature costs more than the rest of a small request,
        so a token once verified is remembered (only tokens this server signed get remembered);
        its expiry is still checked every time."""
        claims = self._verified.get(token)
        if claims is not None:
            if claims["exp"] > time.time():
                return claims
            del self._verified[token]
        try:
            claims = jwt.decode(
                token, self.key, algorithms=["HS256"], issuer=ISSUER, options={"require": ["exp"]}
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired: request a new one", "token-expired") from None
        except jwt.InvalidTokenError:
            raise Unauthenticated("the token is not valid for this server", "invalid-token") from None
        if len(self._verified) >= VERIFIED_TOKENS_KEPT:
            self._verified.clear()
        self._verified[token] = claims
        return claims

    async def _still_valid(self, client_id: str) -> bool:
        now = time.monotonic()
        hit = self._checked.get(client_id)
        if hit is not None and now - hit[0] < self.recheck:
            return hit[1]
        async with self.db.transaction() as tx:
            cred = await UnitOfWork(tx).credentials.get(client_id)
        ok = cred is not None and not _unusable(cred)
        self._checked[client_id] = (now, ok)
        return ok

    async def _require_organization(self, org: int) -> None:
        """Staff act only for an organization that exists: every request for another is 404,
        whatever it asks. Organizations are never deleted, so one found is remembered."""
        if org in self._organizations:
            return
        async with self.db.transaction() as tx:
            found = await UnitOfWork(tx).organizations.by_id(org)
        if found is None:
            raise NotFound(f"organization {org} not found", "organization-not-found")
        if len(self._organizations) >= VERIFIED_TOKENS_KEPT:
            self._organizations.clear()
        self._organizations.add(org)

    async def credential_usable(self, client_id: str) -> bool:
        """Whether the credential is neither revoked nor expired (as fresh as `recheck` allows):
        what a dashboard session asks on each page, as a token is asked on each request."""
        return await self._still_valid(client_id)

    async def require_organization(self, org: int) -> None:
        """NotFound unless organization `org` exists (staff switching organization)."""
        await self._require_organization(org)

    def forget(self) -> None:
        self._checked.clear()


def _unusable(cred: CredentialRecord) -> str | None:
    if cred.revoked:
        return f"credential {cred.client_id} has been revoked"
    if cred.expires is not None and cred.expires <= now_micros():
        return f"credential {cred.client_id} has expired"
    return None


def _acting_org(home: int, role: Role, header: str | None) -> int:
    """Staff may act for any organization with `X-Organization-Id`; a client only for its own."""
    if header is None or header.strip() == "":
        return home
    org = parse_integer(header.strip(), "X-Organization-Id", minimum=0)
    if org != home and role is not Role.STAFF:
        raise Forbidden(f"this credential may not act for organization {org}", "foreign-organization")
    return org


def operator(org: int) -> Caller:
    """The identity of the operator CLI: staff, acting for `org`."""
    return Caller("operator-cli", org, org, Role.STAFF, None, f"operator:{getpass.getuser()}")
