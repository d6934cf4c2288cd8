from annobatch.schemas import CreatedPreAnnotation

__all__ = ["CreatedPreAnnotation"]
