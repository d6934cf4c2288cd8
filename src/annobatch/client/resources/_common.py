"""What every resource needs: ids in paths, and answers the SDK does not read."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec

from annobatch.schemas import Wire

#: The body of an answer the SDK does not read (anything JSON).
Ignored = msgspec.Raw


def seg(value: str) -> str:
    """A uuid or id as one URL path segment (a `/` in it cannot reach another endpoint)."""
    return quote(str(value), safe="")


def body(model: Wire) -> dict[str, Any]:
    """A wire model as a JSON object, with its None fields left out."""
    out: dict[str, Any] = msgspec.to_builtins(model)
    return {k: v for k, v in out.items() if v is not None}
