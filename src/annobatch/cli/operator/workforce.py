"""`annobatch workforce`: the people who annotate and review, as credentials with role `annotator`
or `reviewer`, each with a numeric user id. They reach only the workforce API (and the scenes of
the projects they are members of: `annobatch project members add`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from annobatch.cli._tables import print_json
from annobatch.cli.operator.base import ORG_OPTION, common_options, env, info, print_table, run, when
from annobatch.cli.operator.org import credential_json, credentials_document, write_credentials
from annobatch.domain.tasks import parse_workforce_role
from annobatch.services import Services
from annobatch.services.accounts import NewCredential
from annobatch.services.identity import operator
from annobatch.storage.records import CredentialRecord, OrganizationRecord


def member_json(rec: CredentialRecord, org: OrganizationRecord) -> dict[str, Any]:
    """A workforce credential; its `email` is the member's name."""
    return {**credential_json(rec, org), "name": rec.email}


@click.group()
def workforce() -> None:
    """The workforce: annotator and reviewer credentials of an organization."""


@workforce.command("add")
@ORG_OPTION
@click.option("--role", required=True, type=click.Choice(["annotator", "reviewer"]), help="What they do.")
@click.argument("name")
@click.option("--workspace", "ws_ref", metavar="WS", help="Bind the credential to one workspace.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the credentials file here (mode 600) instead of printing it.")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Check the name, role and workspace; create nothing.")
@common_options
def workforce_add(
    org_ref: str, role: str, name: str, ws_ref: str | None, out: Path | None, dry_run: bool
) -> None:
    """Create a workforce member NAME of ORG: a credential with ROLE and a numeric user id.

    The credentials file has the format the official client reads; the secret is shown once."""
    parse_workforce_role(role)

    async def work(ops: Services) -> tuple[NewCredential, OrganizationRecord]:
        o = await ops.accounts.find_organization(org_ref)
        return await ops.workforce.create_member(o.id, role, name, workspace=ws_ref, dry_run=dry_run), o

    new, o = run(work)
    if dry_run:  # the credential made was rolled back: nothing to show or write
        if env().as_json:
            print_json(
                {"dryRun": True, "role": role, "name": name, "organization": o.name, "workspace": ws_ref}
            )
        else:
            click.echo(f"{role} {name!r} of {o.name!r} would be created (dry run: nothing changed)")
        return
    doc = credentials_document(new)
    what = f"{role} {name!r} (user id {new.record.user_id}, client id {new.record.client_id}) of {o.name!r}"
    if out is None:
        print_json({**doc, "id": new.record.client_id} if env().as_json else doc)
        info(f"{what}; the secret is shown once: keep it safe")
        return
    write_credentials(out, doc)
    if env().as_json:
        print_json({**member_json(new.record, o), "file": str(out)})
    else:
        click.echo(new.record.user_id)
    info(f"wrote {what} to {out}; add them to a project with `annobatch project members add`")


@workforce.command("list")
@ORG_OPTION
@common_options
def workforce_list(org_ref: str) -> None:
    """List ORG's workforce: annotators and reviewers, their user ids and projects."""

    async def work(ops: Services) -> tuple[list[CredentialRecord], dict[int, list[str]], OrganizationRecord]:
        o = await ops.accounts.find_organization(org_ref)
        caller = operator(o.id)
        projects: dict[int, list[str]] = {}
        for p in await ops.projects.list_projects(caller):
            for m in await ops.workforce.project_members(caller, p.external_id):
                projects.setdefault(m.user_id, []).append(p.external_id)
        return list(await ops.workforce.list_members(o.id)), projects, o

    members, projects, o = run(work)
    if env().as_json:
        print_json([{**member_json(m, o), "projects": projects.get(m.user_id, [])} for m in members])
        return
    rows = [
        (m.user_id, m.role, m.email, ", ".join(projects.get(m.user_id, [])), m.client_id,
         "revoked" if m.revoked else "", when(m.created))
        for m in members
    ]  # fmt: skip
    print_table(["user id", "role", "name", "projects", "client id", "revoked", "created"], rows)
