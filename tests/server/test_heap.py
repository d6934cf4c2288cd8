"""A server worker freezes what start-up made out of the garbage collector's way
(`server/heap.py`); an app a test starts leaves the collector as it was."""

from __future__ import annotations

import gc
import shutil
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from annobatch.server import heap
from annobatch.server.app import create_app, from_env
from annobatch.settings import Settings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """Each test starts with nothing frozen, and leaves nothing frozen for the tests after it."""
    gc.unfreeze()
    yield
    gc.unfreeze()


class _Node:
    """An object the collector tracks, which can be made part of a reference cycle."""

    def __init__(self) -> None:
        self.other: _Node | None = None


def _settings(tmp_path: Path, template: Path) -> Settings:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(template, data / "annobatch.db")
    return Settings(data_dir=data, database_url=f"sqlite:///{data / 'annobatch.db'}", public_url="")


def test_settle_freezes_what_lives_and_refcounting_still_frees_it(unfrozen: None) -> None:
    kept = _Node()
    dropped = _Node()
    gone = weakref.ref(dropped)
    heap.settle()
    assert gc.get_freeze_count() > 1000
    assert not gc.is_finalized(kept)
    # Frozen objects are out of the collector's scans, not out of reference counting.
    del dropped
    assert gone() is None


def test_cycles_made_after_settling_are_still_collected(unfrozen: None) -> None:
    heap.settle()
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    seen = weakref.ref(a)
    del a, b
    assert seen() is not None  # a cycle: only the collector frees it
    gc.collect()
    assert seen() is None


def test_a_server_worker_settles_its_heap_once_started(
    unfrozen: None, tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in _settings(tmp_path, sqlite_template).location_env().items():
        monkeypatch.setenv(name, value)
    app = from_env()  # what granian's workers call
    assert gc.get_freeze_count() == 0  # made, not started
    with TestClient(app) as client:
        assert gc.get_freeze_count() > 10_000  # modules, the app, its routes and services
        assert client.get("/healthz").status_code == 200


def test_an_app_a_test_starts_leaves_the_collector_as_it_was(
    unfrozen: None, tmp_path: Path, sqlite_template: Path
) -> None:
    with TestClient(create_app(_settings(tmp_path, sqlite_template))) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() == 0
