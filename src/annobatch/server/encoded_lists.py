"""Encoded answers kept per key and answered again while their version holds: the batch list of
a project, or the project list of an organization, is read as one revision number instead of
every row when nothing changed."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field


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


@dataclass(frozen=True, slots=True)
class KeptLists:
    """The encoded lists a running app keeps (`app.state.kept_lists`), made anew each time it
    starts: a list kept before, over another database maybe, is never answered."""

    projects: EncodedLists = field(default_factory=EncodedLists)
    batches: EncodedLists = field(default_factory=EncodedLists)
