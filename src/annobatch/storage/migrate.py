"""Bring a database to the newest schema (`annobatch db upgrade`; `serve` does it on start)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from annobatch.storage.database import Database, Query

_VERSION_TABLE = Query(
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'",
    postgresql="SELECT count(*) FROM information_schema.tables "
    "WHERE table_name = 'alembic_version' AND table_schema = current_schema()",
)
_VERSION = Query("SELECT version_num FROM alembic_version")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def newest_revisions(url: str) -> set[str]:
    """The schema revisions this annobatch needs."""
    return set(ScriptDirectory.from_config(alembic_config(url)).get_heads())


async def current_revisions(db: Database) -> set[str]:
    """The schema revisions the database is at; empty when it was never initialised."""
    async with db.transaction() as tx:
        if not await tx.fetch_val(_VERSION_TABLE):
            return set()
        return {r[0] for r in await tx.fetch_all(_VERSION)}
