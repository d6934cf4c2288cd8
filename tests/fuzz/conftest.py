"""The fuzz tests' server: one `annobatch serve` for the session, set up with the operator CLI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fuzz.target import FuzzTarget, fuzz_target


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fuzz: schemathesis against the served OpenAPI document")


@pytest.fixture(scope="session")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    with fuzz_target(tmp_path_factory.mktemp("fuzz")) as target:
        yield target
