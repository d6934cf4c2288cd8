"""What a submitted annotation must be: one OpenLABEL 1.0 document per annotation type of the
batch, each valid by the `kognic-openlabel` models (the format the official client delivers), and,
where the project has a taxonomy for the type, every object's class one of its classes.

The models are imported on first use, so that importing the rules (the SDK does) costs nothing."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from annobatch.domain.errors import InvalidInput

__all__ = [
    "object_classes",
    "require_annotation_types",
    "require_taxonomy",
    "validate_openlabel",
]


@functools.cache
def _model() -> Any:
    from kognic.openlabel.models import OpenLabelAnnotation

    return OpenLabelAnnotation


def validate_openlabel(annotation_type: str, document: object) -> None:
    """A document is valid OpenLABEL 1.0 (`{"openlabel": {"metadata": {"schema_version": "1.0.0"},
    …}}`); an invalid one is refused naming the annotation type and the first error: where it is
    in the document and what is wrong."""
    if not isinstance(document, Mapping):
        raise InvalidInput(
            f"annotation {annotation_type}: an OpenLABEL document is a JSON object", "invalid-openlabel"
        )
    from pydantic import ValidationError

    try:
        _model().model_validate(document)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "(document)"
        raise InvalidInput(
            f"annotation {annotation_type} is not valid OpenLABEL: at {where}: {first.get('msg')}",
            "invalid-openlabel",
        ) from None


def require_annotation_types(batch_types: Sequence[str], submitted: Sequence[str]) -> None:
    """A submission holds exactly one document per annotation type of the batch: a type the batch
    does not have, or a missing one, is refused naming it."""
    extra = [t for t in submitted if t not in batch_types]
    if extra:
        raise InvalidInput(
            f"annotation type {extra[0]} is not one of the batch's ({', '.join(batch_types) or 'none'})",
            "annotation-type-not-in-batch",
        )
    missing = [t for t in batch_types if t not in submitted]
    if missing:
        raise InvalidInput(
            f"one document per annotation type of the batch: {', '.join(missing)} missing",
            "annotation-type-missing",
        )


def object_classes(document: Mapping[str, Any]) -> dict[str, str]:
    """The document's objects (uid → class, its `type`)."""
    objects = (document.get("openlabel") or {}).get("objects") or {}
    if not isinstance(objects, Mapping):
        return {}
    return {str(uid): str(o.get("type")) for uid, o in objects.items() if isinstance(o, Mapping)}


def require_taxonomy(
    annotation_type: str, document: Mapping[str, Any], classes: Sequence[str] | None
) -> None:
    """Where the project has a taxonomy for the type, every object's class is one of its classes
    (refused naming the object and the allowed classes); without one, any class is accepted."""
    if not classes:
        return
    for uid, cls in object_classes(document).items():
        if cls not in classes:
            raise InvalidInput(
                f"annotation {annotation_type}: object {uid} has class {cls!r}, "
                f"not one of the project's classes ({', '.join(classes)})",
                "class-not-in-taxonomy",
            )
