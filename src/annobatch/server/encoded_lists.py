"""Encoded answers kept per key and answered again while their version holds: the batch list of
a project, or the project list of an organization, is read as one revision number instead of
every row when nothing changed."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any


class EncodedLists:
    """Encoded answers by key, each with the version it was made at; the least recently used go
    first once `size` are kept."""

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

    async def answer(
        self,
        key: Hashable,
        read: Callable[[Any], Awaitable[tuple[Any, Sequence[Any] | None]]],
        encode: Callable[[Sequence[Any]], bytes],
    ) -> bytes:
        """The body for `key`: `read(version kept or None)` answers the current version and the
        records, or None for them while the kept version is current; then the kept body is
        answered, else the records are encoded and kept at their version."""
        hit = self.get(key)
        version, records = await read(hit[0] if hit else None)
        if records is None and hit is not None:
            return hit[1]
        body = encode(records or [])
        self.put(key, version, body)
        return body


@dataclass(frozen=True, slots=True)
class KeptLists:
    """The encoded lists a running app keeps (`app.state.kept_lists`), made anew each time it
    starts: a list kept before, over another database maybe, is never answered."""

    projects: EncodedLists = field(default_factory=EncodedLists)
    batches: EncodedLists = field(default_factory=EncodedLists)
