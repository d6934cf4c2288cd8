"""`annobatch project`: set up an organization's projects."""

from __future__ import annotations

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
    split_types,
    when,
)
from annobatch.domain import ProjectStatus
from annobatch.domain.workflow import parse_workflow
from annobatch.services import Services
from annobatch.services.deliveries import project_uuid
from annobatch.services.identity import operator
from annobatch.storage.records import CredentialRecord, OrganizationRecord, ProjectRecord


def project_json(p: ProjectRecord, org: OrganizationRecord, types: list[str]) -> dict[str, Any]:
    return {
        "id": p.external_id,
        "project": p.external_id,
        # What the official client's `get_requests(project_id=…)` takes (the external id works too).
        "uuid": project_uuid(p),
        "title": p.title,
        "description": p.description,
        "status": p.status,
        "created": iso(p.created),
        "updated": iso(p.updated),
        "organization": {"id": org.id, "name": org.name},
        "annotationTypes": types,
        "workflow": p.workflow.split(","),
    }


@click.group()
def project() -> None:
    """Projects: an organization's units of annotation work."""


@project.command("create")
@ORG_OPTION
@click.argument("project_id", metavar="PROJECT")
@click.option("--title", required=True, help="The project's title.")
@click.option("--description", default="", help="A longer description (may be empty).")
@click.option("--annotation-types", "types", default="", metavar="a,b",
              help="Default annotation types: what the project's first batch inherits.")  # fmt: skip
@click.option("--pending", is_flag=True, help="Start `pending` (being set up) instead of `ongoing`.")
@common_options
def project_create(
    org_ref: str, project_id: str, title: str, description: str, types: str, pending: bool
) -> None:
    """Create PROJECT in ORG: `ongoing` (accepts batches and inputs) unless --pending."""
    status = ProjectStatus.PENDING if pending else ProjectStatus.ONGOING

    async def work(ops: Services) -> tuple[ProjectRecord, OrganizationRecord, list[str]]:
        o = await ops.accounts.find_organization(org_ref)
        caller = operator(o.id)
        p = await ops.projects.create_project(
            caller, project_id, title=title, description=description,
            annotation_types=split_types(types), status=status,
        )  # fmt: skip
        return p, o, await ops.projects.project_annotation_types(caller, project_id)

    p, o, catalogue = run(work)
    if env().as_json:
        print_json(project_json(p, o, catalogue))
        return
    click.echo(p.external_id)
    shown = ", ".join(catalogue) or "none"
    info(f"project {p.external_id} created in organization {o.name!r}: {p.status}, annotation types: {shown}")


@project.command("list")
@click.option("--org", "org_ref", metavar="ORG", help="Organization id or name (default: all).")
@common_options
def project_list(org_ref: str | None) -> None:
    """List projects, of one organization or of all."""

    async def work(ops: Services) -> list[tuple[ProjectRecord, OrganizationRecord, list[str]]]:
        if org_ref is not None:
            orgs = [await ops.accounts.find_organization(org_ref)]
            projects = await ops.projects.list_projects(operator(orgs[0].id))
        else:
            orgs = await ops.accounts.list_organizations()
            projects = await ops.projects.list_all_projects()
        by_id = {o.id: o for o in orgs}
        return [
            (p, by_id[p.organization_id],
             await ops.projects.project_annotation_types(operator(p.organization_id), p.external_id))
            for p in projects
        ]  # fmt: skip

    found = run(work)
    if env().as_json:
        print_json([project_json(p, o, types) for p, o, types in found])
        return
    rows = [
        (o.name, p.external_id, project_uuid(p), p.title, p.description, p.status, ", ".join(types),
         p.workflow.replace(",", ", "), when(p.created))
        for p, o, types in found
    ]  # fmt: skip
    cols = [
        "organization", "project", "uuid", "title", "description", "status", "annotation types", "workflow",
        "created",
    ]  # fmt: skip
    print_table(cols, rows)


@project.command("set-status")
@ORG_OPTION
@click.argument("project_id", metavar="PROJECT")
@click.argument("status", type=click.Choice([s.value for s in ProjectStatus]))
@common_options
def project_set_status(org_ref: str, project_id: str, status: str) -> None:
    """Set PROJECT's status; only an `ongoing` project accepts new batches and inputs."""

    async def work(ops: Services) -> tuple[ProjectRecord, ProjectRecord, OrganizationRecord, list[str]]:
        o = await ops.accounts.find_organization(org_ref)
        caller = operator(o.id)
        before = await ops.projects.get_project(caller, project_id)
        after = await ops.projects.set_project_status(caller, project_id, status)
        return before, after, o, await ops.projects.project_annotation_types(caller, project_id)

    before, after, o, types = run(work)
    if env().as_json:
        print_json(project_json(after, o, types))
        return
    click.echo(f"project {after.external_id}: {before.status} -> {after.status}")


@project.command("set-annotation-types")
@ORG_OPTION
@click.argument("project_id", metavar="PROJECT")
@click.argument("types", metavar="a,b")
@common_options
def project_set_annotation_types(org_ref: str, project_id: str, types: str) -> None:
    """Set PROJECT's default annotation types (what its first batch inherits)."""

    async def work(ops: Services) -> list[str]:
        o = await ops.accounts.find_organization(org_ref)
        return await ops.projects.set_project_annotation_types(operator(o.id), project_id, split_types(types))

    catalogue = run(work)
    if env().as_json:
        print_json({"project": project_id, "annotationTypes": catalogue})
        return
    click.echo(f"project {project_id}: annotation types {', '.join(catalogue) or 'none'}")


# ------------------------------------------------------------------------------------ annotation work


@project.command("set-workflow")
@ORG_OPTION
@click.argument("project_id", metavar="PROJECT")
@click.argument("phases", metavar="annotate,review[,integration-review]")
@click.option("--dry-run", is_flag=True, help="Check the workflow, change nothing.")
@common_options
def project_set_workflow(org_ref: str, project_id: str, phases: str, dry_run: bool) -> None:
    """Set PROJECT's default workflow: the phases every input of its batches goes through
    (`annotate` first, any number of `review`s, `integration-review` last if at all)."""
    parsed = [p.value for p in parse_workflow(split_types(phases))]

    async def work(ops: Services) -> None:
        o = await ops.accounts.find_organization(org_ref)
        caller = operator(o.id)
        await ops.workforce.set_project_workflow(caller, project_id, parsed, dry_run=dry_run)

    run(work)
    if env().as_json:
        print_json({"project": project_id, "workflow": parsed, "dryRun": dry_run})
        return
    click.echo(
        f"project {project_id}: workflow {' -> '.join(parsed)}"
        + (" (dry run: nothing changed)" if dry_run else "")
    )


@project.command("set-classes")
@ORG_OPTION
@click.argument("project_id", metavar="PROJECT")
@click.argument("annotation_type", metavar="TYPE")
@click.argument("classes", metavar="car,pedestrian")
@click.option("--dry-run", is_flag=True, help="Check the classes and the project, change nothing.")
@common_options
def project_set_classes(
    org_ref: str, project_id: str, annotation_type: str, classes: str, dry_run: bool
) -> None:
    """Set the classes an object of TYPE may have in PROJECT (its taxonomy); an empty list
    ("") allows any class."""
    names = split_types(classes)

    async def work(ops: Services) -> list[str]:
        o = await ops.accounts.find_organization(org_ref)
        return list(
            await ops.workforce.set_classes(
                operator(o.id), project_id, annotation_type, names, dry_run=dry_run
            )
        )

    names = run(work)
    if env().as_json:
        print_json(
            {"project": project_id, "annotationType": annotation_type, "classes": names, "dryRun": dry_run}
        )
        return
    click.echo(
        f"project {project_id}, {annotation_type}: classes {', '.join(names) or 'any'}"
        + (" (dry run: nothing changed)" if dry_run else "")
    )


@project.group("members")
def members() -> None:
    """A project's workforce: the annotators and reviewers who may work on it."""


def _member_rows(found: list[CredentialRecord]) -> list[tuple[Any, ...]]:
    return [(m.user_id, m.role, m.email, m.client_id, when(m.created)) for m in found]


def _show_members(project_id: str, found: list[CredentialRecord]) -> None:
    if env().as_json:
        print_json([
            {"userId": m.user_id, "role": m.role, "name": m.email, "clientId": m.client_id,
             "project": project_id}
            for m in found
        ])  # fmt: skip
        return
    print_table(["user id", "role", "name", "client id", "created"], _member_rows(found))


@members.command("list")
@ORG_OPTION
@click.argument("project_id", metavar="PROJECT")
@common_options
def members_list(org_ref: str, project_id: str) -> None:
    """List PROJECT's workforce."""

    async def work(ops: Services) -> list[CredentialRecord]:
        o = await ops.accounts.find_organization(org_ref)
        return list(await ops.workforce.project_members(operator(o.id), project_id))

    _show_members(project_id, run(work))


def _change_members(
    org_ref: str, project_id: str, user_ids: tuple[int, ...], add: bool, dry_run: bool
) -> None:
    """Each user added (removed) in a transaction of its own; those already in (not in) the project
    are named, nothing changes for them. A dry run runs each change and rolls it back."""

    async def work(ops: Services) -> tuple[list[int], list[CredentialRecord]]:
        o = await ops.accounts.find_organization(org_ref)
        caller = operator(o.id)
        unchanged = []
        for user in user_ids:
            if add:
                changed = await ops.workforce.add_to_project(caller, project_id, user, dry_run=dry_run)
            else:
                changed = await ops.workforce.remove_from_project(caller, project_id, user, dry_run=dry_run)
            if not changed:
                unchanged.append(user)
        return unchanged, list(await ops.workforce.project_members(caller, project_id))

    unchanged, found = run(work)
    changed = [u for u in user_ids if u not in unchanged]
    if env().as_json:
        if dry_run:
            print_json(
                {"project": project_id, "dryRun": True, "wouldChange": changed, "unchanged": unchanged}
            )
        else:
            _show_members(project_id, found)
        return
    verb = ("would be " if dry_run else "") + ("added to" if add else "removed from")
    parts = [f"user(s) {', '.join(map(str, changed))} {verb} project {project_id}"] if changed else []
    if unchanged:
        already = "already members" if add else "not members"
        parts.append(f"{', '.join(map(str, unchanged))} {already}")
    tail = " (dry run: nothing changed)" if dry_run else ""
    click.echo(f"{'; '.join(parts)}; it has {len(found)} member(s){tail}")


@members.command("add")
@ORG_OPTION
@click.argument("project_id", metavar="PROJECT")
@click.argument("user_ids", metavar="USER_ID...", nargs=-1, required=True, type=int)
@click.option("--dry-run", is_flag=True, help="Check each change, make none.")
@common_options
def members_add(org_ref: str, project_id: str, user_ids: tuple[int, ...], dry_run: bool) -> None:
    """Make workforce members (by user id, see `annobatch workforce list`) members of PROJECT."""
    _change_members(org_ref, project_id, user_ids, add=True, dry_run=dry_run)


@members.command("remove")
@ORG_OPTION
@click.argument("project_id", metavar="PROJECT")
@click.argument("user_ids", metavar="USER_ID...", nargs=-1, required=True, type=int)
@click.option("--dry-run", is_flag=True, help="Check each change, make none.")
@common_options
def members_remove(org_ref: str, project_id: str, user_ids: tuple[int, ...], dry_run: bool) -> None:
    """Remove workforce members from PROJECT (the tasks they hold stay theirs until given up or
    their lease runs out)."""
    _change_members(org_ref, project_id, user_ids, add=False, dry_run=dry_run)
