"""annobatch beside Label Studio: both servers on loopback on this machine, the same workloads
driven by the same load generator, taken in turns (annobatch 1 worker, Label Studio, annobatch 2
workers, and again), medians of the repeats, and the ratios. Prints Markdown tables.

    .venv/bin/python bench/compare.py            # the full run
    .venv/bin/python bench/compare.py --quick    # a short check: 1 repeat, short cells, 10,000 items

Label Studio is the `label-studio` package from PyPI (pinned below), installed on first use into
bench/.label-studio-venv, on SQLite, under gunicorn with 2 workers x 4 threads. annobatch is
`annobatch serve` on SQLite, with 1 and with 2 granian workers. Each server has a data directory
of its own under bench/.work, removed at the end.

Workloads:
1. creates, one per request, with 1 and 8 connections for a fixed time (annobatch: an input from
   an existing scene, `POST /v2/inputs`; Label Studio: a task, `POST /api/tasks/`);
2. pages of 100 items of a batch/project of 10,000 and of 100,000 items, the first page and pages
   at random offsets (the same offsets on both sides), with 4 connections;
3. 1 MiB JPEG uploads, one after the other (annobatch: the signed-URL flow; Label Studio: a file
   import), beside the disk floor: the same bytes written to new files and fsynced, in the same
   turns;
4. the memory of each server's processes after the run.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import _compare_annobatch as ab
import _compare_labelstudio as ls
import httpx
from _compare_load import Load, Result, run_load
from _compare_measure import disk_floor, machine, memory_mib, uptime
from inputs import jpeg_of_size

BENCH_DIR = Path(__file__).resolve().parent
PAGE_CONNECTIONS = 4
GENERATOR = (
    "One load generator for both: HTTP/1.1 over raw asyncio sockets in a separate process, keep-alive, "
    "a fixed number of connections each sending its next request when the answer is complete, "
    "{warmup:g} s of warm-up then {duration:g} s measured per cell (longer, until 20 requests are in, "
    "on a server too slow for that); only requests that start and end in the measured window count"
)


@dataclass
class Options:
    repeats: int
    warmup: float
    duration: float
    sizes: list[int]
    uploads: int
    samples: int = 500


@dataclass
class Target:
    """One server as the workloads see it."""

    name: str
    port: Callable[[], int]
    pid: Callable[[], int]
    create: Callable[[], Load]
    page: Callable[[int, list[int]], Load]
    after_create: Callable[[Result], None] = lambda r: None
    cells: dict[str, list[Result]] = field(default_factory=dict)
    uploads: dict[str, list[float]] = field(default_factory=dict)


def annobatch_target(a: ab.Annobatch) -> Target:
    def page(size: int, offsets: list[int]) -> Load:
        return ab.page_load(a, f"b{size // 1000}k", size, offsets)

    def advance(r: Result) -> None:
        a.pool_next += r.sent

    return Target(a.name, lambda: a.port, lambda: a.pid, lambda: ab.create_load(a), page, advance)


def labelstudio_target(s: ls.LabelStudio) -> Target:
    def page(size: int, offsets: list[int]) -> Load:
        return ls.page_load(s, f"p{size // 1000}k", offsets)

    return Target(s.name, lambda: s.port, lambda: s.pid, lambda: ls.create_load(s), page)


def cell(t: Target, key: str, load: Load, connections: int, o: Options) -> None:
    r = run_load(load, t.port(), connections, o.warmup, o.duration)
    if key.startswith("create"):
        t.after_create(r)
    t.cells.setdefault(key, []).append(r)
    bad = {s: n for s, n in r.statuses.items() if not 200 <= s < 300}
    note = f" non-2xx {bad}" if bad else ""
    print(f"  {t.name:<22} {key:<14} {r.per_s:8.1f}/s p50 {r.p50_ms:7.1f} ms p99 {r.p99_ms:7.1f} ms{note}",
          file=sys.stderr)  # fmt: skip


def run_creates(targets: list[Target], o: Options) -> None:
    for _ in range(o.repeats):
        for connections in (1, 8):
            for t in targets:
                cell(t, f"create-{connections}", t.create(), connections, o)


def run_pages(targets: list[Target], o: Options) -> None:
    rng = random.Random(11)
    for _ in range(o.repeats):
        for size in o.sizes:
            offsets = [rng.randrange(size // 100) * 100 for _ in range(o.samples)]
            for kind, chosen in (("first", [0]), ("random", offsets)):
                for t in targets:
                    cell(t, f"page-{size}-{kind}", t.page(size, chosen), PAGE_CONNECTIONS, o)


def run_uploads(
    annos: list[ab.Annobatch], studio: ls.LabelStudio, targets: list[Target], o: Options, floor_dir: Path
) -> list[float]:
    """MiB/s of `o.uploads` 1 MiB files one after the other, per server (into its `uploads`) and for
    the disk floor (answered), in turns: annobatch 1 worker, Label Studio, annobatch 2 workers, the
    floor."""
    payload = jpeg_of_size(1024 * 1024)
    by_name = {t.name: t for t in targets}
    floor: list[float] = []
    with httpx.Client(timeout=120) as c:
        for rep in range(o.repeats):
            for a in annos:
                times = [ab.upload_one(a, c, payload) for _ in range(o.uploads)]
                t = by_name[a.name]
                t.uploads.setdefault("put", []).append(o.uploads / sum(p for p, _ in times))
                t.uploads.setdefault("flow", []).append(o.uploads / sum(f for _, f in times))
                if a is annos[0]:
                    took = sum(
                        ls.upload_one(studio, c, payload, rep * o.uploads + i) for i in range(o.uploads)
                    )
                    by_name[studio.name].uploads.setdefault("import", []).append(o.uploads / took)
            floor.append(o.uploads / disk_floor(floor_dir, payload, o.uploads))
            print(f"  uploads round {rep + 1} done", file=sys.stderr)
    return floor


# ========================================================================================= tables


def median_of(results: list[Result], attr: str) -> float:
    return statistics.median(getattr(r, attr) for r in results)


def request_table(targets: list[Target], rows: list[tuple[str, str]], unit: str) -> str:
    """Per row two lines: `unit`/s and p50 / p99 ms, with each annobatch column's ratio to Label
    Studio's (throughput: annobatch's over Label Studio's; latency: Label Studio's p50 over
    annobatch's; above 1x, annobatch is ahead). Label Studio is the last target."""
    annos = targets[:-1]
    head = " | ".join(t.name for t in targets) + " | " + " | ".join(f"{t.name} ÷ LS" for t in annos)
    lines = [f"| | {head} |", "|---|" + "---:|" * (len(targets) + len(annos))]
    for label, key in rows:
        got = [t.cells[key] for t in targets if key in t.cells]
        if len(got) != len(targets):
            continue
        rate = [median_of(g, "per_s") for g in got]
        p50 = [median_of(g, "p50_ms") for g in got]
        p99 = [median_of(g, "p99_ms") for g in got]
        cells = [f"{x:,.1f}" for x in rate] + [f"{x / rate[-1]:.1f}x" for x in rate[:-1]]
        lines.append(f"| {label}: {unit}/s | " + " | ".join(cells) + " |")
        cells = [f"{a:.1f} / {b:.1f}" for a, b in zip(p50, p99, strict=True)]
        cells += [f"{p50[-1] / x:.1f}x" for x in p50[:-1]]
        lines.append(f"| {label}: p50 / p99 ms | " + " | ".join(cells) + " |")
    return "\n".join(lines)


UPLOAD_ROWS = {"put": "the PUT to the signed URL", "flow": "create + PUT + commit", "import": "file import"}


def upload_table(targets: list[Target], floor: list[float]) -> str:
    fl = statistics.median(floor)
    rows = [
        (f"{t.name}: {what}", statistics.median(t.uploads[key]))
        for t in targets
        for key, what in UPLOAD_ROWS.items()
        if key in t.uploads
    ]
    rows.append(("disk floor: write + fsync of the same bytes to new files", fl))
    lines = ["| 1 MiB JPEG, one after the other | MiB/s | of the floor |", "|---|---:|---:|"]
    lines += [f"| {label} | {v:.1f} | {v / fl:.0%} |" for label, v in rows]
    return "\n".join(lines)


def memory_table(targets: list[Target]) -> str:
    lines = ["| after the run | processes | RSS, MiB (summed) | PSS, MiB (summed) |", "|---|---:|---:|---:|"]
    for t in targets:
        rss, pss, n = memory_mib(t.pid())
        lines.append(f"| {t.name} | {n} | {rss:.0f} | {pss:.0f} |")
    return "\n".join(lines)


# ============================================================================================ run


def setup(
    work: Path, o: Options, stack: contextlib.ExitStack
) -> tuple[list[ab.Annobatch], ls.LabelStudio, list[str]]:
    """Both stores seeded, every server up. Answers the servers and notes on the seeding."""
    notes = []
    pool = int(3000 * (o.warmup + o.duration) * 2 * o.repeats)  # scenes for the creates to place
    annos = [ab.Annobatch(f"annobatch, {w} worker{'s' if w > 1 else ''}", work / f"annobatch-{w}", w)
             for w in (1, 2)]  # fmt: skip
    for a in annos:
        client = ab.prepare(a)
        took = ab.seed(a, pool, ab.POOL_TAG, None)
        for size in o.sizes:
            took += ab.seed(a, size, size, f"b{size // 1000}k")
        notes.append(f"{a.name}: {pool:,} scenes for the creates and {' + '.join(f'{s:,}' for s in o.sizes)} "
                     f"inputs seeded in {took:.1f} s (SQL, one statement per table)")  # fmt: skip
        stack.enter_context(ab.serve(a, client, ab.python_bin()))
    studio = ls.LabelStudio("Label Studio", work / "label-studio")
    ls.init(studio)
    stack.enter_context(ls.serve(studio))
    ls.create_projects(studio, ["creates", "uploads"] + [f"p{s // 1000}k" for s in o.sizes])
    took = sum(ls.seed(studio, f"p{s // 1000}k", s) for s in o.sizes)
    notes.append(f"Label Studio: {' + '.join(f'{s:,}' for s in o.sizes)} tasks seeded in {took:.1f} s "
                 "(its import API, 10,000 tasks a request)")  # fmt: skip
    for size in o.sizes:
        for a in annos:
            ab.check_page(a, f"b{size // 1000}k", size, size - 100)
        ls.check_page(studio, f"p{size // 1000}k", size - 100)
    return annos, studio, notes


def report(o: Options, targets: list[Target], floor: list[float], notes: list[str], facts: list[str]) -> str:
    creates = [("1 connection", "create-1"), ("8 connections", "create-8")]
    pages = [
        (f"{s:,} items, {kind} page", f"page-{s}-{kind}") for s in o.sizes for kind in ("first", "random")
    ]
    parts = [
        *facts,
        "",
        "The `÷ LS` columns say how many times annobatch is ahead: its rate over Label Studio's, Label "
        "Studio's p50 over its p50.",
        "",
        "Creates, one per request (annobatch: `POST /v2/inputs` from an existing scene; "
        "Label Studio: `POST /api/tasks/`):",
        "",
        request_table(targets, creates, "creates"),
        "",
        f"Pages of 100 items, {PAGE_CONNECTIONS} connections (annobatch: `POST /v2/inputs/query?limit=100`; "
        "Label Studio: `GET /api/tasks/?project=…&page_size=100&page=…`):",
        "",
        request_table(targets, pages, "requests"),
        "",
        upload_table(targets, floor),
        "",
        memory_table(targets),
        "",
        *[f"- {n}" for n in notes],
    ]
    return "\n".join(parts)


def options(argv: list[str] | None) -> Options:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="1 repeat, 3 s cells, 10,000 items only")
    ap.add_argument("--repeats", type=int, help="repeats of every cell (default 3)")
    ap.add_argument("--duration", type=float, help="measured seconds per cell (default 8)")
    ap.add_argument("--warmup", type=float, help="unmeasured seconds before each cell (default 2)")
    ap.add_argument("--uploads", type=int, help="1 MiB uploads per server and round (default 20)")
    a = ap.parse_args(argv)
    quick = Options(1, 1.0, 3.0, [10_000], 5)
    full = Options(3, 2.0, 8.0, [10_000, 100_000], 20)
    o = quick if a.quick else full
    for name in ("repeats", "duration", "warmup", "uploads"):
        if getattr(a, name) is not None:
            setattr(o, name, getattr(a, name))
    return o


def main(argv: list[str] | None = None) -> None:
    o = options(argv)
    before = uptime()
    version = ls.ensure_venv()
    work_root = BENCH_DIR / ".work"
    work_root.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=work_root, prefix="compare-"))
    try:
        with contextlib.ExitStack() as stack:
            annos, studio, notes = setup(work, o, stack)
            targets = [annobatch_target(annos[0]), labelstudio_target(studio), annobatch_target(annos[1])]
            run_creates(targets, o)
            run_pages(targets, o)
            floor = run_uploads(annos, studio, targets, o, work / "floor")
            ordered = [targets[0], targets[2], targets[1]]  # the annobatch columns first
            facts = [
                f"Machine: {machine()}",
                f"Label Studio {version} (PyPI), SQLite, gunicorn 2 workers x 4 threads; annobatch "
                "`annobatch serve`, SQLite, granian 1 and 2 workers",
                GENERATOR.format(warmup=o.warmup, duration=o.duration) + ".",
                f"Medians of {o.repeats} repeat(s), taken in turns. Load before: {before}",
                f"Load after: {uptime()}",
            ]
            text = report(o, ordered, floor, notes, facts)
    except BaseException:
        print(f"stopped; the servers' logs are in {work}", file=sys.stderr)
        raise
    shutil.rmtree(work, ignore_errors=True)
    print(text)


if __name__ == "__main__":
    main()
