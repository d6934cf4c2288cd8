"""Failures of the machine under the data, raised by the database drivers and the blob store alike."""

from __future__ import annotations


class OutOfSpace(Exception):
    """The disk (or quota) holding the data is full: nothing was kept of the write that met it,
    and the same write succeeds once there is room again."""
