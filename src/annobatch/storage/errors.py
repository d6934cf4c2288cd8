"""Failures of the machine under the data, raised by the database drivers and the blob store alike."""

from __future__ import annotations


class OutOfSpace(Exception):
    """The disk (or quota) holding the data is full: nothing was kept of the write that met it,
    and the same write succeeds once there is room again."""


class StoreUnavailable(Exception):
    """The object store holding uploaded files cannot be reached, refuses the server's credentials,
    or failed: a passing condition (answered 503), nothing of the write that met it was kept."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"the object store holding uploaded files is {kind}; try again shortly")
        self.kind = kind
