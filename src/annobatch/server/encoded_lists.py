"""Encoded answers kept per key and answered again while their version holds: the batch list of
a project, or the project list of an organization, is read as one revision number instead of
every row when nothing changed."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable


class EncodedLists:
    """Encoded answers by key, each with the version it was made at; the least recently used go
    first once `size` are kept. One per controller and app (per worker)."""

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
