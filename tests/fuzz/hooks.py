"""Schemathesis hooks that let generated requests reach more than "not found":

- path parameters are, half of the time, ones that exist (project `p1`, batch `b1`, the seeded
  scene and input, a scene type, a batch action), so that the rest of the request (cursors,
  limits, flags) is looked at by code past the lookup;
- upload URLs carry `expires` and `signature`, which the served document does not list (they are
  what the server signs): any text, and digit-like text;
- every query parameter, and the `position` of an upload, is sometimes integer-like at the edge:
  digits of any script (`٣`, and `²`, which passes `str.isdigit` but not `int`), numbers past
  64 bits, hundreds of digits.

`install(schema, known)` adds them to one schema (the pytest test); importing `fuzz.cli_hooks`
adds them globally (`SCHEMATHESIS_HOOKS=fuzz.cli_hooks` for the `schemathesis` command line).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

SCENE_TYPES = (
    "cameras", "cameras_sequence", "lidars", "lidars_sequence", "lidars_and_cameras",
    "lidars_and_cameras_sequence", "aggregated_lidars_and_cameras_seq",
)  # fmt: skip
BATCH_ACTIONS = ("open", "publish", "start", "complete", "archive", "reopen")

_DIGITISH = st.text(
    alphabet=st.characters(categories=["Nd", "No"]).filter(str.isdigit), min_size=1, max_size=40
)
_INTEGERISH = st.one_of(
    _DIGITISH,
    st.integers(min_value=2**63 - 2, max_value=2**70).map(str),
    st.integers(max_value=-(2**63) + 2).map(str),
    st.integers(min_value=100, max_value=500).map(lambda n: "9" * n),
)
_SIGNED_PARAM = st.one_of(st.text(max_size=80), _INTEGERISH, st.integers().map(str))


def _existing(known: dict[str, str], name: str) -> st.SearchStrategy[Any] | None:
    if name == "scene_type":
        return st.sampled_from(SCENE_TYPES)
    if name == "action":
        return st.sampled_from(BATCH_ACTIONS)
    if name == "position":
        return st.one_of(st.just(int(known.get(name, "0"))), _INTEGERISH)
    if name in known:
        return st.just(known[name])
    return None


def path_parameters_hook(known: dict[str, str]) -> Callable[..., Any]:
    def flatmap_path_parameters(
        context: Any, path_parameters: dict[str, Any] | None
    ) -> st.SearchStrategy[Any]:
        if not path_parameters:
            return st.just(path_parameters)
        real = {n: s for n in path_parameters if (s := _existing(known, n)) is not None}
        if not real:
            return st.just(path_parameters)
        mixed = st.fixed_dictionaries(
            {
                n: st.one_of(st.just(v), real[n]) if n in real else st.just(v)
                for n, v in path_parameters.items()
            }
        )
        return st.one_of(st.just(path_parameters), mixed)

    return flatmap_path_parameters


def flatmap_query(context: Any, query: dict[str, Any] | None) -> st.SearchStrategy[Any]:
    edged = st.fixed_dictionaries({k: st.one_of(st.just(v), _INTEGERISH) for k, v in (query or {}).items()})
    base = st.one_of(st.just(query), edged) if query else st.just(query)
    operation = getattr(context, "operation", None)
    if operation is None or not str(operation.path).startswith("/v1/uploads/"):
        return base
    signed = st.fixed_dictionaries({}, optional={"expires": _SIGNED_PARAM, "signature": _SIGNED_PARAM})
    return st.tuples(base, signed).map(lambda pair: {**(pair[0] or {}), **pair[1]})


def install(register: Callable[[Callable[..., Any]], Any], known: dict[str, str]) -> None:
    """Register both hooks with `register` (`schema.hook`, or `schemathesis.hook`)."""
    register(path_parameters_hook(known))
    register(flatmap_query)
