"""`annobatch org`, `workspace` and `credentials`: who may use the server."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from annobatch.cli._tables import print_json
from annobatch.cli.operator.base import (
    ORG_OPTION,
    common_options,
    env,
    info,
    iso,
    print_table,
    run,
    when,
)
from annobatch.services import Services
from annobatch.services.accounts import NewCredential
from annobatch.services.identity import ISSUER, operator
from annobatch.storage.records import CredentialRecord, OrganizationRecord, WorkspaceRecord, now_micros


def workspace_json(w: WorkspaceRecord, org: OrganizationRecord) -> dict[str, Any]:
    return {
        "id": w.id,
        "externalId": w.external_id,
        "name": w.name,
        "created": iso(w.created),
        "organization": {"id": org.id, "name": org.name},
    }


def credentials_document(new: NewCredential) -> dict[str, Any]:
    """The Kognic credentials file: what `KognicIOClient(auth="file.json")` and our SDK read."""
    rec = new.record
    doc: dict[str, Any] = {
        "clientId": rec.client_id,
        "clientSecret": new.secret,
        "email": rec.email,
        "userId": rec.user_id,
        "issuer": ISSUER,
        "created": iso(rec.created),
    }
    if rec.expires is not None:
        doc["expires"] = iso(rec.expires)
    return doc


def write_credentials(path: Path, doc: dict[str, Any]) -> None:
    """Readable by its owner only: it holds the secret."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.chmod(path, 0o600)


def credential_json(rec: CredentialRecord, org: OrganizationRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": rec.client_id,
        "clientId": rec.client_id,
        "organization": {"id": org.id, "name": org.name},
        "workspace": rec.workspace_id,
        "role": rec.role,
        "email": rec.email,
        "userId": rec.user_id,
        "created": iso(rec.created),
        "revoked": rec.revoked,
    }
    if rec.expires is not None:
        out["expires"] = iso(rec.expires)
    return out


# ------------------------------------------------------------------------------------ org


@click.group()
def org() -> None:
    """Organizations: the tenants. Each sees only its own projects."""


@org.command("create")
@click.argument("name")
@common_options
def org_create(name: str) -> None:
    """Create organization NAME with one workspace named `default`; print its id."""

    async def work(ops: Services) -> tuple[OrganizationRecord, WorkspaceRecord]:
        return await ops.accounts.create_organization(name)

    o, ws = run(work)
    if env().as_json:
        print_json({"id": o.id, "name": o.name, "created": iso(o.created), "workspaces": [
            workspace_json(ws, o)
        ]})  # fmt: skip
        return
    click.echo(o.id)
    info(f"organization {o.name!r} created (id {o.id}) with workspace default ({ws.id})")


@org.command("list")
@common_options
def org_list() -> None:
    """List the organizations and their workspaces."""

    async def work(ops: Services) -> list[tuple[OrganizationRecord, list[WorkspaceRecord]]]:
        return [
            (o, [w for w, _ in await ops.accounts.list_workspaces(operator(o.id))])
            for o in await ops.accounts.list_organizations()
        ]

    found = run(work)
    if env().as_json:
        print_json([
            {"id": o.id, "name": o.name, "created": iso(o.created),
             "workspaces": [workspace_json(w, o) for w in wss]}
            for o, wss in found
        ])  # fmt: skip
        return
    rows = [(o.id, o.name, ", ".join(w.name for w in wss), when(o.created)) for o, wss in found]
    print_table(["id", "name", "workspaces", "created"], rows)


# ------------------------------------------------------------------------------------ workspace


@click.group()
def workspace() -> None:
    """Workspaces: where an organization's scenes live; credentials may be limited to one."""


@workspace.command("create")
@ORG_OPTION
@click.argument("name")
@common_options
def workspace_create(org_ref: str, name: str) -> None:
    """Create workspace NAME in ORG; print its id."""

    async def work(ops: Services) -> tuple[WorkspaceRecord, OrganizationRecord]:
        o = await ops.accounts.find_organization(org_ref)
        return await ops.accounts.create_workspace(o.id, name), o

    ws, o = run(work)
    if env().as_json:
        print_json(workspace_json(ws, o))
        return
    click.echo(ws.id)
    info(f"workspace {ws.name!r} created in organization {o.name!r}")


# ------------------------------------------------------------------------------------ credentials


@click.group()
def credentials() -> None:
    """Client credentials (Kognic-format files) for the SDK, kognicutil and kognic-io."""


@credentials.command("create")
@ORG_OPTION
@click.option(
    "--workspace", "ws_ref", metavar="WS",
    help="Workspace id or name; without it the credential is developer in every workspace of ORG.",
)  # fmt: skip
@click.option("--staff", is_flag=True, help="Staff: may act for any organization (X-Organization-Id).")
@click.option("--email", metavar="EMAIL", help="The email recorded with the credential.")
@click.option("--expires-in", "expires_days", type=click.IntRange(min=1), metavar="DAYS",
              help="Expire the credential after DAYS days (default: never).")  # fmt: skip
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the credentials file here (mode 600) instead of printing it.")  # fmt: skip
@common_options
def credentials_create(
    org_ref: str,
    ws_ref: str | None,
    staff: bool,
    email: str | None,
    expires_days: int | None,
    out: Path | None,
) -> None:
    """Create a credential for ORG. The secret is shown once: only its hash is kept."""
    expires = None if expires_days is None else now_micros() + expires_days * 86_400_000_000

    async def work(ops: Services) -> tuple[NewCredential, OrganizationRecord]:
        o = await ops.accounts.find_organization(org_ref)
        new = await ops.accounts.create_credential(
            o.id, workspace=ws_ref, staff=staff, email=email, expires=expires
        )
        return new, o

    new, o = run(work)
    doc = credentials_document(new)
    scope = f"workspace {ws_ref}" if ws_ref else "every workspace"
    what = f"{new.record.role} credential {new.record.client_id} for organization {o.name!r} ({scope})"
    if out is None:
        print_json({**doc, "id": new.record.client_id} if env().as_json else doc)
        info(f"{what}; the secret is shown once: keep it safe")
        return
    write_credentials(out, doc)
    if env().as_json:
        print_json({**credential_json(new.record, o), "file": str(out)})
    else:
        click.echo(new.record.client_id)
    info(f"wrote {what} to {out}")


@credentials.command("revoke")
@click.argument("client_id")
@common_options
def credentials_revoke(client_id: str) -> None:
    """Revoke credential CLIENT_ID: it gets no new token, and its tokens stop working within a minute."""

    async def work(ops: Services) -> tuple[CredentialRecord, OrganizationRecord]:
        rec = await ops.accounts.revoke_credential(client_id)
        return rec, await ops.accounts.find_organization(rec.organization_id)

    rec, o = run(work)
    if env().as_json:
        print_json(credential_json(rec, o))
        return
    click.echo(f"revoked {rec.client_id} ({rec.role}, organization {o.name!r})")
