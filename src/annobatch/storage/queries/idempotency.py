"""Idempotency keys: the answer a keyed request got, kept so that a retry of it gets the same
answer instead of running again."""

from __future__ import annotations

import sqlalchemy as sa

from annobatch.storage import tables as t
from annobatch.storage.database import Query, Tx
from annobatch.storage.queries._sql import b, insert
from annobatch.storage.records import IdempotentAnswer

_K = t.idempotency_keys
_K_WHERE = (_K.c.organization_id == b("org"), _K.c.key == b("key"))
Q_IDEM_LOCK = Query("SELECT 1", postgresql="SELECT pg_advisory_xact_lock(hashtext(:key))")
Q_IDEM_GET = Query(sa.select(_K.c.fingerprint, _K.c.status_code, _K.c.body, _K.c.created).where(*_K_WHERE))
Q_IDEM_DELETE = Query(sa.delete(_K).where(*_K_WHERE))
Q_IDEM_PUT = insert(_K)
Q_IDEM_PURGE = Query(sa.delete(_K).where(_K.c.created < b("before")))


class IdempotencyQueries:
    """`uow.idempotency`: lock a key for the transaction, read and store its answer, purge old ones."""

    __slots__ = ("tx",)

    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def lock(self, key: str) -> None:
        """Serialise requests carrying the same key (SQLite writers are serial already)."""
        await self.tx.fetch_all(Q_IDEM_LOCK, {"key": key})

    async def get(self, org: int, key: str) -> IdempotentAnswer | None:
        row = await self.tx.fetch_one(Q_IDEM_GET, {"org": org, "key": key})
        return None if row is None else IdempotentAnswer(row[0], row[1], bytes(row[2]), row[3])

    async def put(self, org: int, key: str, answer: IdempotentAnswer) -> None:
        """Keep `answer` under the key, replacing an expired one."""
        await self.tx.execute(Q_IDEM_DELETE, {"org": org, "key": key})
        await self.tx.execute(
            Q_IDEM_PUT,
            {
                "organization_id": org,
                "key": key,
                "fingerprint": answer.fingerprint,
                "status_code": answer.status_code,
                "body": answer.body,
                "created": answer.created,
            },
        )

    async def purge(self, before: int) -> None:
        """Forget every answer stored before `before` (microseconds)."""
        await self.tx.execute(Q_IDEM_PURGE, {"before": before})
