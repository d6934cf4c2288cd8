"""Whose rows a read may find: one organization's, and within it one workspace's when the
credential is bound to a workspace.

Every query that finds a workspace's objects (scenes and their files, the inputs of those
scenes, calibrations, IMU data, the audit log's entries about inputs) takes a `Scope`, and the
narrowing is part of its SQL: another workspace's row is never fetched, so it cannot be shown.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scope:
    """An organization, and the one workspace within it, or None for all of them."""

    org: int
    workspace_id: str | None = None
