from annobatch.schemas import Project

__all__ = ["Project"]
