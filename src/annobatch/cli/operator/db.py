"""`annobatch db`: create the database, or bring its schema to the newest revision."""

from __future__ import annotations

import click

from annobatch.cli._tables import print_json
from annobatch.cli.operator.base import OperatorError, common_options, env, shown_url
from annobatch.storage.migrate import newest_revisions, upgrade


def migrate(url: str) -> str:
    """Apply pending migrations; one clear line when the database cannot be reached."""
    from alembic.util import CommandError
    from sqlalchemy.exc import DBAPIError

    try:
        upgrade(url)
    except (OSError, DBAPIError, CommandError) as e:
        cause = getattr(e, "orig", None) or e  # the driver's own words, without SQLAlchemy's wrapping
        first = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        raise OperatorError(f"cannot migrate the database at {shown_url(url)}: {first}") from None
    return url


@click.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@common_options
def db_upgrade() -> None:
    """Create the database, or bring its schema to the newest revision."""
    e = env()
    url = migrate(e.url)
    heads = ", ".join(sorted(newest_revisions(url)))
    if e.as_json:
        print_json({"database": shown_url(url), "revision": heads})
        return
    click.echo(f"database {shown_url(url)} is at revision {heads} (newest)")
