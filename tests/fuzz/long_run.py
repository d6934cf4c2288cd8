"""The long fuzz run (`make fuzz`): schemathesis against the served OpenAPI document, every
operation and phase, authenticated, on SQLite and on PostgreSQL, run after run (next seed) until
each backend has had at least `--cases` test cases; then every distinct server error, with the
shortest request that makes it and the server's traceback, goes to tests/fuzz/RESULTS.md.

    make fuzz                                        # >= 10,000 cases per backend
    make fuzz FUZZ_ARGS="--cases 2000 --backends sqlite"
    PYTHONPATH=tests .venv/bin/python -m fuzz.long_run --cases 10000

Bounded: at most `--max-runs` runs per backend and `--max-minutes` in all; loopback only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from crash.report import machine
from fuzz.runner import Finding, FuzzRun, run, shape
from fuzz.target import fuzz_target

RESULTS = Path(__file__).with_name("RESULTS.md")


@dataclass
class BackendRuns:
    backend: str
    runs: list[tuple[int, int, FuzzRun]] = field(default_factory=list)  # seed, max examples, run
    findings: dict[tuple[str, str, str], Finding] = field(default_factory=dict)
    stopped: str = ""

    @property
    def cases(self) -> int:
        return sum(r.cases for *_, r in self.runs)

    @property
    def requests(self) -> int:
        return sum(r.requests for *_, r in self.runs)

    def statuses(self) -> Counter[int]:
        total: Counter[int] = Counter()
        for *_, r in self.runs:
            total.update(r.statuses())
        return total

    def add(self, seed: int, max_examples: int, r: FuzzRun) -> None:
        self.runs.append((seed, max_examples, r))
        for f in r.findings:
            key = (f.operation, f.origin, shape(f.exception))
            old = self.findings.get(key)
            if old is None:
                self.findings[key] = f
            else:
                best = f if len(f.url) + len(f.body) < len(old.url) + len(old.body) else old
                self.findings[key] = replace(best, count=old.count + f.count)


def fuzz_backend(backend: str, a: argparse.Namespace, root: Path, deadline: float) -> BackendRuns:
    out = BackendRuns(backend)
    with fuzz_target(root, backend) as target:
        seed = a.seed
        while out.cases < a.cases:
            if len(out.runs) >= a.max_runs or time.monotonic() > deadline:
                out.stopped = f"stopped at {out.cases} cases after {len(out.runs)} runs (bounds reached)"
                break
            r = run(target, a.max_examples, seed, root / f"{backend}-{seed}", timeout=a.max_minutes * 60)
            out.add(seed, a.max_examples, r)
            print(f"[{backend}] seed {seed}: {r.cases} cases, {r.requests} requests, {len(r.five_xx)} 5xx")
            seed += 1
    return out


def _trace(tb: str) -> list[str]:
    """The traceback's frames in annobatch and its last line."""
    lines = tb.splitlines()
    keep = [ln for i, ln in enumerate(lines) if "/annobatch/" in ln or (i and "/annobatch/" in lines[i - 1])]
    return [*keep, lines[-1]] if lines else []


def render(command: str, backends: list[BackendRuns]) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "# Fuzzing: results",
        "",
        f"- Command: `{command}`",
        f"- Date: {now}",
        f"- Machine: {machine()}",
        "- Tool: schemathesis (every operation of `/schema/openapi.json`; phases examples, coverage, "
        "fuzzing, stateful; check `not_a_server_error`; bearer token of a client credential; "
        "hooks in `tests/fuzz/hooks.py`). Written by `tests/fuzz/long_run.py`.",
        "",
        "| backend | runs | test cases | requests | 5xx answers | server errors logged | distinct findings |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for b in backends:
        logged = sum(len(r.server_errors) for *_, r in b.runs)
        five = sum(len(r.five_xx) for *_, r in b.runs)
        cells = [b.backend, len(b.runs), b.cases, b.requests, five, logged, len(b.findings)]
        out.append("| " + " | ".join(str(c) for c in cells) + " |")
    total = sum(b.cases for b in backends)
    out += ["", f"Test cases in total: **{total}**."]
    for b in backends:
        out += ["", f"## {b.backend}", ""]
        if b.stopped:
            out += [f"**{b.stopped}**", ""]
        out += ["| seed | max examples | cases | requests | 5xx | seconds | schemathesis exit |"]
        out += ["| --- | --- | --- | --- | --- | --- | --- |"]
        for seed, n, r in b.runs:
            cells = [seed, n, r.cases, r.requests, len(r.five_xx), f"{r.seconds:.0f}", r.exit_code]
            out.append("| " + " | ".join(str(c) for c in cells) + " |")
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(b.statuses().items()))
        out += ["", f"Answers by status: {statuses}.", "", "### Findings", ""]
        if not b.findings:
            out.append("None: no 5xx answer and no server error logged.")
        for i, f in enumerate(sorted(b.findings.values(), key=lambda f: (f.operation, f.exception)), 1):
            out += [
                f"{i}. **{f.operation}**: `{f.exception}` ({f.count} cases)",
                "",
                "   ```",
                f"   {f.curl()}",
                *[f"   {ln}" for ln in _trace(f.traceback)],
                "   ```",
                "",
            ]
        errors = [e for *_, r in b.runs for e in r.runtime_errors()]
        if errors:
            out += ["### Schemathesis errors (not findings)", ""] + [f"- {e[:300]}" for e in errors[:20]]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(prog="fuzz.long_run", description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=10_000, help="test cases per backend, at least")
    p.add_argument("--backends", default="sqlite,postgres")
    p.add_argument("--max-examples", type=int, default=300, help="per operation and phase, per run")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-runs", type=int, default=20)
    p.add_argument("--max-minutes", type=float, default=60.0)
    p.add_argument("--results", type=Path, default=RESULTS)
    a = p.parse_args(argv)
    backends = [b.strip() for b in a.backends.split(",") if b.strip()]
    if set(backends) - {"sqlite", "postgres"} or not backends:
        p.error("--backends takes sqlite and/or postgres")
    deadline = time.monotonic() + a.max_minutes * 60
    done = []
    with tempfile.TemporaryDirectory(prefix="annobatch-fuzz-") as tmp:
        for backend in backends:
            done.append(fuzz_backend(backend, a, Path(tmp), deadline))
    text = render("PYTHONPATH=tests python -m fuzz.long_run " + shlex.join(argv), done)
    a.results.write_text(text)
    print(text)
    return 1 if any(b.findings or b.stopped for b in done) else 0


if __name__ == "__main__":
    raise SystemExit(main())
