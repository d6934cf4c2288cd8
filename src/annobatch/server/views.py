"""Records → wire models, and the request details every route reads the same way."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import TypeVar

import msgspec
from litestar import Request

from annobatch.domain import InvalidInput
from annobatch.services.transactions import Write

T = TypeVar("T")


# ---------------------------------------------------------------------------------- requests


def write_options(request: Request) -> Write:
    """`X-Dryrun` (any value, even empty) asks for a dry run; `Idempotency-Key` makes a create safe
    to retry."""
    key = request.headers.get("idempotency-key")
    if key is not None and not 1 <= len(key) <= 255:
        raise InvalidInput("Idempotency-Key must be 1-255 characters", "invalid-idempotency-key")
    return Write(dry_run="x-dryrun" in request.headers, idempotency_key=key)


async def decode_body(request: Request, type_: type[T], default: T | None = None) -> T:
    """Decode a JSON body into `type_`; 400 naming the field when it does not fit. An empty body
    takes `default` when one is given."""
    raw = await request.body()
    if not raw.strip():
        if default is not None:
            return default
        raise InvalidInput("the request needs a JSON body", "invalid-body")
    try:
        return msgspec.json.decode(raw, type=type_)
    except msgspec.ValidationError as e:
        raise InvalidInput(f"invalid request body: {_field_message(e)}", "invalid-body") from None
    except msgspec.DecodeError:
        raise InvalidInput("the request body is not valid JSON", "invalid-json") from None


def _field_message(e: msgspec.ValidationError) -> str:
    text = str(e)
    if " - at `$." in text:
        msg, _, path = text.partition(" - at `$.")
        return f"field {path.rstrip('`')}: {msg}"
    return text


class EncodedLists:
    """Encoded answers by key, each with the version it was made at; the least recently used go
    first once `size` are kept. One per worker, made by `create_app`."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, tuple[Hashable, bytes]] = OrderedDict()

    def get(self, key: Hashable) -> tuple[Hashable, bytes] | None:
        hit = self._items.get(key)
        if hit is not None:
            self._items.move_to_end(key)
        return hit

    def put(self, key: Hashable, version: Hashable, body: bytes) -> None:
        self._items[key] = (version, body)
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
