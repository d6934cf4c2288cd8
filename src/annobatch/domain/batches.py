"""Identifiers, projects, batches and their lifecycle, and which batch a new input goes to."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from annobatch.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
)

__all__ = [
    "EXTERNAL_ID_RULE",
    "MAX_DESCRIPTION",
    "MAX_TITLE",
    "TRANSITIONS",
    "BatchAction",
    "BatchChoice",
    "BatchStatus",
    "Decision",
    "NewBatch",
    "ProjectStatus",
    "Role",
    "Transition",
    "allowed_moves",
    "batches_to_publish_with",
    "choose_input_batch",
    "decide_transition",
    "normalize_annotation_types",
    "parse_project_status",
    "plan_new_batch",
    "require_batch_types_editable",
    "require_project_accepts_work",
    "validate_description",
    "validate_external_id",
    "validate_scene_external_id",
    "validate_title",
]


# --------------------------------------------------------------------------------------------
# Identifiers

_EXTERNAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
EXTERNAL_ID_RULE = "1-128 characters: a letter or digit first, then letters, digits, '.', '_' or '-'"


def validate_external_id(kind: str, value: str) -> str:
    """A project or batch id appears in URL paths: 1-128 characters, a letter or digit first, then
    letters, digits, `.`, `_`, `-`. Case-sensitive."""
    if not isinstance(value, str) or _EXTERNAL_ID.fullmatch(value) is None:
        raise InvalidInput(f"invalid {kind} id {value!r}: a {kind} id is {EXTERNAL_ID_RULE}", "invalid-id")
    return value


def validate_scene_external_id(value: str, kind: str = "scene") -> str:
    """A scene's (or a calibration's) external id: 1-256 characters, no control characters."""
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= 256
        or any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in value)
    ):
        raise InvalidInput(
            f"invalid {kind} external id {value!r}: 1-256 characters, no control characters", "invalid-id"
        )
    return value


MAX_TITLE = 500
MAX_DESCRIPTION = 10_000


def _has_control(value: str, allow_newlines: bool = False) -> bool:
    allowed = {"\n", "\r", "\t"} if allow_newlines else set()
    return any((ord(ch) < 32 or 127 <= ord(ch) < 160) and ch not in allowed for ch in value)


def validate_title(kind: str, value: str) -> str:
    """A project's or batch's title: 1-500 characters, not only blanks, no control characters."""
    if not value.strip() or len(value) > MAX_TITLE or _has_control(value):
        raise InvalidInput(
            f"invalid {kind} title: 1-{MAX_TITLE} characters, not only blanks, no control characters",
            "invalid-title",
        )
    return value


def validate_description(value: str) -> str:
    """A project's description: at most 10,000 characters (may be empty); line breaks and tabs are
    kept, other control characters are refused."""
    if len(value) > MAX_DESCRIPTION or _has_control(value, allow_newlines=True):
        raise InvalidInput(
            f"invalid description: at most {MAX_DESCRIPTION} characters, "
            "no control characters but line breaks and tabs",
            "invalid-description",
        )
    return value


_ANNOTATION_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")


def normalize_annotation_types(types: Iterable[str]) -> list[str]:
    """Annotation types are short names (`object-detection`); a list keeps its order and holds each
    type once."""
    seen: list[str] = []
    for t in types:
        if not isinstance(t, str) or _ANNOTATION_TYPE.fullmatch(t) is None:
            raise InvalidInput(
                f"invalid annotation type {t!r}: 1-128 characters, a letter or digit first, then letters, "
                "digits, '.', '_', ':', '/' or '-'",
                "invalid-annotation-type",
            )
        if t not in seen:
            seen.append(t)
    return seen


# --------------------------------------------------------------------------------------------
# Projects


class ProjectStatus(enum.StrEnum):
    PENDING = "pending"
    ONGOING = "ongoing"
    COMPLETED = "completed"
    ARCHIVED = "archived"


def parse_project_status(value: str) -> ProjectStatus:
    try:
        return ProjectStatus(value)
    except ValueError:
        allowed = ", ".join(s.value for s in ProjectStatus)
        raise InvalidInput(f"unknown project status {value!r}: one of {allowed}", "invalid-status") from None


def require_project_accepts_work(project: str, status: str) -> None:
    """Only an `ongoing` project accepts new batches and inputs."""
    if status != ProjectStatus.ONGOING:
        raise Conflict(
            f"project {project} is {status}; only ongoing projects accept new batches and inputs",
            "project-not-ongoing",
        )


# --------------------------------------------------------------------------------------------
# Batches


class BatchStatus(enum.StrEnum):
    PENDING = "pending"
    OPEN = "open"
    READY = "ready"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    ARCHIVED = "archived"


class Role(enum.StrEnum):
    CLIENT = "client"
    STAFF = "staff"
    # The workforce: they reach only the workforce API and the scenes of their projects.
    ANNOTATOR = "annotator"
    REVIEWER = "reviewer"


class BatchAction(enum.StrEnum):
    """The named moves of a batch; each maps to one target status."""

    OPEN = "open"
    PUBLISH = "publish"
    REOPEN = "reopen"
    START = "start"
    COMPLETE = "complete"
    ARCHIVE = "archive"


@dataclass(frozen=True, slots=True)
class Transition:
    source: frozenset[BatchStatus]
    target: BatchStatus
    roles: frozenset[Role]


_BOTH = frozenset({Role.CLIENT, Role.STAFF})
_STAFF = frozenset({Role.STAFF})

#: The batch lifecycle: every legal move, who may make it. Anything else is a conflict.
TRANSITIONS: dict[BatchAction, Transition] = {
    BatchAction.OPEN: Transition(frozenset({BatchStatus.PENDING}), BatchStatus.OPEN, _STAFF),
    BatchAction.PUBLISH: Transition(frozenset({BatchStatus.OPEN}), BatchStatus.READY, _BOTH),
    BatchAction.REOPEN: Transition(frozenset({BatchStatus.READY}), BatchStatus.OPEN, _STAFF),
    BatchAction.START: Transition(frozenset({BatchStatus.READY}), BatchStatus.IN_PROGRESS, _STAFF),
    BatchAction.COMPLETE: Transition(frozenset({BatchStatus.IN_PROGRESS}), BatchStatus.COMPLETED, _STAFF),
    BatchAction.ARCHIVE: Transition(
        frozenset(set(BatchStatus) - {BatchStatus.ARCHIVED}), BatchStatus.ARCHIVED, _STAFF
    ),
}


def allowed_moves() -> set[tuple[BatchStatus, BatchStatus]]:
    """Every (from, to) pair the lifecycle allows, for tests and documentation."""
    return {(src, t.target) for t in TRANSITIONS.values() for src in t.source}


@dataclass(frozen=True, slots=True)
class Decision:
    """What a transition request resolves to: the new status, and whether anything changes."""

    target: BatchStatus
    changed: bool


def decide_transition(
    project: str,
    batch: str,
    current: BatchStatus | str,
    action: BatchAction,
    role: Role,
    annotation_type_count: int,
) -> Decision:
    """Decide a batch move.

    - The role must be allowed to make the move (clients may only publish).
    - Publishing a batch that is already `ready` changes nothing: retries are safe.
    - Publishing from anything but `open` or `ready` is a conflict naming the current status.
    - Opening needs at least one annotation type.
    - Reopening is only possible while annotation has not started, i.e. from `ready`.
    - Every other move not in the table is a conflict naming both statuses.
    """
    current = BatchStatus(current)
    rule = TRANSITIONS[action]
    if role not in rule.roles:
        raise Forbidden(f"only staff may {action.value} a batch", "staff-only")
    if action is BatchAction.PUBLISH:
        if current is BatchStatus.READY:
            return Decision(current, changed=False)
        if current is not BatchStatus.OPEN:
            raise Conflict(
                f"batch {batch} of project {project} is {current.value}; only open batches can be published",
                "illegal-transition",
            )
    if current not in rule.source:
        raise Conflict(
            f"batch {batch} of project {project} cannot move from {current.value} to {rule.target.value}",
            "illegal-transition",
        )
    if action is BatchAction.OPEN and annotation_type_count == 0:
        raise Conflict(
            f"batch {batch} of project {project} has no annotation types; set at least one before opening",
            "no-annotation-types",
        )
    return Decision(rule.target, changed=True)


_TYPES_EDITABLE = frozenset({BatchStatus.PENDING, BatchStatus.OPEN, BatchStatus.READY})


def require_batch_types_editable(project: str, batch: str, status: BatchStatus | str) -> None:
    """A batch's annotation types may change only before annotation starts."""
    if BatchStatus(status) not in _TYPES_EDITABLE:
        raise Conflict(
            f"batch {batch} of project {project} is {BatchStatus(status).value}; annotation types can only "
            "change before annotation starts",
            "batch-types-frozen",
        )


@dataclass(frozen=True, slots=True)
class NewBatch:
    status: BatchStatus
    annotation_types: list[str]


def plan_new_batch(previous_batch_types: Sequence[str] | None, project_defaults: Sequence[str]) -> NewBatch:
    """A new batch inherits the annotation types of the project's latest previous batch (newest
    `created`, ties broken by internal id); a project's first batch inherits the project's default
    types. With nothing to inherit the batch starts `pending` (staff must configure it); otherwise
    it starts `open`."""
    inherited = list(previous_batch_types) if previous_batch_types is not None else list(project_defaults)
    status = BatchStatus.OPEN if inherited else BatchStatus.PENDING
    return NewBatch(status, inherited)


def batches_to_publish_with(open_batches: Iterable[str], new_batch: str) -> list[str]:
    """`create_batch(..., publish_previous_batches=True)` publishes every other open batch of the
    project, in the same transaction as the create."""
    return [b for b in open_batches if b != new_batch]


# --------------------------------------------------------------------------------------------
# Which batch a new input goes to


@dataclass(frozen=True, slots=True)
class BatchChoice:
    batch: str
    status: BatchStatus


def choose_input_batch(project: str, named: str | None, batches: Sequence[BatchChoice]) -> str:
    """Pick the batch for a new input.

    - A named batch must exist in the project (not found otherwise) and be `open` (invalid input
      otherwise, naming its status).
    - With no batch named, the project's open batches decide: exactly one is chosen; none, or two
      or more, is invalid input that says so (listing them, so the caller can name one).
    """
    if named is not None:
        for b in batches:
            if b.batch == named:
                if b.status is not BatchStatus.OPEN:
                    raise InvalidInput(
                        f"batch {named} of project {project} is {b.status.value}; "
                        "only open batches accept inputs",
                        "batch-not-open",
                    )
                return named
        raise NotFound(f"batch {named} not found in project {project}", "batch-not-found")
    open_ = [b.batch for b in batches if b.status is BatchStatus.OPEN]
    if not open_:
        raise InvalidInput(f"project {project} has no open batch", "no-open-batch")
    if len(open_) > 1:
        raise InvalidInput(
            f"project {project} has {len(open_)} open batches ({', '.join(open_)}): name one",
            "several-open-batches",
        )
    return open_[0]
