"""What every operator command shares: where the database is, how a command runs its operations,
how errors become one line on stderr, and how results are shown (a table, or JSON with `--json`)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from annobatch.cli import _tables as tables
from annobatch.domain import DomainError
from annobatch.services import Services
from annobatch.settings import DEFAULT_DATA_DIR, Settings, UnsafeSettings
from annobatch.storage.blobs import open_blob_store
from annobatch.storage.database import Database, open_database
from annobatch.storage.migrate import current_revisions, newest_revisions

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

ORG_OPTION = click.option("--org", "org_ref", required=True, metavar="ORG", help="Organization id or name.")


@dataclass
class Env:
    """Where the database is and how to answer; set by the top-level options, refined by the same
    options given after a subcommand."""

    data: Path
    database_url: str | None
    as_json: bool = False

    def settings(self) -> Settings:
        """Where the data and the database are, resolved as the server resolves them: the
        database URL, else the SQLite file in the data directory. Nothing else is read from the
        environment: commands other than `serve` need no secret."""
        return Settings(data_dir=self.data, database_url=self.database_url or "")

    @property
    def url(self) -> str:
        return self.settings().database_url


def shown_url(url: str) -> str:
    """The database URL without its password, for messages."""
    if url.startswith("sqlite"):
        return url
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


class OperatorError(click.ClickException):
    """A failure the operator can act on: one line on stderr, exit status 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class OperatorGroup(click.Group):
    """Turns a rule's refusal into one line on stderr and exit status 1, for every subcommand."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DomainError as e:
            raise OperatorError(e.message) from None
        except UnsafeSettings as e:
            raise OperatorError(str(e)) from None


def env(ctx: click.Context | None = None) -> Env:
    ctx = ctx or click.get_current_context()
    found = ctx.find_object(Env)
    if found is None:  # a subcommand invoked on its own (tests); the defaults apply
        found = Env(DEFAULT_DATA_DIR, None)
        ctx.obj = found
    return found


# ------------------------------------------------------------------------------ common options


def _set(attr: str, convert: Callable[[Any], Any] = lambda v: v) -> Callable[[click.Context, Any, Any], None]:
    def callback(ctx: click.Context, _: click.Parameter, value: Any) -> None:
        if value is not None and value is not False:
            setattr(env(ctx), attr, convert(value))

    return callback


def common_options(f: F) -> F:
    """`--data`, `--database-url` and `--json`, accepted after any subcommand as well."""
    options = [
        click.option(
            "--json", "as_json", is_flag=True, default=False, expose_value=False,
            callback=_set("as_json"), help="Print JSON for machines instead of a table.",
        ),
        click.option(
            "--database-url", metavar="URL", default=None, expose_value=False,
            callback=_set("database_url"), help="postgresql://… or sqlite:///… (wins over --data).",
        ),
        click.option(
            "--data", metavar="DIR", default=None, expose_value=False, callback=_set("data", Path),
            help="Data directory (SQLite database and blobs).",
        ),
    ]  # fmt: skip
    for option in options:
        f = option(f)
    return f


# ------------------------------------------------------------------------------------ running


async def schema_problem(db: Database, url: str) -> str | None:
    """Why this database cannot be used yet, or None when its schema is the newest."""
    current = await current_revisions(db)
    heads = newest_revisions(url)
    if not current:
        return f"the database at {shown_url(url)} has not been initialised: run `annobatch db upgrade`"
    if current != heads:
        return (
            f"the database at {shown_url(url)} is at schema revision {', '.join(sorted(current))}, "
            f"this annobatch needs {', '.join(sorted(heads))}: run `annobatch db upgrade`"
        )
    return None


async def connect(db: Database, url: str) -> None:
    try:
        await db.connect()
    except (OSError, ValueError) as e:
        raise OperatorError(f"cannot open the database at {shown_url(url)}: {e}") from None
    except Exception as e:
        # asyncpg's refusals (unknown database, bad password) carry a clear message of their own.
        if type(e).__module__.startswith("asyncpg"):
            raise OperatorError(f"cannot open the database at {shown_url(url)}: {e}") from None
        raise


def open_checked(url: str) -> Database:
    try:
        db = open_database(url)
    except ValueError as e:
        raise OperatorError(str(e)) from None
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        raise OperatorError(
            f"there is no database at {url.removeprefix('sqlite:///')}: run `annobatch db upgrade` "
            "(with the same --data) to create it"
        )
    return db


def run(work: Callable[[Services], Awaitable[T]], e: Env | None = None, *, files: bool = False) -> T:
    """Open the database, check that it is initialised, run `work` on one event loop, close.

    Only a command that reads or writes files asks for them (`files=True`): it gets the data
    directory's blob store, made on first use. Without it nothing is created on disk, and an
    operation that touches files refuses."""
    e = e or env()
    settings = e.settings()
    url = settings.database_url
    db = open_checked(url)

    async def go() -> T:
        await connect(db, url)
        try:
            problem = await schema_problem(db, url)
            if problem:
                raise OperatorError(problem)
            blobs = open_blob_store(settings.data_dir, settings.blobs_url) if files else None
            return await work(
                Services.over(
                    db,
                    blobs,
                    task_lease_seconds=settings.task_lease_seconds,
                    secret_key=settings.secret_key,
                    max_file_bytes=settings.max_upload_bytes,
                )
            )
        finally:
            await db.close()

    return asyncio.run(go())


# ------------------------------------------------------------------------------------ output


def console() -> Console:
    """Colours only on a terminal; piped output gets room enough not to wrap ordinary rows."""
    width = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 200
    return Console(soft_wrap=False, width=width)


def when(micros: int | None) -> str:
    if micros is None:
        return ""
    return datetime.fromtimestamp(micros / 1_000_000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def iso(micros: int) -> str:
    """ISO 8601 in UTC with a `Z`, as the API writes times."""
    return datetime.fromtimestamp(micros / 1_000_000, tz=UTC).isoformat().replace("+00:00", "Z")


#: Columns whose values are short and whole (ids, statuses, times): never broken across lines.
_NO_WRAP = frozenset(
    {
        "id",
        "organization",
        "project",
        "uuid",
        "batch",
        "scene",
        "status",
        "created",
        "updated",
        "inputs",
        "user id",
    }
)


def print_table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A table on the operator's console; long descriptions fold instead of being cut."""
    tables.print_table(console(), columns, rows, fold=True, no_wrap=_NO_WRAP)


def info(message: str) -> None:
    """A note for the person at the terminal: stderr, so stdout stays clean for scripts."""
    click.echo(message, err=True)


def split_types(value: str) -> list[str]:
    return [t.strip() for t in value.split(",") if t.strip()]
