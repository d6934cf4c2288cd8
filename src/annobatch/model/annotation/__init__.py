"""Annotations with their OpenLABEL content."""

from annobatch.model.annotation.annotation import Annotation, PartialAnnotation, SignedAnnotation

__all__ = ["Annotation", "PartialAnnotation", "SignedAnnotation"]
