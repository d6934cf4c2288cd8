"""`annobatch blobs sweep`: what the server's sweep does, on demand, printing what it removed;
`--dry-run` removes nothing."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

from click.testing import CliRunner
from operator_testing import assert_refused

from annobatch.cli.operator import main
from annobatch.storage.blobs import LocalBlobStore


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


def test_blobs_sweep_removes_old_unreferenced_blobs_and_partials_and_says_so(
    database_url: str, tmp_path: Path
) -> None:
    store = LocalBlobStore(tmp_path / "data" / "blobs")
    asyncio.run(store.put("scenes/s/0-old", _one(b"x")))
    asyncio.run(store.put("scenes/s/1-new", _one(b"x")))
    partial = store.incoming / "gone.part"
    partial.write_bytes(b"half")
    then = time.time() - 3 * 24 * 3600
    for p in (store.path("scenes/s/0-old"), partial):
        os.utime(p, (then, then))
    base = ["--database-url", database_url, "--data", str(tmp_path / "data")]

    dry = CliRunner().invoke(main, [*base, "--json", "blobs", "sweep", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout) == {
        "dryRun": True,
        "abandonedScenes": 0,
        "deletions": [],
        "partials": ["gone.part"],
        "orphans": ["scenes/s/0-old"],
    }
    assert (
        "would remove 0 blobs of recorded deletions, 1 partial uploads and 1 unreferenced blobs" in dry.stderr
    )
    assert len(store.keys()) == 2 and partial.exists()

    r = CliRunner().invoke(main, [*base, "blobs", "sweep"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "unreferenced blob" in r.stdout and "scenes/s/0-old" in r.stdout and "gone.part" in r.stdout
    assert "removed 0 blobs of recorded deletions, 1 partial uploads and 1 unreferenced blobs" in r.stderr
    assert store.keys() == ["scenes/s/1-new"] and not partial.exists()


def test_blobs_sweep_refuses_a_grace_period_that_could_take_blobs_being_recorded(
    database_url: str, tmp_path: Path
) -> None:
    r = CliRunner().invoke(main, ["--database-url", database_url, "blobs", "sweep", "--orphan-grace", "5"])
    assert_refused(r, "at least 600")
