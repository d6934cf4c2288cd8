"""The crash suite: concurrent clients against `annobatch serve --workers 2`, the server's whole
process group SIGKILLed at a random moment, a restart, retries of what was in flight, and the
invariants checked (see `invariants.py` and `retries.py`), round after round, on SQLite and on
PostgreSQL. Prints a tally and writes it to tests/crash/RESULTS.md.

    make crash                                   # 50 rounds on each backend
    make crash CRASH_ARGS="--rounds 5"           # a short run
    PYTHONPATH=tests .venv/bin/python -m crash.driver --rounds 5 --backends sqlite

Blobs a kill leaves without a row, and partial uploads, are the sweep's to remove (past its grace
period), so between kills they are no violation. After the last kill, with the server down, the
blob store is aged past the sweep's grace period (as if that long had passed), `annobatch blobs
sweep` runs, and then the store must hold exactly the blobs rows refer to (`sweep_and_check`).

PostgreSQL is the local one (127.0.0.1:5432, trust, user postgres); the suite makes a scratch
database of its own and drops it afterwards. Every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shlex
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from crash import invariants
from crash.deploy import Deployment, deployment
from crash.report import write_results
from crash.retries import after_restart
from crash.workload import Ledger, RoundState, run_clients, token

RESULTS = Path(__file__).with_name("RESULTS.md")
#: The sweep after the last kill: the shortest grace period the server accepts for unreferenced
#: blobs (`MIN_ORPHAN_GRACE_SECONDS`), the same for partial uploads; and how far back the blob
#: store is aged before it, past both.
SWEEP_GRACE = 600
SWEEP_AGE = SWEEP_GRACE + 60
SWEEP_ARGS = (
    "--json", "blobs", "sweep", "--orphan-grace", str(SWEEP_GRACE), "--partial-after", str(SWEEP_GRACE),
    "--stale-scenes-after", "0",
)  # fmt: skip
#: A lease a killed server left is waited out: it runs out this long after its last renewal at most.
LEASE_WAIT_MAX = 330.0


@dataclass
class Tally:
    """One backend's figures."""

    backend: str
    rounds: int = 0
    kills: int = 0
    seconds: float = 0.0
    scenes: int = 0
    ledger: Ledger = field(default_factory=Ledger)
    violations: dict[str, dict[str, str]] = field(default_factory=dict)  # kind → subject → detail
    server_errors: Counter[str] = field(default_factory=Counter)
    stopped_early: str = ""
    sweep: list[str] = field(default_factory=list)  # what the sweep after the last kill did

    def found(self, kind: str, subject: str, detail: str) -> None:
        self.violations.setdefault(kind, {}).setdefault(subject, detail)

    def five_xx(self) -> Counter[str]:
        return Counter({k: n for k, n in self.ledger.answers.items() if k.split(" ")[1].startswith("5")})


@dataclass(frozen=True)
class Options:
    rounds: int
    backends: tuple[str, ...]
    seed: int
    load_min: float
    load_max: float
    max_minutes: float
    workers: int
    results: Path


def parse(argv: list[str]) -> Options:
    p = argparse.ArgumentParser(prog="crash.driver", description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=50, help="kills per backend (default 50)")
    p.add_argument("--backends", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: from the clock)")
    p.add_argument("--load-min", type=float, default=0.5, help="earliest kill, seconds into a round")
    p.add_argument("--load-max", type=float, default=4.0, help="latest kill, seconds into a round")
    p.add_argument("--max-minutes", type=float, default=120.0, help="stop starting rounds after this")
    p.add_argument("--workers", type=int, default=2, help="granian workers of the server")
    p.add_argument("--results", type=Path, default=RESULTS, help="where the tally goes (markdown)")
    a = p.parse_args(argv)
    if not 1 <= a.rounds <= 1000 or not 0 < a.load_min <= a.load_max <= 60:
        p.error("--rounds is 1-1000 and 0 < --load-min <= --load-max <= 60")
    backends = tuple(b.strip() for b in a.backends.split(",") if b.strip())
    if not backends or set(backends) - {"sqlite", "postgres"}:
        p.error("--backends takes sqlite and/or postgres")
    seed = a.seed if a.seed is not None else int(time.time())
    return Options(a.rounds, backends, seed, a.load_min, a.load_max, a.max_minutes, a.workers, a.results)


# ---------------------------------------------------------------------------------- server logs

_UNEXPECTED = re.compile(r"ERROR annobatch\.server unexpected error on (\S+) (\S+)")
_LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d |\[(INFO|WARNING|ERROR)\])")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_BATCH = re.compile(r"/r\d+-t\d+-\d+")
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b")


def server_errors(logs: list[Path]) -> Counter[str]:
    """Each logged server error as "METHOD /route: the exception's last line", counted."""
    found: Counter[str] = Counter()
    for log in logs:
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        for i, line in enumerate(lines):
            m = _UNEXPECTED.search(line)
            if m is None and " ERROR " not in line and "[ERROR]" not in line:
                continue
            tail = line
            for follow in lines[i + 1 : i + 200]:
                if _LOG_LINE.match(follow):
                    break
                if _EXCEPTION.match(follow.strip()):
                    tail = follow.strip()
            where = f"{m[1]} {_BATCH.sub('/{batch}', _UUID.sub('{uuid}', m[2]))}" if m else "log"
            found[f"{where}: {tail[:200]}"] += 1
    return found


# ---------------------------------------------------------------------------------- a backend


class CannotGoOn(Exception):
    """The server cannot be started again: the backend's run ends here (recorded as a violation)."""


def restarted(dep: Deployment, tally: Tally, tries: int = 2) -> bool:
    """Start the server again; a start that fails is a violation (with its log's last lines)."""
    for attempt in range(1, tries + 1):
        try:
            dep.start()
            return True
        except RuntimeError as e:
            tally.found("restart-failed", f"kill {tally.kills} try {attempt}", str(e)[-500:])
    return False


def one_round(dep: Deployment, tally: Tally, bearer: str, o: Options, rng: random.Random) -> str:
    """Load, SIGKILL at a random moment, restart, retry, check. Answers the new bearer token."""
    ledger = tally.ledger
    stop = threading.Event()
    assert dep.tenant is not None
    state = RoundState(tally.rounds, dep.tenant, stop, time.monotonic() + o.load_max + 30)
    threads = run_clients(ledger, dep.url, bearer, state, rng)
    time.sleep(rng.uniform(o.load_min, o.load_max))
    stop.set()  # no new operation starts; those under way are cut by the kill
    dep.kill()
    tally.kills += 1
    for th in threads:
        th.join(30)
        if th.is_alive():
            ledger.harness_errors.append(f"{th.name} still running 30 s after the kill")
    if not restarted(dep, tally):
        raise CannotGoOn(f"the server did not start again after kill {tally.kills}")
    bearer = token(dep.url, dep.tenant)
    after_restart(ledger, dep.url, bearer)
    findings, tally.scenes = invariants.check(dep, ledger.sent)
    for kind, subject, detail in findings + ledger.violations:
        tally.found(kind, subject, detail)
    ledger.violations.clear()
    tally.rounds += 1
    return bearer


def sweep_and_check(dep: Deployment, tally: Tally) -> None:
    """After the last kill, the server down: wait out a sweep lease a killed server left, age the
    blob store past the sweep's grace period, run `annobatch blobs sweep`, and check every
    invariant, the exact ones after a sweep too. The sweep must remove no blob a row refers to."""
    holder, expires = invariants.sweep_lease(dep)
    wait = expires / 1e6 - time.time() + 1
    if holder is not None and wait > 0:
        tally.sweep.append(f"a killed server held the sweep's lease ({holder}): waited {wait:.0f} s")
        time.sleep(min(wait, LEASE_WAIT_MAX))
    refs = invariants.referenced(invariants.read_facts(dep))
    aged = invariants.age_blob_store(dep.blob_root, SWEEP_AGE)
    tally.sweep.append(f"blob store aged {SWEEP_AGE} s: {aged} files")
    try:
        out = json.loads(dep.operator(*SWEEP_ARGS))
    except (RuntimeError, ValueError) as e:
        tally.found("sweep-failed", "annobatch blobs sweep", str(e)[-500:])
        return
    tally.sweep.append(
        f"`annobatch {shlex.join(SWEEP_ARGS)}`: {len(out['deletions'])} recorded deletions finished, "
        f"{len(out['partials'])} partial uploads and {len(out['orphans'])} unreferenced blobs removed, "
        f"{out['abandonedScenes']} pending scenes abandoned"
    )
    for key in [*out["deletions"], *out["orphans"]]:
        if key in refs:
            tally.found("sweep-removed-referenced-blob", key, "a row referred to it before the sweep")
    findings, tally.scenes = invariants.check(dep, tally.ledger.sent, swept=True)
    for kind, subject, detail in findings:
        tally.found(kind, subject, detail)
    left = sum(1 for p in dep.blob_root.rglob("*") if p.is_file())
    tally.sweep.append(f"after the sweep: {left} files in the blob store")


def run_backend(backend: str, o: Options, root: Path, rng: random.Random, deadline: float) -> Tally:
    tally = Tally(backend)
    started = time.monotonic()
    with deployment(backend, root, o.workers) as dep:
        tenant = dep.set_up()
        dep.start()
        bearer = token(dep.url, tenant)
        for n in range(o.rounds):
            if time.monotonic() > deadline:
                tally.stopped_early = f"stopped after {n} rounds: --max-minutes reached"
                break
            try:
                bearer = one_round(dep, tally, bearer, o, rng)
            except CannotGoOn as e:
                tally.stopped_early = str(e)
                break
            summary = ", ".join(f"{k} {len(v)}" for k, v in sorted(tally.violations.items())) or "none"
            print(f"[{backend}] round {tally.rounds}: {tally.ledger.requests} requests, found: {summary}")
        dep.stop()
        sweep_and_check(dep, tally)
        tally.server_errors = server_errors(dep.logs)
    tally.seconds = time.monotonic() - started
    return tally


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    o = parse(argv)
    rng = random.Random(o.seed)
    deadline = time.monotonic() + o.max_minutes * 60
    tallies = []
    with tempfile.TemporaryDirectory(prefix="annobatch-crash-") as tmp:
        for backend in o.backends:
            tallies.append(run_backend(backend, o, Path(tmp), rng, deadline))
    command = "PYTHONPATH=tests python -m crash.driver " + shlex.join(argv)
    sweep = (
        f"the server down, the blob store aged {SWEEP_AGE} s, `annobatch {shlex.join(SWEEP_ARGS)}`, "
        "then every invariant, and the exact ones after a sweep (see `invariants.after_sweep`)."
    )
    text = write_results(o.results, command, o.seed, sweep, tallies)
    print(text)
    return 1 if any(t.violations or t.ledger.harness_errors for t in tallies) else 0


if __name__ == "__main__":
    raise SystemExit(main())
