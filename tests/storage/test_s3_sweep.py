"""The blob sweep on an S3 store: it finishes recorded deletions in the bucket and aborts the
multipart uploads nobody finished, as it does with files and partial files on a disk."""

from __future__ import annotations

import asyncio
import time

from test_blobs import chunks_of, committed, partial_uploads, s3_store

from annobatch.domain import SweepPolicy
from annobatch.services.housekeeping import HousekeepingService
from annobatch.services.transactions import writing
from annobatch.storage.database import Database
from annobatch.storage.records import now_micros
from s3_server import S3Server


def test_the_sweep_deletes_recorded_blobs_and_aborts_abandoned_multipart_uploads_in_the_bucket(
    db: Database, runner: asyncio.Runner, s3: S3Server
) -> None:
    store = s3_store(s3)

    async def leave_behind() -> None:
        await store.put("scenes/s/0-gone", chunks_of(b"replaced", 4))
        await store.put("scenes/s/0-kept", chunks_of(b"new", 4))
        abandoned = store.writer("scenes/s/1-big")
        await abandoned.write(b"x" * (9 * 1024 * 1024))  # a part sent, then the upload broke off
        async with writing(db) as uow:
            await uow.blob_deletions.record(["scenes/s/0-gone"], now_micros())

    runner.run(leave_behind())
    time.sleep(1.1)  # the store dates uploads to the second
    policy = SweepPolicy(partial_after_seconds=0.5, orphan_grace_seconds=24 * 3600)
    report = runner.run(HousekeepingService(db, store).sweep(policy))
    assert report is not None
    assert report.deletions == ["scenes/s/0-gone"] and len(report.partials) == 1
    assert committed(store) == ["scenes/s/0-kept"]  # unreferenced, but within the grace period
    assert partial_uploads(store) == []
