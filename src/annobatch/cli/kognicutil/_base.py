"""What every kognicutil command shares: the root group, the global options, the client they
build, and how an SDK error becomes one line on stderr."""

from __future__ import annotations

import functools
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


def options() -> Options:
    """The global options of the running command."""
    return click.get_current_context().ensure_object(Options)


DRY_RUN = click.option("--dry-run", is_flag=True, help="Check everything, change nothing.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@common_options
@click.version_option(package_name="annobatch", prog_name="kognicutil")
def cli() -> None:
    """Projects, batches, scenes, uploads and annotations on an annobatch server.

    \b
    Staff credentials act for the organization in $KOGNIC_CLIENT_ORGANIZATION_ID.

    \b
    Examples:
      export KOGNIC_CREDENTIALS=data/demo-credentials.json
      kognicutil projects
      kognicutil project highway --batches
      kognicutil batch create highway 2024-w04
      kognicutil upload examples/upload --project highway
      kognicutil annotations download --project crossings --annotation-type object-detection --to out
    """
