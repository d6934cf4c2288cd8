"""`annobatch project` and `annobatch batch`: set projects up and move batches through annotation."""

from __future__ import annotations

from typing import Any

import click
import msgspec

from annobatch import presenters
from annobatch.cli._operator_base import (
    common_options,
    env,
    info,
    iso,
    print_json,
    print_table,
    run,
    split_types,
    when,
)
from annobatch.domain import BatchAction, ProjectStatus
from annobatch.services import Services
from annobatch.services.batches import BatchView
from annobatch.services.identity import operator
from annobatch.storage.records import OrganizationRecord, ProjectRecord

ORG_OPTION = click.option("--org", "org_ref", required=True, metavar="ORG", help="Organization id or name.")


def project_json(p: ProjectRecord, org: OrganizationRecord, types: list[str]) -> dict[str, Any]:
    return {
        "id": p.external_id,
        "project": p.external_id,
        "title": p.title,
        "description": p.description,
        "status": p.status,
        "created": iso(p.created),
        "updated": iso(p.updated),
        "organization": {"id": org.id, "name": org.name},
        "annotationTypes": types,
    }


def batch_json(v: BatchView) -> dict[str, Any]:
    return {"id": v.batch.external_id, **msgspec.to_builtins(presenters.batch_detail(v))}


# ------------------------------------------------------------------------------------ project


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
        (o.name, p.external_id, p.title, p.description, p.status, ", ".join(types), when(p.created))
        for p, o, types in found
    ]
    cols = ["organization", "project", "title", "description", "status", "annotation types", "created"]
    print_table(None, cols, rows)


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


# ------------------------------------------------------------------------------------ batch


@click.group()
def batch() -> None:
    """Batches: pending -> open -> ready -> in-progress -> completed, or archived."""


async def _views(ops: Services, org: int, project_id: str) -> list[BatchView]:
    caller = operator(org)
    return [
        await ops.batches.get_batch(caller, project_id, b.external_id)
        for b in await ops.batches.list_batches(caller, project_id)
    ]


@batch.command("list")
@ORG_OPTION
@click.argument("project_id", metavar="PROJECT")
@common_options
def batch_list(org_ref: str, project_id: str) -> None:
    """List PROJECT's batches with their annotation types and input counts."""

    async def work(ops: Services) -> list[BatchView]:
        o = await ops.accounts.find_organization(org_ref)
        return await _views(ops, o.id, project_id)

    found = run(work)
    if env().as_json:
        print_json([batch_json(v) for v in found])
        return
    rows = [
        (v.batch.external_id, v.batch.title, v.batch.status, ", ".join(v.annotation_types),
         sum(v.input_counts.values()), when(v.batch.created), when(v.batch.updated))
        for v in found
    ]  # fmt: skip
    cols = ["batch", "title", "status", "annotation types", "inputs", "created", "updated"]
    print_table(None, cols, rows)


@batch.command("create")
@ORG_OPTION
@click.argument("project_id", metavar="PROJECT")
@click.argument("batch_id", metavar="BATCH")
@click.option("--title", help="The batch's title (default: its id).")
@click.option("--publish-previous-batches", is_flag=True, help="Publish every other open batch, atomically.")
@common_options
def batch_create(
    org_ref: str, project_id: str, batch_id: str, title: str | None, publish_previous_batches: bool
) -> None:
    """Create BATCH in PROJECT, as the client's `create_batch` does."""

    async def work(ops: Services) -> BatchView:
        o = await ops.accounts.find_organization(org_ref)
        caller = operator(o.id)
        await ops.batches.create_batch(
            caller, project_id, batch_id, publish_previous_batches=publish_previous_batches, title=title
        )
        return await ops.batches.get_batch(caller, project_id, batch_id)

    _show_batch(run(work))


def _show_batch(v: BatchView, before: str | None = None) -> None:
    if env().as_json:
        print_json(batch_json(v))
        return
    b = v.batch
    moved = f"{before} -> {b.status}" if before is not None and before != b.status else b.status
    types = ", ".join(v.annotation_types) or "none"
    click.echo(f"batch {b.external_id} of project {v.project}: {moved} (annotation types: {types})")


def _transition(action: BatchAction, help_text: str) -> click.Command:
    @ORG_OPTION
    @click.argument("project_id", metavar="PROJECT")
    @click.argument("batch_id", metavar="BATCH")
    @common_options
    def command(org_ref: str, project_id: str, batch_id: str) -> None:
        async def work(ops: Services) -> tuple[str, BatchView]:
            o = await ops.accounts.find_organization(org_ref)
            caller = operator(o.id)
            before = (await ops.batches.get_batch(caller, project_id, batch_id)).batch.status
            await ops.batches.transition_batch(caller, project_id, batch_id, action)
            return before, await ops.batches.get_batch(caller, project_id, batch_id)

        before, after = run(work)
        _show_batch(after, before)

    command.__doc__ = help_text
    return click.command(action.value)(command)


for _action, _help in (
    (BatchAction.OPEN, "Open a pending BATCH for inputs (it needs at least one annotation type)."),
    (BatchAction.PUBLISH, "Publish an open BATCH: it becomes ready for annotation."),
    (BatchAction.START, "Start annotating a ready BATCH (in-progress)."),
    (BatchAction.COMPLETE, "Mark an in-progress BATCH completed."),
    (BatchAction.ARCHIVE, "Archive BATCH: terminal, it accepts nothing more."),
    (BatchAction.REOPEN, "Reopen a ready BATCH for more inputs, while annotation has not started."),
):
    batch.add_command(_transition(_action, _help))


@batch.command("set-annotation-types")
@ORG_OPTION
@click.argument("project_id", metavar="PROJECT")
@click.argument("batch_id", metavar="BATCH")
@click.argument("types", metavar="a,b")
@common_options
def batch_set_annotation_types(org_ref: str, project_id: str, batch_id: str, types: str) -> None:
    """Set BATCH's annotation types (before annotation starts)."""

    async def work(ops: Services) -> BatchView:
        o = await ops.accounts.find_organization(org_ref)
        caller = operator(o.id)
        await ops.batches.set_batch_annotation_types(caller, project_id, batch_id, split_types(types))
        return await ops.batches.get_batch(caller, project_id, batch_id)

    _show_batch(run(work))
