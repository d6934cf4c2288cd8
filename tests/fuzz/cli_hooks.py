"""Loaded by the `schemathesis` command line (`SCHEMATHESIS_HOOKS=fuzz.cli_hooks`): the hooks of
`fuzz.hooks`, with the existing path parameters from `ANNOBATCH_FUZZ_KNOWN` (JSON)."""

from __future__ import annotations

import json
import os

import schemathesis

from fuzz.hooks import install

install(schemathesis.hook, json.loads(os.environ.get("ANNOBATCH_FUZZ_KNOWN", "{}")))


@schemathesis.hook
def after_call(context: object, case: schemathesis.Case, response: schemathesis.Response) -> None:
    """Every request sent, one JSON line in `ANNOBATCH_FUZZ_CALLS` (with the body of a 5xx case),
    so that the run counts its cases and matches each 5xx with the traceback the server logged."""
    path = os.environ.get("ANNOBATCH_FUZZ_CALLS")
    if not path:
        return
    req = response.request
    line: dict[str, object] = {"op": case.operation.label, "method": req.method, "url": req.url}
    line["status"] = response.status_code
    if response.status_code >= 500:
        body = req.body if isinstance(req.body, bytes) else (req.body or "").encode()
        line["body"] = body.decode(errors="replace")
        line["headers"] = {k: v for k, v in req.headers.items() if k.lower() in {"content-type"}}
    with open(path, "a") as f:
        f.write(json.dumps(line) + "\n")
