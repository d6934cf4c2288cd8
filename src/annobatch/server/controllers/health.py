"""`GET /healthz`: the process answers and its database does."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from annobatch.storage.database import Database


class HealthController(Controller):
    path = "/healthz"
    tags = ["health"]

    @get(summary="Liveness and database check")
    async def health(self, database: NamedDependency[Database]) -> dict[str, str]:
        await database.ping()
        return {"status": "ok", "database": database.dialect}
