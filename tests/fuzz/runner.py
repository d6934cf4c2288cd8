"""One schemathesis run against a `FuzzTarget`, and what it found.

The `schemathesis` command line runs every phase (examples, coverage, fuzzing, stateful) over
every operation of the served document, authenticated with the target's bearer token, with one
check: `not_a_server_error`. It runs in a subprocess, in a scratch directory (its own files and
example database stay out of the work tree), with one worker against a server with one worker,
so that the n-th 5xx answer is the n-th error in the server's log: each distinct defect is then
told apart by its traceback, not by its (identical) 500 body.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import httpx

from fuzz.target import FuzzTarget, ServerError, distinct

TESTS = Path(__file__).resolve().parents[1]


@dataclass
class Finding:
    """One distinct server error: where, what, how often, and the shortest request that did it."""

    operation: str
    exception: str
    origin: str
    count: int
    method: str
    url: str
    body: str
    content_type: str
    traceback: str

    def curl(self, base: str = "http://127.0.0.1:8000") -> str:
        parts = urlsplit(self.url)
        url = base + parts.path + (f"?{parts.query}" if parts.query else "")
        cmd = f"curl -sS -X {self.method}"
        if not parts.path.startswith("/v1/uploads/"):
            cmd += ' -H "Authorization: Bearer $TOKEN"'
        if self.body:
            kind = self.content_type or "application/json"
            cmd += f" -H 'Content-Type: {kind}' --data-binary {_sh(self.body)}"
        return f"{cmd} {_sh(url)}"


def _sh(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


@dataclass
class FuzzRun:
    command: list[str]
    exit_code: int
    seconds: float
    report: dict[str, object]
    calls: list[dict[str, object]]
    server_errors: list[ServerError]
    output: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def cases(self) -> int:
        """Test cases schemathesis generated (its report's count)."""
        return int(self.report.get("test_cases", {}).get("generated", 0))  # type: ignore[union-attr]

    @property
    def requests(self) -> int:
        return len(self.calls)

    @property
    def five_xx(self) -> list[dict[str, object]]:
        return [c for c in self.calls if int(c["status"]) >= 500]  # type: ignore[call-overload]

    def statuses(self) -> Counter[int]:
        return Counter(int(c["status"]) for c in self.calls)  # type: ignore[call-overload]

    def runtime_errors(self) -> list[str]:
        return [str(e) for e in self.report.get("errors", [])]  # type: ignore[union-attr]


def schemathesis_command(target: FuzzTarget, max_examples: int, seed: int, report_dir: Path) -> list[str]:
    exe = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    return [
        exe, "run", f"{target.url}/schema/openapi.json", "--url", target.url,
        "-H", f"Authorization: Bearer {target.token}",
        "--checks", "not_a_server_error", "--max-examples", str(max_examples), "--seed", str(seed),
        "--workers", "1", "--continue-on-failure", "--generation-database", "none",
        "--request-timeout", "30", "--report", "json", "--report-dir", str(report_dir),
        "--warnings", "off", "--no-color",
    ]  # fmt: skip


def run(target: FuzzTarget, max_examples: int, seed: int, workdir: Path, timeout: float = 3600) -> FuzzRun:
    """Fuzz every operation once over; `timeout` bounds the whole run."""
    workdir.mkdir(parents=True, exist_ok=True)
    calls_file = workdir / "calls.jsonl"
    calls_file.unlink(missing_ok=True)
    report_dir = workdir / "report"
    shutil.rmtree(report_dir, ignore_errors=True)
    env = dict(os.environ)
    env.update(
        SCHEMATHESIS_HOOKS="fuzz.cli_hooks",
        ANNOBATCH_FUZZ_KNOWN=json.dumps(target.known),
        ANNOBATCH_FUZZ_CALLS=str(calls_file),
        PYTHONPATH=os.pathsep.join(p for p in (str(TESTS), env.get("PYTHONPATH", "")) if p),
    )
    logged_before = len(target.server_errors())
    cmd = schemathesis_command(target, max_examples, seed, report_dir)
    started = time.monotonic()
    done = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout)
    seconds = time.monotonic() - started
    reports = sorted(report_dir.glob("*.json"))
    report = json.loads(reports[-1].read_text()) if reports else {}
    calls = [json.loads(line) for line in calls_file.read_text().splitlines()] if calls_file.exists() else []
    shown = [c if c != target.token else "[token]" for c in cmd]
    result = FuzzRun(
        shown, done.returncode, seconds, report, calls, target.server_errors()[logged_before:],
        done.stdout + done.stderr,
    )  # fmt: skip
    result.findings = [minimize(target, f) for f in findings(result)]
    return result


def findings(r: FuzzRun) -> list[Finding]:
    """Each 5xx answer with the server error logged for it (the next one, in order, on the same
    path), grouped by operation, place and exception; the shortest request of each group."""
    pending = list(r.server_errors)
    groups: dict[tuple[str, str, str], list[tuple[dict[str, object], ServerError | None]]] = {}
    for call in r.five_xx:
        path = _printable(unquote(urlsplit(str(call["url"])).path))
        same = [e for e in pending if e.method == call["method"]]
        err = next((e for e in same if _printable(e.path) == path), same[0] if same else None)
        if err is not None:
            pending.remove(err)
        origin, exc = _place(err) if err else ("(nothing logged)", f"HTTP {call['status']}")
        groups.setdefault((str(call["op"]), origin, shape(exc)), []).append((call, err))
    for err in pending:  # logged, though no 5xx was answered for it
        origin, exc = _place(err)
        fake = {"op": f"{err.method} {err.path}", "method": err.method, "url": err.path, "status": 0}
        groups.setdefault((str(fake["op"]), origin, shape(exc)), []).append((fake, err))
    found = []
    for (op, origin, _), members in groups.items():
        call, err = min(members, key=lambda m: len(str(m[0]["url"])) + len(str(m[0].get("body", ""))))
        found.append(
            Finding(
                op, err.exception if err else f"HTTP {call['status']}", origin, len(members),
                str(call["method"]), str(call["url"]), str(call.get("body", "")),
                str(dict(call.get("headers") or {}).get("Content-Type", "")),  # type: ignore[call-overload]
                err.traceback if err else "",
            )
        )  # fmt: skip
    return sorted(found, key=lambda f: (f.operation, f.exception))


def minimize(target: FuzzTarget, f: Finding, budget: int = 60) -> Finding:
    """Drop query parameters (and then the body) one at a time while the request still makes the
    same server error: the shortest request that does. At most `budget` requests."""
    if f.url.startswith("/") or not f.traceback:
        return f
    parts = urlsplit(f.url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    body = f.body
    sent = 0

    def still_fails(candidate: list[tuple[str, str]], data: str) -> bool:
        nonlocal sent
        sent += 1
        before = len(target.server_errors())
        url = urlunsplit(parts._replace(query=urlencode(candidate)))
        headers = {} if parts.path.startswith("/v1/uploads/") else dict(target.headers)
        if data:
            headers["Content-Type"] = f.content_type or "application/json"
        try:
            r = httpx.request(f.method, url, content=data.encode(), headers=headers, timeout=30)
        except httpx.HTTPError:
            return False
        new = target.server_errors()[before:]
        return r.status_code >= 500 and any(shape(_place(e)[1]) == shape(f.exception) for e in new)

    i = 0
    while i < len(params) and sent < budget:
        trial = params[:i] + params[i + 1 :]
        if still_fails(trial, body):
            params = trial
        else:
            i += 1
    if body and sent < budget and still_fails(params, ""):
        body = ""
    url = urlunsplit(parts._replace(query=urlencode(params)))
    return replace(f, url=url, body=body)


def _printable(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable() and not ch.isspace())


def _place(err: ServerError) -> tuple[str, str]:
    (place,) = distinct([err])
    return place


def shape(exception: str) -> str:
    """An exception's type and message with numbers (even cut short, `123...`) and quoted values
    taken out: what tells one defect from another."""
    return re.sub(r"'[^']*'|\d+(\.\.\.)?", "…", exception)[:200]


def describe(r: FuzzRun) -> str:
    """The findings for a test's failure message or the results file."""
    lines = []
    for i, f in enumerate(r.findings, 1):
        lines += [
            f"{i}. {f.operation}: {f.exception} ({f.count} cases)",
            f"   raised at {f.origin}",
            f"   reproduce: {f.curl()}",
        ]
    return "\n".join(lines)
