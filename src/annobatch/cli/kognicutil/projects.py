"""`projects`, `project`, `batch create|publish|show`, `annotation-types` and `events`."""

from __future__ import annotations

import itertools

import click

from annobatch.cli.kognicutil._base import DRY_RUN, api_call, cli, common_options, options


@cli.command()
@click.argument("project", required=False)
@click.option("--get-batches", is_flag=True, help="List the batches of PROJECT instead.")
@common_options
@api_call
def projects(project: str | None, get_batches: bool) -> None:
    """List projects, or one project or its batches.

    With PROJECT, only that project; with --get-batches too, its batches.

    \b
    Examples:
      kognicutil projects
      kognicutil projects highway
      kognicutil projects highway --get-batches
    """
    opts = options()
    if get_batches and project is None:
        raise click.UsageError("--get-batches needs a PROJECT")
    with opts.client() as client:
        if project is None:
            opts.renderer().projects(client.project.get_projects())
        elif get_batches:
            opts.renderer().batches(client.project.get_project_batches(project))
        else:
            opts.renderer().projects([client.project.get_project(project)])


@cli.command()
@click.argument("project")
@click.option("--batches", is_flag=True, help="List the project's batches.")
@common_options
@api_call
def project(project: str, batches: bool) -> None:
    """Show one project, or its batches.

    \b
    Examples:
      kognicutil project highway
      kognicutil project highway --batches
    """
    opts = options()
    with opts.client() as client:
        if batches:
            opts.renderer().batches(client.project.get_project_batches(project))
        else:
            opts.renderer().project(client.project.get_project(project))


@cli.group()
@common_options
def batch() -> None:
    """Create, publish and inspect batches.

    \b
    Examples:
      kognicutil batch create highway 2024-w04 --publish-previous-batches
      kognicutil batch publish highway 2024-w04
      kognicutil batch show highway 2024-w04
    """


@batch.command("create")
@click.argument("project")
@click.argument("batch")
@click.option(
    "--publish-previous-batches", is_flag=True, help="Publish the project's other open batches too."
)
@click.option("--title", help="The batch's title [default: the batch id].")
@DRY_RUN
@common_options
@api_call
def batch_create(
    project: str, batch: str, publish_previous_batches: bool, title: str | None, dry_run: bool
) -> None:
    """Create a batch.

    BATCH inherits the annotation types of PROJECT's latest previous batch and starts open
    (pending when there is nothing to inherit).

    \b
    Examples:
      kognicutil batch create highway 2024-w04
      kognicutil batch create highway 2024-w04 --publish-previous-batches
    """
    opts = options()
    with opts.client() as client:
        created = client.project.create_batch(
            project, batch, publish_previous_batches=publish_previous_batches, title=title, dryrun=dry_run
        )
    opts.renderer().batch(created, "BATCHES (dry run: nothing changed)" if dry_run else "BATCHES")


@batch.command("publish")
@click.argument("project")
@click.argument("batch")
@DRY_RUN
@common_options
@api_call
def batch_publish(project: str, batch: str, dry_run: bool) -> None:
    """Publish a batch: it becomes ready and accepts no more inputs.

    \b
    Example:
      kognicutil batch publish highway 2024-w03
    """
    opts = options()
    with opts.client() as client:
        published = client.project.publish_batch(project, batch, dryrun=dry_run)
    opts.renderer().batch(published, "BATCHES (dry run: nothing changed)" if dry_run else "BATCHES")


@batch.command("show")
@click.argument("project")
@click.argument("batch")
@common_options
@api_call
def batch_show(project: str, batch: str) -> None:
    """Show a batch with its annotation types and its inputs per status.

    \b
    Example:
      kognicutil batch show highway 2024-w03
    """
    opts = options()
    with opts.client() as client:
        opts.renderer().batch_detail(client.project.get_batch(project, batch))


@cli.command("annotation-types")
@click.argument("project")
@click.option("--batch", help="Show this batch's annotation types instead of the project's.")
@common_options
@api_call
def annotation_types(project: str, batch: str | None) -> None:
    """List the annotation types of a project or of one batch.

    \b
    Examples:
      kognicutil annotation-types highway
      kognicutil annotation-types highway --batch 2024-w03
    """
    opts = options()
    with opts.client() as client:
        opts.renderer().annotation_types(client.project.get_annotation_types(project, batch))


@cli.command()
@click.argument("project")
@click.option("--batch", help="Only this batch's events.")
@click.option("--limit", type=click.IntRange(min=1), help="Show at most this many events (oldest first).")
@common_options
@api_call
def events(project: str, batch: str | None, limit: int | None) -> None:
    """Show the audit log of a project or of one batch.

    \b
    Examples:
      kognicutil events highway
      kognicutil events highway --batch 2024-w03 --limit 20
    """
    opts = options()
    with opts.client() as client:
        found = client.project.get_events(project, batch, page_size=min(limit or 100, 1000))
        opts.renderer().events(list(itertools.islice(found, limit)))
