"""The workforce and what it may do: names of members, which kinds of task each role claims,
project taxonomies (the classes of objects per annotation type) and the review error types."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from annobatch.domain.batches import Role
from annobatch.domain.errors import Forbidden, InvalidInput, NotFound
from annobatch.domain.workflow import TaskKind

__all__ = [
    "CLAIMABLE_KINDS",
    "claimable_kinds",
    "normalize_classes",
    "require_workforce_credential",
    "validate_error_type_id",
    "validate_member_name",
]

#: What each role claims: annotators annotate and correct, reviewers review, staff do anything.
CLAIMABLE_KINDS: dict[Role, tuple[TaskKind, ...]] = {
    Role.ANNOTATOR: (TaskKind.ANNOTATE, TaskKind.CORRECT),
    Role.REVIEWER: (TaskKind.REVIEW,),
    Role.STAFF: (TaskKind.ANNOTATE, TaskKind.CORRECT, TaskKind.REVIEW),
}


def claimable_kinds(role: Role | str, kind: str | None = None) -> tuple[TaskKind, ...]:
    """The kinds of task a role may claim, narrowed to `kind` when one is asked for: an annotator
    annotates and corrects, a reviewer reviews, staff do any task; clients claim none."""
    allowed = CLAIMABLE_KINDS.get(Role(role), ())
    if not allowed:
        raise Forbidden(f"a {Role(role).value} credential does not do tasks", "not-workforce")
    if kind is None:
        return allowed
    try:
        wanted = TaskKind(kind)
    except ValueError:
        raise InvalidInput(
            f"unknown task kind {kind!r}: one of {', '.join(k.value for k in TaskKind)}", "invalid-task-kind"
        ) from None
    if wanted not in allowed:
        raise InvalidInput(
            f"a {Role(role).value} does not do {wanted.value} tasks "
            f"(only {', '.join(k.value for k in allowed)})",
            "task-kind-not-allowed",
        )
    return (wanted,)


def validate_member_name(name: str) -> str:
    """A workforce member's name (shown as the actor of their changes): 1-200 characters, not only
    blanks, no control characters."""
    if (
        not isinstance(name, str)
        or not name.strip()
        or len(name) > 200
        or any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in name)
    ):
        raise InvalidInput(
            "a workforce member's name is 1-200 characters, no control characters", "invalid-name"
        )
    return name.strip()


def require_workforce_credential(user_id: int, roles: Sequence[str]) -> None:
    """Only workforce credentials (annotators, reviewers) of the project's organization become
    members of its workforce. `roles`: the roles of that organization's credentials with this id."""
    if not roles:
        raise NotFound(f"no workforce member with user id {user_id}", "user-not-found")
    if not any(r in (Role.ANNOTATOR.value, Role.REVIEWER.value) for r in roles):
        raise InvalidInput(
            f"user {user_id} is not a workforce member (annotator or reviewer)", "not-workforce"
        )


_CLASS = re.compile(r"[^\x00-\x1f\x7f-\x9f]{1,128}")


def normalize_classes(classes: Iterable[str]) -> list[str]:
    """A taxonomy's classes: names of 1-128 characters without control characters, each once, in
    the order given (surrounding blanks dropped)."""
    seen: list[str] = []
    for c in classes:
        name = c.strip() if isinstance(c, str) else ""
        if _CLASS.fullmatch(name) is None:
            raise InvalidInput(
                f"invalid class {c!r}: 1-128 characters, no control characters", "invalid-class"
            )
        if name not in seen:
            seen.append(name)
    if len(seen) > 1000:
        raise InvalidInput("at most 1000 classes per annotation type", "invalid-class")
    return seen


_ERROR_TYPE_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def validate_error_type_id(value: str) -> str:
    """An error type's id: 1-64 lowercase letters, digits, `_` or `-`, a letter or digit first."""
    if not isinstance(value, str) or _ERROR_TYPE_ID.fullmatch(value) is None:
        raise InvalidInput(
            f"invalid error type id {value!r}: 1-64 lowercase letters, digits, '_' or '-'", "invalid-id"
        )
    return value
