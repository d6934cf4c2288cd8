"""The garbage collector's pauses in `annobatch serve`'s workers under `steady.py`'s mixed load,
with the start-up heap frozen (`annobatch.server.heap.settle`, what the workers do once started)
and without (the same code with `gc.freeze` made a no-op), in turns.

A full collection (generation 2) passes over every object the collector tracks and stops the
worker's event loop, with every request it holds, for as long: its longest pause bounds the
latency tail. Each way is one `steady.py` run at a fixed open-loop rate (PostgreSQL, 2 workers),
below the most the server keeps up with, so that the latencies are the server's, not a queue's.
The workers are timed from inside by `_gc_probe/sitecustomize.py` (on PYTHONPATH for the server
only; the app is not changed).

    .venv/bin/python bench/gc_pauses.py                       # 2 x 3 minutes at 500 operations/s
    .venv/bin/python bench/gc_pauses.py --minutes 5 --rate 600 --repeats 2

PostgreSQL: `ANNOBATCH_BENCH_DATABASE_URL`, as for `steady.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
MINUTE = re.compile(r"minute (\d+): .*?p50/p99/p99\.9 ms all (\d+)/(\d+)/(\d+)")


def _one(way: str, minutes: int, rate: float) -> tuple[list[dict[str, Any]], list[tuple[int, ...]]]:
    """One steady run: each worker's frozen objects and collections during the load (not those of
    start-up), and (minute, p50, p99, p99.9) of each minute of the load."""
    with tempfile.TemporaryDirectory(prefix="annobatch-gc-probe-") as probe:
        env = dict(os.environ, GC_PROBE_DIR=probe, GC_PROBE_FREEZE="on" if way == "settled" else "off")
        paths = (str(BENCH_DIR / "_gc_probe"), env.get("PYTHONPATH"))
        env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
        cmd = [sys.executable, str(BENCH_DIR / "steady.py"), "--minutes", str(minutes), "--rate", str(rate)]
        load_began = None
        minutes_seen: list[tuple[int, ...]] = []
        with subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith(("Phase 2", "Open loop at")):  # the load began
                    load_began = time.time()
                if m := MINUTE.search(line):
                    minutes_seen.append(tuple(map(int, m.groups())))
        if proc.returncode != 0 or load_began is None:
            raise SystemExit(f"steady.py failed ({proc.returncode})")
        procs = [json.loads(p.read_text()) for p in sorted(Path(probe).glob("gc-*.json"))]
    workers = []
    for p in procs:
        during = [(gen, took) for t, gen, took in p["collections"] if t >= load_began]
        if len(during) > 10:  # the parent process serves nothing
            workers.append({"frozen": p["frozen"], "during": during})
    return workers, minutes_seen


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--minutes", type=int, default=3, help="open-loop minutes of each run (default 3)")
    ap.add_argument("--rate", type=float, default=500.0, help="operations/s offered (default 500)")
    ap.add_argument("--repeats", type=int, default=1, help="runs of each way, in turns (default 1)")
    a = ap.parse_args(argv)
    print(f"`steady.py --minutes {a.minutes} --rate {a.rate:g}` (PostgreSQL, 2 workers) for each way\n")
    print(
        "| start-up heap | run | worker | objects frozen | full collections | longest, ms | median, ms "
        "| young collections, their total ms | p99 each minute, ms | p99.9 each minute, ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|---|---|")
    for run in range(1, a.repeats + 1):
        for way in ("as-is", "settled"):
            workers, minutes = _one(way, a.minutes, a.rate)
            p99 = ", ".join(str(m[2]) for m in minutes)
            p999 = ", ".join(str(m[3]) for m in minutes)
            for i, w in enumerate(workers, 1):
                full = [took * 1000 for gen, took in w["during"] if gen == 2]
                young = [took * 1000 for gen, took in w["during"] if gen < 2]
                print(
                    f"| {way} | {run} | {i} | {w['frozen']:,} | {len(full)} | {max(full, default=0):.0f} "
                    f"| {statistics.median(full) if full else 0:.0f} "
                    f"| {len(young):,}, {sum(young):,.0f} | {p99} | {p999} |"
                )


if __name__ == "__main__":
    main()
