"""Server keys: secrets the server makes once and every replica shares (the token-signing key),
kept in the database so that replicas need no configuration to agree."""

from __future__ import annotations

import sqlalchemy as sa

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import b, insert

Q_KEY_GET = Query(sa.select(t.server_keys.c.value).where(t.server_keys.c.name == b("name")))
Q_KEY_PUT = insert(t.server_keys)


class ServerKeyQueries:
    """`uow.server_keys`: read a key by name, store a new one (a second store of a name is an
    `IntegrityError`: the first writer wins)."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def get(self, name: str) -> str | None:
        v = await self.tx.fetch_val(Q_KEY_GET, {"name": name})
        return None if v is None else str(v)

    async def put(self, name: str, value: str) -> None:
        await self.tx.execute(Q_KEY_PUT, {"name": name, "value": value})
