"""The crash suite's tally as markdown: the command, the date and the machine, then the figures of
each backend, every violation by kind with examples, 5xx answers and the server's logged errors."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import platform
from pathlib import Path
from typing import TYPE_CHECKING

from crash.deploy import PG_ADMIN_URL

if TYPE_CHECKING:
    from crash.driver import Tally

EXAMPLES = 3


def machine() -> str:
    mem = ""
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()
        kb = next(int(x.split()[1]) for x in lines if x.startswith("MemTotal"))
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    u = platform.uname()
    return (
        f"{u.system} {u.release} {u.machine}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"
        f"{postgres_version()}"
    )


def postgres_version() -> str:
    try:
        import asyncpg

        async def go() -> str:
            conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
            try:
                return str(await conn.fetchval("SHOW server_version"))
            finally:
                await conn.close()

        return f", PostgreSQL {asyncio.run(go())}"
    except Exception:
        return ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:300]


def render(command: str, seed: int, sweep: str, tallies: list[Tally]) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "# Crash suite: results",
        "",
        f"- Command: `{command}` (seed {seed})",
        f"- After the last kill of each backend: {sweep}",
        f"- Date: {now}",
        f"- Machine: {machine()}",
        "- Written by `tests/crash/driver.py`; what is checked is in the docstrings of "
        "`invariants.py` and `retries.py`.",
        "",
        "| backend | rounds | kills | requests | no answer | 5xx | scenes | violations (distinct) | s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for t in tallies:
        n_viol = sum(len(v) for v in t.violations.values())
        out.append(
            f"| {t.backend} | {t.rounds} | {t.kills} | {t.ledger.requests} | {t.ledger.transport_errors} "
            f"| {sum(t.five_xx().values())} | {t.scenes} | {n_viol} | {t.seconds:.0f} |"
        )
    for t in tallies:
        out += ["", f"## {t.backend}", ""]
        if t.stopped_early:
            out += [f"**{t.stopped_early}**", ""]
        out += ["### Violations by kind", ""]
        if not t.violations:
            out.append("None.")
        else:
            out += ["| kind | distinct | examples |", "| --- | --- | --- |"]
            for kind, found in sorted(t.violations.items()):
                ex = "; ".join(f"`{s}`: {d}" for s, d in list(found.items())[:EXAMPLES])
                out.append(f"| {kind} | {len(found)} | {_cell(ex)} |")
        out += ["", "### The sweep after the last kill", ""]
        out += [f"- {line}" for line in t.sweep] or ["None."]
        out += ["", "### 5xx answers by operation", ""]
        five = t.five_xx()
        out += [f"- {k}: {n}" for k, n in five.most_common()] or ["None."]
        out += ["", "### Errors in the server's logs (distinct, with count)", ""]
        out += [f"- {n}x `{_cell(k)}`" for k, n in t.server_errors.most_common(30)] or ["None."]
        out += ["", "### Answers by operation and status", ""]
        out += [", ".join(f"{k}: {n}" for k, n in sorted(t.ledger.answers.items()))]
        out += ["", "### Notes (not violations)", ""]
        out += [f"- {k}: {n}" for k, n in sorted(t.ledger.notes.items())] or ["None."]
        if t.ledger.harness_errors:
            out += ["", "### Harness errors", ""]
            out += [f"- {_cell(e)}" for e in t.ledger.harness_errors[:20]]
    return "\n".join(out) + "\n"


def write_results(path: Path, command: str, seed: int, sweep: str, tallies: list[Tally]) -> str:
    """Write the tally of `tallies` to `path` (`sweep`: what was done after the last kill)."""
    text = render(command, seed, sweep, tallies)
    path.write_text(text)
    return text
