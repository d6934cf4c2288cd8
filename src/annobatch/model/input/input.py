"""An input: a scene placed in a project's batch (request)."""

from annobatch.schemas import Input

__all__ = ["Input"]
