"""Blob deletions that survive a crash: a change that leaves blobs without a row referring to them
records them in `blob_deletions` in its own transaction; after the commit the files are deleted,
then the records. What a crash leaves, the sweep (`services.housekeeping`) finishes."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from annobatch.services.transactions import writing
from annobatch.storage.blobs import BlobStore
from annobatch.storage.database import Database

log = logging.getLogger("annobatch.housekeeping")


async def finish_deletions(db: Database, blobs: BlobStore, keys: Sequence[str]) -> list[str]:
    """Delete blobs whose deletion a committed transaction recorded, then the records. A blob that
    cannot be deleted now keeps its record, for the sweep; nothing here fails the change that
    committed. Answers the keys deleted."""
    done = []
    for key in keys:
        try:
            await blobs.delete(key)
        except Exception as e:
            log.warning("blob %s not deleted now, the sweep will retry: %s", key, e)
            continue
        done.append(key)
    if done:
        # The change committed: a failure here is the sweep's to finish, never the caller's error.
        try:
            async with writing(db) as uow:
                await uow.blob_deletions.forget(done)
        except Exception as e:
            log.warning("records of %d deleted blobs kept, the sweep will forget them: %s", len(done), e)
    return done
