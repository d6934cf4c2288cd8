"""A request: a batch of a project, as the project-management API names it."""

from annobatch.schemas import InputProgressCounts, Request

__all__ = ["InputProgressCounts", "Request"]
