"""Requests (a project's batches, as the project-management API names them)."""

from annobatch.model.request.request import InputProgressCounts, Request

__all__ = ["InputProgressCounts", "Request"]
