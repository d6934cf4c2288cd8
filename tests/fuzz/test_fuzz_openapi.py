"""Schemathesis against the served OpenAPI document (`/schema/openapi.json`), authenticated with a
bearer token from `POST /v1/auth/oauth/token` (a credential made with the operator CLI), every
operation and every phase: no operation answers a 5xx, and the server logs no error. A short,
deterministic run (fixed seed; `ANNOBATCH_FUZZ_EXAMPLES` cases per operation, 10 by default);
`make fuzz` is the long one (tests/fuzz/RESULTS.md).

Schemathesis runs as its command line in a subprocess (see `fuzz.runner`): its pytest loader for
a server started in a fixture (`schemathesis.pytest.from_fixture`) does not work on pytest 9.2,
which no longer has the node attribute it rewrites."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

pytest.importorskip(
    "schemathesis", reason="schemathesis is not installed: pip install -e '.[test]' (make install-test)"
)

from fuzz.runner import FuzzRun, describe, run
from fuzz.target import FuzzTarget, fuzz_target

pytestmark = pytest.mark.fuzz

MAX_EXAMPLES = int(os.environ.get("ANNOBATCH_FUZZ_EXAMPLES", "10"))
SEED = 20261201


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    """One `annobatch serve` for the module, set up with the operator CLI. (Not in a conftest.py of
    this folder: that module would shadow the suite's own `conftest` on the import path.)"""
    with fuzz_target(tmp_path_factory.mktemp("fuzz")) as target:
        yield target


@pytest.fixture(scope="module")
def fuzzed(fuzz_server: FuzzTarget, tmp_path_factory: pytest.TempPathFactory) -> FuzzRun:
    return run(fuzz_server, MAX_EXAMPLES, SEED, tmp_path_factory.mktemp("schemathesis"), timeout=600)


def test_every_operation_was_fuzzed(fuzzed: FuzzRun) -> None:
    ops = fuzzed.report.get("operations", {})
    assert fuzzed.report, f"schemathesis wrote no report:\n{fuzzed.output[-3000:]}"
    assert ops["tested"] == ops["total"] > 0, ops  # type: ignore[index]
    assert not fuzzed.runtime_errors(), fuzzed.output[-5000:]


def test_no_operation_answers_a_server_error(fuzzed: FuzzRun) -> None:
    if fuzzed.five_xx:
        n = len(fuzzed.five_xx)
        pytest.fail(f"{n} of {fuzzed.requests} requests answered 5xx; distinct:\n{describe(fuzzed)}", False)


def test_the_server_logs_no_error_while_fuzzed(fuzzed: FuzzRun) -> None:
    if fuzzed.server_errors:
        n = len(fuzzed.server_errors)
        pytest.fail(f"the server logged {n} errors; distinct:\n{describe(fuzzed)}", False)


def test_schemathesis_found_no_failure(fuzzed: FuzzRun) -> None:
    if fuzzed.exit_code != 0:
        pytest.fail(f"schemathesis exited {fuzzed.exit_code}:\n{fuzzed.output[-5000:]}", False)
