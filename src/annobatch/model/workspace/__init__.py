"""Workspaces."""

from annobatch.schemas import Workspace

__all__ = ["Workspace"]
