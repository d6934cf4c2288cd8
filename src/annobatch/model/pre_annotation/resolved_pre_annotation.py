from annobatch.schemas import ResolvedPreAnnotation

__all__ = ["ResolvedPreAnnotation"]
