"""One method per operation, each one transaction: load the facts, let the domain decide, write.

The HTTP routes and the operator CLI both call these; neither holds a rule of its own.
"""

from __future__ import annotations

import getpass
import hashlib
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
from msgspec.structs import replace

from annobatch import domain
from annobatch.domain import BatchAction, BatchStatus, Conflict, NotFound, Role
from annobatch.server.auth import Caller, hash_secret, new_client_id, new_secret
from annobatch.storage.database import Database, IntegrityError
from annobatch.storage.store import (
    BatchRecord,
    CredentialRecord,
    EventRecord,
    IdempotentAnswer,
    OrganizationRecord,
    ProjectRecord,
    Store,
    WorkspaceRecord,
    now_micros,
)

R = TypeVar("R")

IDEMPOTENCY_WINDOW_MICROS = 24 * 3600 * 1_000_000
MAX_EVENT_PAGE = 1000
#: Stored answers past the window are deleted now and then, by the requests that store new ones.
PURGE_PROBABILITY = 0.01


def operator(org: int) -> Caller:
    """The identity of the operator CLI: staff, acting for `org`."""
    user = getpass.getuser()
    return Caller("operator-cli", org, org, Role.STAFF, None, f"operator:{user}")


@dataclass(frozen=True, slots=True)
class Write:
    """How a mutation runs: for real or as a dry run, and under which idempotency key."""

    dry_run: bool = False
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class BatchView:
    project: str
    batch: BatchRecord
    annotation_types: list[str]
    input_counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class NewCredential:
    record: CredentialRecord
    secret: str


def _fingerprint(*parts: Any) -> str:
    return hashlib.sha256(msgspec.json.encode(parts)).hexdigest()


class Operations:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -------------------------------------------------------------------------- plumbing

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[Store]:
        async with self.db.transaction() as tx:
            yield Store(tx)

    @asynccontextmanager
    async def _writing(self, dry_run: bool) -> AsyncIterator[Store]:
        ctx = self.db.dry_run() if dry_run else self.db.transaction(write=True)
        async with ctx as tx:
            yield Store(tx)

    async def mutate(
        self,
        caller: Caller,
        write: Write,
        fingerprint: str,
        result_type: type[R],
        produce: Callable[[Store], Awaitable[R]],
    ) -> R:
        """Run `produce` in one write transaction. With an idempotency key, the same key and request
        within 24 h answers the first result instead of running again; a different request under
        the same key is a conflict."""
        key = None if write.dry_run else write.idempotency_key
        try:
            async with self._writing(write.dry_run) as store:
                if key is not None:
                    await store.lock_idempotency_key(f"{caller.org}:{key}")
                    prev = await store.get_idempotent(caller.org, key)
                    if prev is not None and prev.created > now_micros() - IDEMPOTENCY_WINDOW_MICROS:
                        if prev.fingerprint != fingerprint:
                            raise Conflict(
                                f"Idempotency-Key {key!r} was already used for a different request; "
                                "use a new key for a new request",
                                "idempotency-key-reused",
                            )
                        return msgspec.json.decode(prev.body, type=result_type)
                result = await produce(store)
                if key is not None:
                    now = now_micros()
                    body = msgspec.json.encode(result)
                    await store.put_idempotent(caller.org, key, IdempotentAnswer(fingerprint, 200, body, now))
                    if random.random() < PURGE_PROBABILITY:
                        await store.purge_idempotent(before=now - IDEMPOTENCY_WINDOW_MICROS)
                return result
        except IntegrityError as e:
            # Constraints back the domain's checks up; reaching one means a concurrent writer won.
            raise Conflict(f"the change conflicts with a concurrent one: {e}", "conflict") from None

    @staticmethod
    async def load_project(store: Store, caller: Caller, project: str, lock: bool = False) -> ProjectRecord:
        domain.validate_external_id("project", project)
        p = await store.get_project(caller.org, project, lock=lock)
        if p is None:
            raise NotFound(f"project {project} not found", "project-not-found")
        return p

    @staticmethod
    async def load_batch(store: Store, project: ProjectRecord, batch: str, lock: bool = False) -> BatchRecord:
        domain.validate_external_id("batch", batch)
        b = await store.get_batch(project.id, batch, lock=lock)
        if b is None:
            raise NotFound(f"batch {batch} not found in project {project.external_id}", "batch-not-found")
        return b

    @staticmethod
    async def _event(
        store: Store,
        caller: Caller,
        project: ProjectRecord,
        batch: BatchRecord | None,
        kind: str,
        **data: Any,
    ) -> None:
        body = msgspec.json.encode(data).decode()
        await store.add_event(caller.org, project.id, batch.id if batch else None, kind, caller.email, body)

    # -------------------------------------------------------------------------- organizations

    async def create_organization(self, name: str) -> tuple[OrganizationRecord, WorkspaceRecord]:
        """A new organization, with one workspace named `default`."""
        if not name.strip():
            raise domain.InvalidInput("an organization needs a name")
        try:
            async with self._writing(False) as store:
                if await store.get_organization(name) is not None:
                    raise Conflict(f"organization {name!r} already exists", "duplicate-organization")
                org = await store.create_organization(name)
                ws = await store.create_workspace(_new_workspace(org.id, "default"))
                return org, ws
        except IntegrityError:
            raise Conflict(f"organization {name!r} already exists", "duplicate-organization") from None

    async def find_organization(self, id_or_name: str | int) -> OrganizationRecord:
        async with self._reading() as store:
            org = await store.get_organization(id_or_name)
        if org is None:
            raise NotFound(f"organization {id_or_name} not found", "organization-not-found")
        return org

    async def list_organizations(self) -> list[OrganizationRecord]:
        async with self._reading() as store:
            return await store.list_organizations()

    async def create_workspace(self, org: int, name: str) -> WorkspaceRecord:
        if not name.strip():
            raise domain.InvalidInput("a workspace needs a name")
        try:
            async with self._writing(False) as store:
                return await store.create_workspace(_new_workspace(org, name))
        except IntegrityError:
            raise Conflict(
                f"organization {org} already has a workspace named {name!r}", "duplicate-workspace"
            ) from None

    async def find_workspace(self, org: int, id_or_name: str) -> WorkspaceRecord:
        return _pick_workspace(await self._workspaces_of(org), org, id_or_name)

    async def _workspaces_of(self, org: int) -> list[WorkspaceRecord]:
        async with self._reading() as store:
            return await store.list_workspaces(org)

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
        async with self._reading() as store:
            for org_id in orgs:
                org = await store.get_organization(org_id)
                if org is not None:
                    found.extend((w, org) for w in await store.list_workspaces(org_id))
        if caller.workspace_id is not None and not caller.is_staff:
            found = [(w, o) for w, o in found if w.id == caller.workspace_id]
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
        async with self._writing(False) as store:
            if await store.get_organization(org) is None:
                raise NotFound(f"organization {org} not found", "organization-not-found")
            ws_id = None
            if workspace is not None:
                ws_id = _pick_workspace(await store.list_workspaces(org), org, workspace).id
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
            await store.create_credential(rec)
        return NewCredential(rec, secret)

    async def revoke_credential(self, client_id: str) -> CredentialRecord:
        async with self._writing(False) as store:
            cred = await store.get_credential(client_id)
            if cred is None:
                raise NotFound(f"credential {client_id} not found", "credential-not-found")
            await store.revoke_credential(client_id)
            return replace(cred, revoked=True)

    # -------------------------------------------------------------------------- projects

    async def list_projects(self, caller: Caller) -> list[ProjectRecord]:
        async with self._reading() as store:
            return await store.list_projects(caller.org)

    async def list_all_projects(self) -> list[ProjectRecord]:
        async with self._reading() as store:
            return await store.list_projects(None)

    async def get_project(self, caller: Caller, project: str) -> ProjectRecord:
        async with self._reading() as store:
            return await self.load_project(store, caller, project)

    async def create_project(
        self,
        caller: Caller,
        project: str,
        *,
        title: str,
        description: str = "",
        annotation_types: list[str] | None = None,
        status: str = domain.ProjectStatus.ONGOING,
        write: Write = Write(),
    ) -> ProjectRecord:
        """Staff set up a project: its title, description, status and default annotation types."""
        caller.require_staff("create projects")
        domain.validate_external_id("project", project)
        st = domain.parse_project_status(status)
        types = domain.normalize_annotation_types(annotation_types or [])
        if not title.strip():
            raise domain.InvalidInput("a project needs a title")

        async def produce(store: Store) -> ProjectRecord:
            if await store.get_project(caller.org, project) is not None:
                raise Conflict(f"project {project} already exists", "duplicate-project")
            rec = await store.create_project(caller.org, project, title, description, st.value)
            await store.set_project_default_types(rec.id, types)
            await self._event(
                store, caller, rec, None, "project.created", status=st.value, annotationTypes=types
            )
            return rec

        fp = _fingerprint("create_project", project, title, description, types, st.value)
        return await self.mutate(caller, write, fp, ProjectRecord, produce)

    async def set_project_status(
        self, caller: Caller, project: str, status: str, write: Write = Write()
    ) -> ProjectRecord:
        caller.require_staff("change a project's status")
        st = domain.parse_project_status(status)

        async def produce(store: Store) -> ProjectRecord:
            p = await self.load_project(store, caller, project, lock=True)
            if p.status != st.value:
                await store.set_project_status(p.id, st.value)
                await self._event(
                    store, caller, p, None, "project.status-changed", **{"from": p.status, "to": st.value}
                )
            return replace(p, status=st.value)

        return await self.mutate(
            caller, write, _fingerprint("project-status", project, st), ProjectRecord, produce
        )

    async def set_project_annotation_types(
        self, caller: Caller, project: str, types: list[str], write: Write = Write()
    ) -> list[str]:
        """Staff set the project's default annotation types (what its first batch inherits)."""
        caller.require_staff("configure annotation types")
        clean = domain.normalize_annotation_types(types)

        async def produce(store: Store) -> list[str]:
            p = await self.load_project(store, caller, project, lock=True)
            await store.set_project_default_types(p.id, clean)
            await self._event(store, caller, p, None, "project.annotation-types-set", annotationTypes=clean)
            return await store.project_catalogue(p.id)

        return await self.mutate(
            caller, write, _fingerprint("project-types", project, clean), list[str], produce
        )

    async def project_annotation_types(self, caller: Caller, project: str) -> list[str]:
        async with self._reading() as store:
            p = await self.load_project(store, caller, project)
            return await store.project_catalogue(p.id)

    # -------------------------------------------------------------------------- batches

    async def list_batches(self, caller: Caller, project: str) -> list[BatchRecord]:
        async with self._reading() as store:
            p = await self.load_project(store, caller, project)
            return await store.list_batches(p.id)

    async def get_batch(self, caller: Caller, project: str, batch: str) -> BatchView:
        async with self._reading() as store:
            p = await self.load_project(store, caller, project)
            b = await self.load_batch(store, p, batch)
            return BatchView(project, b, await store.batch_types(b.id), await store.input_counts(b.id))

    async def batch_annotation_types(self, caller: Caller, project: str, batch: str) -> list[str]:
        async with self._reading() as store:
            p = await self.load_project(store, caller, project)
            b = await self.load_batch(store, p, batch)
            return await store.batch_types(b.id)

    async def create_batch(
        self,
        caller: Caller,
        project: str,
        batch: str,
        *,
        publish_previous_batches: bool = False,
        title: str | None = None,
        write: Write = Write(),
    ) -> BatchRecord:
        """A new batch; it inherits the latest previous batch's annotation types (the project's
        defaults for the first batch) and starts `open`, or `pending` with nothing to inherit.
        With `publish_previous_batches` every other open batch is published in the same
        transaction."""
        domain.validate_external_id("project", project)
        domain.validate_external_id("batch", batch)

        async def produce(store: Store) -> BatchRecord:
            p = await self.load_project(store, caller, project, lock=True)
            domain.require_project_accepts_work(project, p.status)
            if await store.get_batch(p.id, batch) is not None:
                raise Conflict(f"batch {batch} already exists in project {project}", "duplicate-batch")
            latest = await store.latest_batch(p.id)
            inherited = await store.batch_types(latest.id) if latest else None
            plan = domain.plan_new_batch(inherited, await store.project_default_types(p.id))
            published: list[str] = []
            if publish_previous_batches:
                batches = await store.list_batches(p.id)
                open_ids = [b.external_id for b in batches if b.status == BatchStatus.OPEN]
                for ext in domain.batches_to_publish_with(open_ids, batch):
                    prev = next(b for b in batches if b.external_id == ext)
                    await self._apply(store, caller, p, prev, BatchAction.PUBLISH)
                    published.append(ext)
            rec = await store.create_batch(p.id, batch, title or batch, plan.status.value)
            rec = replace(rec, updated=await store.set_batch_types(rec.id, plan.annotation_types))
            await self._event(
                store,
                caller,
                p,
                rec,
                "batch.created",
                status=plan.status.value,
                annotationTypes=plan.annotation_types,
                publishedBatches=published,
            )
            return rec

        fp = _fingerprint("create_batch", project, batch, publish_previous_batches, title)
        return await self.mutate(caller, write, fp, BatchRecord, produce)

    async def transition_batch(
        self, caller: Caller, project: str, batch: str, action: BatchAction, write: Write = Write()
    ) -> BatchRecord:
        """Move a batch along its lifecycle (see `domain.decide_transition`)."""

        async def produce(store: Store) -> BatchRecord:
            p = await self.load_project(store, caller, project, lock=True)
            b = await self.load_batch(store, p, batch, lock=True)
            return await self._apply(store, caller, p, b, action)

        fp = _fingerprint("transition", project, batch, action)
        return await self.mutate(caller, write, fp, BatchRecord, produce)

    async def _apply(
        self, store: Store, caller: Caller, p: ProjectRecord, b: BatchRecord, action: BatchAction
    ) -> BatchRecord:
        types = await store.batch_types(b.id) if action is BatchAction.OPEN else []
        decision = domain.decide_transition(
            p.external_id, b.external_id, b.status, action, caller.role, len(types)
        )
        if not decision.changed:
            return b
        updated = await store.set_batch_status(b.id, decision.target.value)
        await self._event(
            store,
            caller,
            p,
            b,
            "batch.transitioned",
            action=action.value,
            **{"from": b.status, "to": decision.target.value},
        )
        return replace(b, status=decision.target.value, updated=updated)

    async def set_batch_annotation_types(
        self, caller: Caller, project: str, batch: str, types: list[str], write: Write = Write()
    ) -> list[str]:
        """Staff set a batch's annotation types; only before annotation starts."""
        caller.require_staff("configure annotation types")
        clean = domain.normalize_annotation_types(types)

        async def produce(store: Store) -> list[str]:
            p = await self.load_project(store, caller, project, lock=True)
            b = await self.load_batch(store, p, batch, lock=True)
            domain.require_batch_types_editable(project, batch, b.status)
            await store.set_batch_types(b.id, clean)
            await self._event(store, caller, p, b, "batch.annotation-types-set", annotationTypes=clean)
            return clean

        fp = _fingerprint("batch-types", project, batch, clean)
        return await self.mutate(caller, write, fp, list[str], produce)

    # -------------------------------------------------------------------------- audit log

    async def list_events(
        self, caller: Caller, project: str, batch: str | None, after: int, limit: int
    ) -> tuple[list[EventRecord], int | None]:
        """A page of the audit log, oldest first, and the cursor of the next page (None at the end)."""
        limit = max(1, min(limit, MAX_EVENT_PAGE))
        async with self._reading() as store:
            p = await self.load_project(store, caller, project)
            b = await self.load_batch(store, p, batch) if batch is not None else None
            rows = await store.list_events(
                project_id=p.id, batch_id=b.id if b else None, after=after, limit=limit + 1
            )
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (rows[-1].id if more else None)


def _new_workspace(org: int, name: str) -> WorkspaceRecord:
    ws_id = str(uuid.uuid4())
    return WorkspaceRecord(ws_id, f"{name}-{ws_id[:8]}", org, name, now_micros())


def _pick_workspace(workspaces: list[WorkspaceRecord], org: int, id_or_name: str) -> WorkspaceRecord:
    for ws in workspaces:
        if id_or_name in (ws.id, ws.name, ws.external_id):
            return ws
    raise NotFound(f"workspace {id_or_name} not found in organization {org}", "workspace-not-found")
