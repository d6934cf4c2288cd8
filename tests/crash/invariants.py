"""What must hold after a SIGKILL and a restart, read with raw SQL from the database and from the
blob directory on disk:

- the database is intact (`PRAGMA integrity_check` and `foreign_key_check` on SQLite; on
  PostgreSQL every constraint validated, no dangling foreign key, every B-tree index consistent
  with its table by `amcheck`);
- no input was created after its batch was published (by time, and by audit-log order);
- no scene is left `processing` once its commit was retried;
- every file of a `created` scene is in the blob store with the recorded size and sha256, and is
  bytes a client sent for that file; every blob any row refers to (a scene's file of any status,
  or any other table's `blob_key`) exists;
- no blob a row refers to has its deletion recorded (the sweep deletes recorded blobs unasked).

A SIGKILL may leave blobs no row refers to (written, the kill before the row) and partial uploads:
by design they stay until the sweep (`annobatch blobs sweep`, and the server's periodic one) finds
them past its grace period, so they are no violation between kills. After the last kill the driver
runs the sweep (see `driver.sweep_and_check`); then the blob store must hold exactly what rows
refer to (`after_sweep`): no unreferenced blob, no partial upload, no unfinished recorded deletion.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crash.deploy import Deployment

Finding = tuple[str, str, str]  # kind, subject, detail

_FK_SQL = """
SELECT c.conname, c.conrelid::regclass::text, c.confrelid::regclass::text,
  array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o),
  array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
        JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o)
FROM pg_constraint c WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
"""
_BTREE_SQL = """
SELECT c.oid, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_am am ON am.oid = c.relam
WHERE am.amname = 'btree' AND c.relnamespace = 'public'::regnamespace
"""
#: Tables whose `blob_key` is no reference to a blob: the deletions recorded of unreferenced ones.
NOT_REFERENCES = {"blob_deletions"}
_FACTS = {
    "scenes": "SELECT id, status, error_message FROM scenes",
    "resources": "SELECT scene_id, position, upload, blob_key, size, sha256 FROM scene_resources",
    "inputs": "SELECT id, batch_id, scene_id, created FROM inputs",
    "events": (
        "SELECT id, batch_id, kind, data, created FROM events "
        "WHERE kind IN ('batch.transitioned', 'input.created')"
    ),
    "deletions": "SELECT blob_key FROM blob_deletions",
}
_PG_BLOB_TABLES = """
SELECT table_name FROM information_schema.columns
WHERE table_schema = 'public' AND column_name = 'blob_key' ORDER BY table_name
"""


def _refs_sql(tables: list[str]) -> str:
    """Every (table, blob key) that a row of a table with a `blob_key` column refers to."""
    parts = [
        f"SELECT '{t}', blob_key FROM \"{t}\" WHERE blob_key IS NOT NULL"
        for t in sorted(set(tables) - NOT_REFERENCES)
    ]
    return " UNION ALL ".join(parts) or "SELECT NULL, NULL WHERE 1 = 0"


@dataclass
class Facts:
    """The rows the checks read, and what the database itself says of its integrity."""

    integrity: list[Finding] = field(default_factory=list)
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)


def read_sqlite(path: Path) -> Facts:
    facts = Facts()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return _read_sqlite(conn, facts)
    except sqlite3.DatabaseError as e:  # a file SQLite cannot read is the worst integrity finding
        facts.integrity.append(("db-integrity", "sqlite", f"{type(e).__name__}: {e}"))
        facts.rows = {name: [] for name in [*_FACTS, "refs"]}
        return facts
    finally:
        conn.close()


def _read_sqlite(conn: sqlite3.Connection, facts: Facts) -> Facts:
    result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        facts.integrity += [("db-integrity", "sqlite", line) for line in result[:20]]
    for table, rowid, parent, fk in conn.execute("PRAGMA foreign_key_check"):
        facts.integrity.append(("db-dangling-foreign-key", f"{table}#{rowid}", f"{parent} (fk {fk})"))
    facts.rows = {name: [tuple(r) for r in conn.execute(sql)] for name, sql in _FACTS.items()}
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    tables = [t for t in tables if any(c[1] == "blob_key" for c in conn.execute(f'PRAGMA table_info("{t}")'))]
    facts.rows["refs"] = [tuple(r) for r in conn.execute(_refs_sql(tables))]
    return facts


def read_postgres(url: str) -> Facts:
    import asyncpg

    async def go() -> Facts:
        facts = Facts()
        conn = await asyncpg.connect(url, timeout=10)
        try:
            for rel, name in await conn.fetch(
                "SELECT conrelid::regclass::text, conname FROM pg_constraint "
                "WHERE NOT convalidated AND connamespace = 'public'::regnamespace"
            ):
                facts.integrity.append(("db-constraint-not-valid", f"{rel}.{name}", "convalidated is false"))
            for name, child, parent, cols, pcols in await conn.fetch(_FK_SQL):
                match = " AND ".join(f'p."{p}" = c."{c}"' for c, p in zip(cols, pcols, strict=True))
                present = " AND ".join(f'c."{c}" IS NOT NULL' for c in cols)
                n = await conn.fetchval(
                    f"SELECT count(*) FROM {child} c WHERE {present} "
                    f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE {match})"
                )
                if n:
                    facts.integrity.append(("db-dangling-foreign-key", name, f"{n} rows of {child}"))
            await conn.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
            for oid, name in await conn.fetch(_BTREE_SQL):
                try:
                    await conn.execute("SELECT bt_index_check($1::oid::regclass, true)", oid)
                except asyncpg.PostgresError as e:
                    if not str(e.sqlstate).startswith("XX"):  # XX001 data, XX002 index corrupted
                        raise
                    facts.integrity.append(("db-index-corrupt", name, str(e)))
            facts.rows = {name: [tuple(r) for r in await conn.fetch(sql)] for name, sql in _FACTS.items()}
            tables = [r[0] for r in await conn.fetch(_PG_BLOB_TABLES)]
            facts.rows["refs"] = [tuple(r) for r in await conn.fetch(_refs_sql(tables))]
        finally:
            await conn.close()
        return facts

    return asyncio.run(go())


def sweep_lease(dep: Deployment) -> tuple[str | None, int]:
    """Who holds the blob sweep's lease, and until when (µs since the epoch); (None, 0) if never
    swept. A server killed mid-sweep leaves it held until it runs out."""
    sql = "SELECT holder, expires FROM housekeeping WHERE name = 'blob-sweep'"
    if dep.backend == "sqlite":
        conn = sqlite3.connect(f"file:{dep.database_url.removeprefix('sqlite:///')}?mode=ro", uri=True)
        try:
            row = conn.execute(sql).fetchone()
        finally:
            conn.close()
    else:
        import asyncpg

        async def go() -> Any:
            conn = await asyncpg.connect(dep.database_url, timeout=10)
            try:
                return await conn.fetchrow(sql)
            finally:
                await conn.close()

        row = asyncio.run(go())
    return (None, 0) if row is None else (row[0], int(row[1]))


def read_facts(dep: Deployment) -> Facts:
    if dep.backend == "sqlite":
        return read_sqlite(Path(dep.database_url.removeprefix("sqlite:///")))
    return read_postgres(dep.database_url)


# ------------------------------------------------------------------------------------ the checks


def inputs_after_publish(facts: Facts) -> list[Finding]:
    """An input whose creation (time, or audit-log entry) comes after its batch's first publish."""
    published: dict[int, tuple[int, int]] = {}  # batch → (event id, created)
    input_events: dict[str, int] = {}
    for eid, batch, kind, data, created in facts.rows["events"]:
        body = json.loads(data)
        if kind == "batch.transitioned" and body.get("to") == "ready":
            if batch not in published or eid < published[batch][0]:
                published[batch] = (eid, created)
        elif kind == "input.created":
            input_events[body["input"]] = eid
    found = []
    for input_id, batch, scene, created in facts.rows["inputs"]:
        if batch not in published:
            continue
        pub_id, pub_at = published[batch]
        if created > pub_at:
            found.append(("input-after-publish", input_id, f"scene {scene}: {created - pub_at} µs late"))
        if input_events.get(input_id, 0) > pub_id:
            found.append(("input-event-after-publish", input_id, f"event after publish event {pub_id}"))
    return found


def scenes_and_files(facts: Facts, blob_root: Path, sent: dict[tuple[str, int], set[str]]) -> list[Finding]:
    status = {sid: (st, err) for sid, st, err in facts.rows["scenes"]}
    found = [
        ("scene-stuck-processing", sid, "processing after its commit was retried")
        for sid, (st, _) in status.items()
        if st == "processing"
    ]
    for sid, pos, upload, key, size, digest in facts.rows["resources"]:
        st = status[sid][0]
        subject = f"{sid}/{pos}"
        if st == "created" and upload and key is None:
            found.append(("committed-file-unrecorded", subject, "no blob recorded"))
            continue
        if key is None:
            continue
        path = blob_root / key
        if not path.is_file():
            kind = "committed-file-missing" if st == "created" else "recorded-blob-missing"
            found.append((kind, subject, f"{key} ({st})"))
            continue
        if st != "created":
            continue
        data = path.read_bytes()
        if len(data) != size:
            found.append(("committed-file-size-mismatch", subject, f"recorded {size}, stored {len(data)}"))
        actual = hashlib.sha256(data).hexdigest()
        if actual != digest:
            found.append(("committed-file-sha256-mismatch", subject, f"recorded {digest}, stored {actual}"))
        if (sid, pos) in sent and actual not in sent[(sid, pos)]:
            found.append(("committed-file-not-sent", subject, "stored bytes no client sent for this file"))
    return found


def referenced(facts: Facts) -> set[str]:
    """Every blob key a row refers to."""
    return {key for _table, key in facts.rows["refs"]}


def other_references(facts: Facts, blob_root: Path) -> list[Finding]:
    """A blob that a row of another table than `scene_resources` refers to is in the store (the
    scenes' files are checked, with their status, by `scenes_and_files`)."""
    return [
        ("recorded-blob-missing", f"{table}:{key}", "no such file")
        for table, key in facts.rows["refs"]
        if table != "scene_resources" and not (blob_root / key).is_file()
    ]


def deletions_of_referenced(facts: Facts) -> list[Finding]:
    """A recorded deletion of a blob that a row still refers to: the sweep would delete it."""
    refs = referenced(facts)
    return [
        ("referenced-blob-recorded-for-deletion", key, "a row still refers to it")
        for (key,) in facts.rows["deletions"]
        if key in refs
    ]


def after_sweep(facts: Facts, blob_root: Path) -> list[Finding]:
    """After the sweep, with no server running: every file in the blob store is a blob some row
    refers to; no partial upload is left, and no recorded deletion is unfinished. Exact: no age
    is forgiven (the sweep ran on a store aged past its grace period)."""
    refs = referenced(facts)
    found = [("deletion-unfinished-after-sweep", key, "still recorded") for (key,) in facts.rows["deletions"]]
    incoming = blob_root / ".incoming"
    for p in sorted(blob_root.rglob("*")):
        if not p.is_file():
            continue
        size = p.stat().st_size
        if incoming in p.parents:
            found.append(("partial-upload-after-sweep", p.name, f"{size} bytes"))
            continue
        key = p.relative_to(blob_root).as_posix()
        if key not in refs:
            found.append(("unreferenced-blob-after-sweep", key, f"{size} bytes, no row refers to it"))
    return found


def age_blob_store(blob_root: Path, seconds: float) -> int:
    """Set every file's times in the blob store `seconds` back, as if that long had passed with
    no server running (the sweep goes by a file's mtime). Answers how many files were aged."""
    then = time.time() - seconds
    n = 0
    for p in blob_root.rglob("*"):
        if p.is_file():
            os.utime(p, (then, then))
            n += 1
    return n


def check(
    dep: Deployment, sent: dict[tuple[str, int], set[str]], swept: bool = False
) -> tuple[list[Finding], int]:
    """Every invariant, once (with `swept`, those after the sweep too: the server must be down);
    answers the findings and how many scenes were looked at."""
    facts = read_facts(dep)
    found = list(facts.integrity)
    found += inputs_after_publish(facts)
    found += scenes_and_files(facts, dep.blob_root, sent)
    found += other_references(facts, dep.blob_root)
    found += deletions_of_referenced(facts)
    if swept:
        found += after_sweep(facts, dep.blob_root)
    return found, len(facts.rows["scenes"])
