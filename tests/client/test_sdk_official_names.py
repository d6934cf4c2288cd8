"""The SDK's resources carry the official client's names and signatures: every public method of
every resource of `KognicIOClient` is on `annobatch.Client`, taking the same parameters in the same
order (the SDK may add keyword-only ones after them)."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from kognic.io.client import KognicIOClient

from annobatch import Client

RESOURCES = (
    "workspace", "calibration", "project", "annotation", "input", "pre_annotation", "scene", "review", "task",
    "request", "cameras", "cameras_sequence", "lidars", "lidars_sequence", "lidars_and_cameras",
    "lidars_and_cameras_sequence", "aggregated_lidars_and_cameras_seq",
)  # fmt: skip
#: Helpers of the official resources that are not part of their API.
NOT_API = {"create_upload_spec"}


def official_methods() -> list[tuple[str, str]]:
    found = []
    for name in RESOURCES:
        cls = _official_class(name)
        for attr, _ in inspect.getmembers(cls, inspect.isfunction):
            if not attr.startswith("_") and attr not in NOT_API:
                found.append((name, attr))
    return found


def _official_class(resource: str) -> type:
    source = inspect.getsource(KognicIOClient.__init__)
    line = next(x for x in source.splitlines() if x.strip().startswith(f"self.{resource} ="))
    class_name = line.split("=", 1)[1].strip().split("(", 1)[0]
    module = inspect.getmodule(KognicIOClient)
    return getattr(module, class_name)  # type: ignore[no-any-return]


def _undecorated(fn: Any, name: str) -> Any:
    """The function under the official client's deprecation decorators (some keep no
    `__wrapped__`: the function is in the wrapper's closure)."""
    fn = inspect.unwrap(fn)
    for cell in fn.__closure__ or ():
        inner = cell.cell_contents
        if inspect.isfunction(inner) and inner.__name__ == name:
            return _undecorated(inner, name)
    return fn


@pytest.mark.parametrize(("resource", "method"), official_methods())
def test_the_sdk_has_the_official_method_with_its_parameters(resource: str, method: str) -> None:
    official = inspect.signature(_undecorated(getattr(_official_class(resource), method), method))
    ours_resource = getattr(Client("http://x", ("id", "secret"), resume_dir=False), resource)
    ours = inspect.signature(getattr(ours_resource, method))
    theirs = [p for p in official.parameters.values() if p.name != "self"]
    mine = list(ours.parameters.values())
    assert [p.name for p in mine[: len(theirs)]] == [p.name for p in theirs]
    for a, b in zip(mine, theirs, strict=False):
        assert a.kind == b.kind, f"{a.name}: {a.kind} != {b.kind}"
        assert (a.default is inspect.Parameter.empty) == (b.default is inspect.Parameter.empty), a.name
    assert all(
        p.kind is inspect.Parameter.KEYWORD_ONLY or p.default is not inspect.Parameter.empty
        for p in mine[len(theirs) :]
    )
