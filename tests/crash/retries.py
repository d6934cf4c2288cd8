"""After the restart, what a client does next: it retries every idempotent write of the round
with the same key and body, and every commit that got no answer.

- A write that was answered 200 must be answered exactly the same again: byte for byte for a
  batch create and an invalidation; for a scene create, the same scene uuid and the same files
  (upload URLs are signed when answered and name the server's current address, so only their
  paths are compared).
- A write that got no answer may have happened or not; its first answer after the restart is
  then its first answer, and a further retry must repeat it. A create that happened but whose
  key answers "already exists" has lost its idempotency record.
- A commit that got no answer is finished by its retry: the scene ends `created` (the clients
  send valid images), or the retry is refused and says why (counted as a note, not hidden).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from crash.workload import Answer, Call, Client, Ledger

IDEMPOTENCY_LOST = {"duplicate-batch", "duplicate-scene"}


def _comparable(kind: str, a: Answer) -> object:
    if kind != "scene-create" or a.status != 200:
        return (a.status, a.body)
    data = a.json()["data"]
    files = {rid: urlsplit(url).path for rid, url in (data.get("files") or {}).items()}
    return (a.status, data["internalId"], files)


def _same(kind: str, first: Answer, again: Answer | None) -> bool:
    return again is not None and _comparable(kind, first) == _comparable(kind, again)


def _code(a: Answer) -> str:
    try:
        return str(a.json().get("code", ""))
    except (ValueError, AttributeError):
        return ""


def retry_calls(c: Client, calls: list[Call]) -> None:
    ledger = c.ledger
    for call in calls:
        again = c.idempotent(call)
        if call.first is not None and call.first.status == 200:
            if not _same(call.kind, call.first, again):
                got = "no answer" if again is None else f"{again.status} {again.body[:200]!r}"
                ledger.violation(
                    "idempotent-retry-differs", f"{call.kind} {call.key}", f"after restart: {got}"
                )
            continue
        if call.first is not None:
            ledger.notes[f"retry of {call.kind} first answered {call.first.status}"] += 1
            continue
        # No first answer: the first one after the restart is now the one to repeat.
        ledger.notes[f"retry of unanswered {call.kind}: {again.status if again else 'no answer'}"] += 1
        if again is None:
            continue
        if again.status == 409 and _code(again) in IDEMPOTENCY_LOST:
            detail = again.body[:200].decode(errors="replace")
            ledger.violation("idempotency-record-lost", f"{call.kind} {call.key}", detail)
        elif again.status == 200:
            third = c.idempotent(call)
            if not _same(call.kind, again, third):
                ledger.violation(
                    "idempotent-retry-differs", f"{call.kind} {call.key}", "second retry after restart"
                )


def retry_commits(c: Client, scene_ids: set[str]) -> None:
    ledger = c.ledger
    for sid in sorted(scene_ids):
        r = c.send("commit-retry", "POST", f"/v1/inputs/{sid}/actions/commit")
        if r is None:
            ledger.notes["commit retry: no answer"] += 1
            continue
        if r.status_code != 200:
            code = json.loads(r.content).get("code", "") if r.content.startswith(b"{") else ""
            ledger.notes[f"commit retry refused: {r.status_code} {code}"] += 1
            continue
        scene = r.json()["data"]
        if scene["status"] == "failed":
            ledger.violation("commit-retry-failed", sid, str(scene.get("errorMessage")))
        else:
            ledger.notes[f"commit retry: {scene['status']}"] += 1


def after_restart(ledger: Ledger, base: str, bearer: str) -> None:
    """Retry what the round's clients left in flight; the calls and commits are then forgotten."""
    c = Client(ledger, base, bearer)
    try:
        with ledger.lock:
            calls, ledger.calls = list(ledger.calls), []
            commits, ledger.unanswered_commits = set(ledger.unanswered_commits), set()
        retry_calls(c, calls)
        retry_commits(c, commits)
    finally:
        c.close()
