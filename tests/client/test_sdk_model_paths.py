"""The models sit at the official client's module paths: for every module of `kognic.io.model` a
user imports from, `annobatch.model` has the module with the same names (the classes the module
defines, and for a package what it re-exports), so that code moves by changing the prefix."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import kognic.io.model
import pytest

#: Official modules that are not for users: the client's own plumbing. (`model.input`, the
#: official client's deprecated aliases of `model.scene`, is checked too: old code imports it.)
NOT_FOR_USERS = (
    "kognic.io.model.base_serializer",
    "kognic.io.model.files_to_upload",
    "kognic.io.model.hosts",
    "kognic.io.model.upload_url",
    "kognic.io.model.ego.validated_imu_data",
)


def official_modules() -> list[str]:
    found = []
    for m in pkgutil.walk_packages(kognic.io.model.__path__, "kognic.io.model."):
        if not any(m.name == n or m.name.startswith(n + ".") for n in NOT_FOR_USERS):
            found.append(m.name)
    return found


def names_of(module_name: str) -> list[str]:
    module = importlib.import_module(module_name)
    is_package = hasattr(module, "__path__")
    return sorted(
        n
        for n, v in vars(module).items()
        if not n.startswith("_")
        and inspect.isclass(v)
        and (v.__module__ == module_name or (is_package and v.__module__.startswith(module_name)))
        and n not in ("TestCase",)  # a calibration helper pytest would collect; ours is there too
    )


@pytest.mark.parametrize("official", official_modules())
def test_the_module_is_at_the_same_path_with_the_same_names(official: str) -> None:
    ours = importlib.import_module(official.replace("kognic.io", "annobatch", 1))
    missing = [n for n in names_of(official) if not hasattr(ours, n)]
    assert missing == []
