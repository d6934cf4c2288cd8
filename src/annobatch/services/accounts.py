"""Organizations, workspaces and credentials: what the operator sets up."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from msgspec.structs import replace

from annobatch import domain
from annobatch.domain import Conflict, NotFound, Role
from annobatch.services.identity import Caller, hash_secret, new_client_id, new_secret, secret_matches
from annobatch.services.transactions import reading, writing
from annobatch.storage.database import Database, IntegrityError
from annobatch.storage.records import (
    CredentialRecord,
    OrganizationRecord,
    WorkspaceRecord,
    now_micros,
)


@dataclass(frozen=True, slots=True)
class NewCredential:
    record: CredentialRecord
    secret: str


class AccountService:
    """Organizations, their workspaces, and the credentials that act for them."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -------------------------------------------------------------------------- organizations

    async def create_organization(self, name: str) -> tuple[OrganizationRecord, WorkspaceRecord]:
        """A new organization, with one workspace named `default`."""
        if not name.strip():
            raise domain.InvalidInput("an organization needs a name")
        try:
            async with writing(self.db) as uow:
                if await uow.organizations.get(name) is not None:
                    raise Conflict(f"organization {name!r} already exists", "duplicate-organization")
                org = await uow.organizations.create(name)
                ws = await uow.workspaces.create(_new_workspace(org.id, "default"))
                return org, ws
        except IntegrityError:
            raise Conflict(f"organization {name!r} already exists", "duplicate-organization") from None

    async def find_organization(self, id_or_name: str | int) -> OrganizationRecord:
        async with reading(self.db) as uow:
            org = await uow.organizations.get(id_or_name)
        if org is None:
            raise NotFound(f"organization {id_or_name} not found", "organization-not-found")
        return org

    async def list_organizations(self) -> list[OrganizationRecord]:
        async with reading(self.db) as uow:
            return await uow.organizations.all()

    async def create_workspace(self, org: int, name: str) -> WorkspaceRecord:
        if not name.strip():
            raise domain.InvalidInput("a workspace needs a name")
        try:
            async with writing(self.db) as uow:
                if await uow.organizations.by_id(org) is None:
                    raise NotFound(f"organization {org} not found", "organization-not-found")
                return await uow.workspaces.create(_new_workspace(org, name))
        except IntegrityError:
            raise Conflict(
                f"organization {org} already has a workspace named {name!r}", "duplicate-workspace"
            ) from None

    async def find_workspace(self, org: int, id_or_name: str) -> WorkspaceRecord:
        return _pick_workspace(await self._workspaces_of(org), org, id_or_name)

    async def _workspaces_of(self, org: int) -> list[WorkspaceRecord]:
        async with reading(self.db) as uow:
            return await uow.workspaces.of(org)

    async def list_workspaces(
        self, caller: Caller, organization_ids: list[int] | None = None
    ) -> list[tuple[WorkspaceRecord, OrganizationRecord]]:
        """The workspaces the caller is a developer in, with their organizations. Staff are
        developers everywhere: with `organizationIds` they see those organizations' workspaces."""
        orgs = [caller.org]
        if organization_ids:
            if not caller.is_staff and any(o != caller.home_org for o in organization_ids):
                raise domain.Forbidden("this credential may only list its own organization's workspaces")
            orgs = list(dict.fromkeys(organization_ids))
        found: list[tuple[WorkspaceRecord, OrganizationRecord]] = []
        async with reading(self.db) as uow:
            for org_id in orgs:
                org = await uow.organizations.by_id(org_id)
                if org is None:
                    raise NotFound(f"organization {org_id} not found", "organization-not-found")
                found.extend((w, org) for w in await uow.workspaces.of(org_id))
        bound = caller.scope.workspace_id
        if bound is not None:
            found = [(w, o) for w, o in found if w.id == bound]
        return found

    # -------------------------------------------------------------------------- credentials

    async def create_credential(
        self,
        org: int,
        *,
        workspace: str | None,
        staff: bool,
        email: str | None = None,
        expires: int | None = None,
    ) -> NewCredential:
        """A new client (or staff) credential. The secret is returned once; only its hash is kept."""
        secret = new_secret()
        client_id = new_client_id()
        async with writing(self.db) as uow:
            if await uow.organizations.get(org) is None:
                raise NotFound(f"organization {org} not found", "organization-not-found")
            ws_id = None
            if workspace is not None:
                ws_id = _pick_workspace(await uow.workspaces.of(org), org, workspace).id
            rec = CredentialRecord(
                client_id=client_id,
                secret_hash=hash_secret(secret),
                organization_id=org,
                workspace_id=ws_id,
                role=(Role.STAFF if staff else Role.CLIENT).value,
                email=email or f"{client_id[:8]}@{'staff' if staff else 'client'}.annobatch.local",
                user_id=int(client_id[:7], 16),
                expires=expires,
                revoked=False,
                created=now_micros(),
            )
            await uow.credentials.create(rec)
        return NewCredential(rec, secret)

    async def create_workforce_credential(
        self, org: int, role: str, name: str, workspace: str | None = None, *, dry_run: bool = False
    ) -> NewCredential:
        """A new workforce credential (`annotator` or `reviewer`) named `name` (its events' actor),
        with a numeric user id of its own that no other credential has. The secret is returned once.
        A dry run checks everything and keeps nothing (the credential answered does not work)."""
        role = domain.parse_workforce_role(role)
        name = domain.validate_member_name(name)
        secret = new_secret()
        client_id = new_client_id()
        async with writing(self.db, dry_run) as uow:
            if await uow.organizations.by_id(org) is None:
                raise NotFound(f"organization {org} not found", "organization-not-found")
            ws_id = None
            if workspace is not None:
                ws_id = _pick_workspace(await uow.workspaces.of(org), org, workspace).id
            user_id = secrets.randbelow(2**31 - 1_000_000) + 1_000_000
            while await uow.workforce.user_id_taken(user_id):
                user_id = secrets.randbelow(2**31 - 1_000_000) + 1_000_000
            rec = CredentialRecord(
                client_id=client_id,
                secret_hash=hash_secret(secret),
                organization_id=org,
                workspace_id=ws_id,
                role=role,
                email=name,
                user_id=user_id,
                expires=None,
                revoked=False,
                created=now_micros(),
            )
            await uow.credentials.create(rec)
        return NewCredential(rec, secret)

    async def revoke_credential(self, client_id: str) -> CredentialRecord:
        async with writing(self.db) as uow:
            cred = await uow.credentials.get(client_id)
            if cred is None:
                raise NotFound(f"credential {client_id} not found", "credential-not-found")
            await uow.credentials.revoke(client_id)
            return replace(cred, revoked=True)

    async def usable_credential(self, client_id: str, secret: str) -> CredentialRecord | None:
        """The credential, when this secret still gets a token with it (not revoked, not expired)."""
        async with reading(self.db) as uow:
            rec = await uow.credentials.get(client_id)
        usable = (
            rec is not None
            and not rec.revoked
            and (rec.expires is None or rec.expires > now_micros())
            and secret_matches(secret, rec.secret_hash)
        )
        return rec if usable else None


def _new_workspace(org: int, name: str) -> WorkspaceRecord:
    ws_id = str(uuid.uuid4())
    return WorkspaceRecord(ws_id, f"{name}-{ws_id[:8]}", org, name, now_micros())


def _pick_workspace(workspaces: list[WorkspaceRecord], org: int, id_or_name: str) -> WorkspaceRecord:
    for ws in workspaces:
        if id_or_name in (ws.id, ws.name, ws.external_id):
            return ws
    raise NotFound(f"workspace {id_or_name} not found in organization {org}", "workspace-not-found")
