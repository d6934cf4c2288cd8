"""`annobatch`: the operator CLI. Every command runs the application's services in process (no
HTTP), as staff acting for the organization named with `--org`.

One module per group of commands: `org` (organizations, workspaces, credentials), `workforce`,
`projects`, `batches`, `tasks`, `annotations`, `error-types`, `storage`, `blobs`, `jobs` (and
`worker`), `webhooks`, `db`, `serve`, `demo`; what they share (where the database is, running one
unit of work, errors, output) is in `base`.

Commands other than `db upgrade`, `serve` and `demo` never create or migrate a database: on one
that is missing or behind they stop with an error that says to run `annobatch db upgrade`."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import click

from annobatch.cli.operator.annotations import annotations_group
from annobatch.cli.operator.base import Env, OperatorGroup
from annobatch.cli.operator.batches import batch
from annobatch.cli.operator.blobs import blobs
from annobatch.cli.operator.db import db
from annobatch.cli.operator.demo import demo
from annobatch.cli.operator.error_types import error_types
from annobatch.cli.operator.jobs import jobs, worker
from annobatch.cli.operator.org import credentials, org, workspace
from annobatch.cli.operator.projects import project
from annobatch.cli.operator.serve import serve
from annobatch.cli.operator.storage import storage
from annobatch.cli.operator.tasks import tasks
from annobatch.cli.operator.webhooks import webhooks
from annobatch.cli.operator.workforce import workforce
from annobatch.settings import DATA_ENV, DATABASE_URL_ENV, DEFAULT_DATA_DIR

__all__ = ["main"]


def _version() -> str:
    try:
        return version("annobatch")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


@click.group(cls=OperatorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data", metavar="DIR", default=DEFAULT_DATA_DIR, show_default=True, envvar=DATA_ENV,
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Data directory: the SQLite database (annobatch.db) and blobs. Env: {DATA_ENV}.",
)  # fmt: skip
@click.option(
    "--database-url", metavar="URL", envvar=DATABASE_URL_ENV,
    help=f"postgresql://… or sqlite:///…; wins over --data. Env: {DATABASE_URL_ENV}.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines instead of tables.")
@click.version_option(_version(), prog_name="annobatch")
@click.pass_context
def main(ctx: click.Context, data: Path, database_url: str | None, as_json: bool) -> None:
    """Operate an annobatch server: its database, organizations, credentials, workforce, projects,
    batches, tasks and annotations.

    ORG is an organization's id or name; WS a workspace's id or name.
    """
    ctx.obj = Env(data, database_url or None, as_json)


for _command in (
    serve,
    demo,
    db,
    org,
    workspace,
    credentials,
    workforce,
    project,
    batch,
    tasks,
    annotations_group,
    blobs,
    error_types,
    storage,
    jobs,
    webhooks,
    worker,
):
    main.add_command(_command)
