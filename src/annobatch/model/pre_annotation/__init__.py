from annobatch.schemas import CreatedPreAnnotation, ResolvedPreAnnotation

__all__ = ["CreatedPreAnnotation", "ResolvedPreAnnotation"]
