"""The base of the models a user builds and sends: msgspec Structs, keyword arguments only, sent
camelCase with empty (None) fields left out, as the official client sends them."""

from __future__ import annotations

from typing import Any

import msgspec


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def _no_local_objects(obj: Any) -> Any:
    """Objects that never go on the wire (a `FileData` a resource reads from) become None, then
    dropped."""
    return None


class Model(msgspec.Struct, kw_only=True, rename="camel"):
    """A model sent to the server: `to_dict()` is its JSON body (camelCase keys, None left out)."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON object this model is sent as."""
        out: dict[str, Any] = _drop_none(msgspec.to_builtins(self, enc_hook=_no_local_objects))
        return out


class SnakeModel(Model, rename=None):
    """A model sent with snake_case keys (calibration contents are)."""
