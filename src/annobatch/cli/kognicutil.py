"""`kognicutil`: the client CLI for projects and batches, built on the SDK's public API only
(`from annobatch import ...`), as any tool of a user's would be.

It answers both the seed's forms (`kognicutil project P --batches`) and the official tool's
(`kognicutil projects P --get-batches`), with the official tool's table columns.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click
import httpx

from annobatch import (
    CLIENT_ID_ENV,
    CLIENT_SECRET_ENV,
    CREDENTIALS_ENV,
    DEFAULT_HOST,
    HOST_ENV,
    APIError,
    Client,
    CredentialsError,
)
from annobatch.cli._render import Renderer

F = TypeVar("F", bound=Callable[..., Any])

#: As in the official tool: staff credentials act for this organization.
ORGANIZATION_ENV = "KOGNIC_CLIENT_ORGANIZATION_ID"
NO_CREDENTIALS = (
    f"no credentials found: pass --credentials FILE, or set {CREDENTIALS_ENV} to a credentials file, "
    f"or set {CLIENT_ID_ENV} and {CLIENT_SECRET_ENV}"
)


@dataclass
class Options:
    """What the global options chose. Tests hand in `http_client` (an app bound in process)."""

    host: str | None = None
    credentials: str | None = None
    as_json: bool = False
    http_client: httpx.Client | None = None

    def client(self) -> Client:
        org = os.environ.get(ORGANIZATION_ENV, "").strip()
        if org and not org.isdigit():
            raise click.ClickException(
                f"{ORGANIZATION_ENV} must be an organization id (an integer), not {org!r}"
            )
        try:
            return Client(
                host=self.host,
                auth=self.credentials,
                client_organization_id=int(org) if org else None,
                http_client=self.http_client,
            )
        except CredentialsError as e:
            if e.code != "no-credentials":
                raise
            raise CredentialsError(NO_CREDENTIALS, code=e.code) from None
        except ValueError as e:  # a host that is not a URL
            raise click.ClickException(str(e)) from None

    def renderer(self) -> Renderer:
        return Renderer(self.as_json)


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value is None or value is False:
        return
    options = ctx.ensure_object(Options)
    setattr(options, str(param.name), value)


def common_options(f: F) -> F:
    """`--host`, `--credentials` and `--json`, accepted before or after the command name."""
    f = click.option(
        "--json",
        "as_json",
        is_flag=True,
        expose_value=False,
        callback=_remember,
        help="Print JSON instead of a table.",
    )(f)
    f = click.option(
        "--credentials",
        metavar="FILE",
        expose_value=False,
        callback=_remember,
        help=f"Credentials file [default: ${CREDENTIALS_ENV}, else ${CLIENT_ID_ENV} + ${CLIENT_SECRET_ENV}].",
    )(f)
    f = click.option(
        "--host",
        metavar="URL",
        expose_value=False,
        callback=_remember,
        help=f"Server URL [default: ${HOST_ENV}, else {DEFAULT_HOST}].",
    )(f)
    return f


def api_call(f: F) -> F:
    """Any SDK error (unreachable server, refused credentials, unknown project...) becomes one
    line on stderr and exit status 1."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except APIError as e:
            raise click.ClickException(" ".join(str(e).split())) from None

    return wrapper  # type: ignore[return-value]


def _options() -> Options:
    return click.get_current_context().ensure_object(Options)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@common_options
@click.version_option(package_name="annobatch", prog_name="kognicutil")
def cli() -> None:
    """Projects and batches on an annobatch server.

    \b
    Staff credentials act for the organization in $KOGNIC_CLIENT_ORGANIZATION_ID.

    \b
    Examples:
      export KOGNIC_CREDENTIALS=data/demo-credentials.json
      kognicutil projects
      kognicutil project highway --batches
      kognicutil batch create highway 2024-w04
    """


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
    opts = _options()
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
    opts = _options()
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


_DRY_RUN = click.option("--dry-run", is_flag=True, help="Check everything, change nothing.")


@batch.command("create")
@click.argument("project")
@click.argument("batch")
@click.option(
    "--publish-previous-batches", is_flag=True, help="Publish the project's other open batches too."
)
@click.option("--title", help="The batch's title [default: the batch id].")
@_DRY_RUN
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
    opts = _options()
    with opts.client() as client:
        created = client.project.create_batch(
            project, batch, publish_previous_batches=publish_previous_batches, title=title, dryrun=dry_run
        )
    opts.renderer().batch(created, "BATCHES (dry run: nothing changed)" if dry_run else "BATCHES")


@batch.command("publish")
@click.argument("project")
@click.argument("batch")
@_DRY_RUN
@common_options
@api_call
def batch_publish(project: str, batch: str, dry_run: bool) -> None:
    """Publish a batch: it becomes ready and accepts no more inputs.

    \b
    Example:
      kognicutil batch publish highway 2024-w03
    """
    opts = _options()
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
    opts = _options()
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
    opts = _options()
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
    opts = _options()
    with opts.client() as client:
        found = client.project.get_events(project, batch, page_size=min(limit or 100, 1000))
        opts.renderer().events(list(itertools.islice(found, limit)))


def main() -> None:
    cli(prog_name="kognicutil")
