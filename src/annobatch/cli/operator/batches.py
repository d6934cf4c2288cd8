"""`annobatch batch`: move an organization's batches through annotation."""

from __future__ import annotations

from typing import Any

import click
import msgspec

from annobatch import presenters
from annobatch.cli._tables import print_json
from annobatch.cli.operator.base import (
    ORG_OPTION,
    common_options,
    env,
    print_table,
    run,
    split_types,
    when,
)
from annobatch.domain import BatchAction
from annobatch.domain.workflow import parse_workflow
from annobatch.services import Services
from annobatch.services.batches import BatchView
from annobatch.services.identity import operator


def batch_json(v: BatchView) -> dict[str, Any]:
    return {"id": v.batch.external_id, **msgspec.to_builtins(presenters.batch_detail(v))}


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
    print_table(cols, rows)


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


@batch.command("set-workflow")
@ORG_OPTION
@click.argument("project_id", metavar="PROJECT")
@click.argument("batch_id", metavar="BATCH")
@click.argument("phases", metavar="annotate,review[,integration-review]")
@click.option("--dry-run", is_flag=True, help="Check the workflow, change nothing.")
@common_options
def batch_set_workflow(org_ref: str, project_id: str, batch_id: str, phases: str, dry_run: bool) -> None:
    """Set BATCH's own workflow (instead of its project's), while none of its tasks has started."""
    parsed = [p.value for p in parse_workflow(split_types(phases))]

    async def work(ops: Services) -> None:
        o = await ops.accounts.find_organization(org_ref)
        caller = operator(o.id)
        await ops.workforce.set_batch_workflow(caller, project_id, batch_id, parsed, dry_run=dry_run)

    run(work)
    if env().as_json:
        print_json({"project": project_id, "batch": batch_id, "workflow": parsed, "dryRun": dry_run})
        return
    shown = " -> ".join(parsed)
    click.echo(
        f"batch {batch_id} of project {project_id}: workflow {shown}"
        + (" (dry run: nothing changed)" if dry_run else "")
    )
