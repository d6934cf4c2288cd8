"""Reviews: the feedback items a rejection carries, checked against the error-type catalogue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from annobatch.domain.errors import InvalidInput
from annobatch.domain.workflow import ClientCorrection

__all__ = ["ErrorTypeRule", "parse_client_correction", "parse_feedback", "require_feedback_on_rejection"]

#: What one feedback item may say besides its error type (the official client's fields, camelCase).
_OPTIONAL_TEXT = ("sensorId", "frameId", "objectId", "description")
MAX_FEEDBACK_ITEMS = 1000


@dataclass(frozen=True, slots=True)
class ErrorTypeRule:
    """An error type as the rules see it: whether its items may carry a pin and name an object."""

    id: str
    name: str
    pin_allowed: bool
    object_allowed: bool


def parse_feedback(items: Sequence[object], error_types: Sequence[ErrorTypeRule]) -> list[dict[str, Any]]:
    """Feedback items: each names a known error type (`errorTypeId`), may name a sensor, a frame
    and (where its type allows) an object, a pin (where allowed: x and y numbers, z optional), a
    description, a suggested property and string metadata. Answers them as stored, each with its
    type's name; the first bad one is refused naming its position and what is wrong."""
    if len(items) > MAX_FEEDBACK_ITEMS:
        raise InvalidInput(f"at most {MAX_FEEDBACK_ITEMS} feedback items", "invalid-feedback")
    known = {e.id: e for e in error_types}
    parsed = []
    for n, item in enumerate(items):
        parsed.append(_item(n, item, known))
    return parsed


def _item(n: int, item: object, known: Mapping[str, ErrorTypeRule]) -> dict[str, Any]:
    def bad(why: str) -> InvalidInput:
        return InvalidInput(f"feedback item {n}: {why}", "invalid-feedback")

    if not isinstance(item, Mapping):
        raise bad("a feedback item is an object")
    et = known.get(str(item.get("errorTypeId")))
    if et is None:
        raise bad(f"unknown errorTypeId {item.get('errorTypeId')!r}: one of {', '.join(known)}")
    out: dict[str, Any] = {"errorTypeId": et.id, "errorTypeName": et.name}
    for key in _OPTIONAL_TEXT:
        value = item.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > 10_000:
            raise bad(f"{key} is a string of at most 10000 characters")
        out[key] = value
    if "objectId" in out and not et.object_allowed:
        raise bad(f"error type {et.id} names no object")
    pin = item.get("pin")
    if pin is not None:
        if not et.pin_allowed:
            raise bad(f"error type {et.id} takes no pin")
        out["pin"] = _pin(pin, bad)
    suggested = item.get("suggestedProperty")
    if suggested is not None:
        if not isinstance(suggested, Mapping) or not all(
            isinstance(suggested.get(k), str) for k in ("propertyName", "suggestedPropertyValue")
        ):
            raise bad("suggestedProperty has a propertyName and a suggestedPropertyValue, both strings")
        out["suggestedProperty"] = {k: suggested[k] for k in ("propertyName", "suggestedPropertyValue")}
    metadata = item.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
        ):
            raise bad("metadata maps strings to strings")
        out["metadata"] = dict(metadata)
    return out


def _pin(pin: object, bad: Any) -> dict[str, Any]:
    if not isinstance(pin, Mapping):
        raise bad("pin is an object with x and y")
    out: dict[str, Any] = {}
    for key in ("x", "y", "z"):
        value = pin.get(key)
        if value is None and key == "z":
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad(f"pin.{key} is a number")
        out[key] = value
    if pin.get("worldCoordinates") is not None:
        if not isinstance(pin["worldCoordinates"], bool):
            raise bad("pin.worldCoordinates is true or false")
        out["worldCoordinates"] = pin["worldCoordinates"]
    if pin.get("originFrame") is not None:
        if not isinstance(pin["originFrame"], str):
            raise bad("pin.originFrame is a string")
        out["originFrame"] = pin["originFrame"]
    return out


def require_feedback_on_rejection(accepted: bool, items: Sequence[object]) -> None:
    """A rejection says what is wrong: at least one feedback item. An acceptance may carry some."""
    if not accepted and not items:
        raise InvalidInput("a rejection carries at least one feedback item", "feedback-required")


def parse_client_correction(accepted: bool, workflow: str | None) -> ClientCorrection | None:
    """What a client's rejection asks for (`correct` when it says nothing); an acceptance asks for
    nothing."""
    if accepted:
        return None
    if workflow is None:
        return ClientCorrection.CORRECT
    try:
        return ClientCorrection(workflow)
    except ValueError:
        raise InvalidInput(
            f"unknown review workflow {workflow!r}: correct or correct-review-loop", "invalid-workflow"
        ) from None
