"""How scenes and their inputs move, and what an uploaded file must look like."""

from __future__ import annotations

import enum
from collections.abc import Sequence

from annobatch.domain.batches import (
    BatchChoice,
    BatchStatus,
    choose_input_batch,
)
from annobatch.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
)
from annobatch.domain.scenes import (
    ResourceKind,
)

# Statuses


__all__ = [
    "INVALIDATION_REASONS",
    "SCENE_MOVES",
    "SceneStatus",
    "abandon_needed",
    "abandoned_message",
    "check_file_content",
    "choose_batch_at_commit",
    "commit_needed",
    "initial_scene_status",
    "invalidation_changes",
    "invalidation_status",
    "is_stale_pending",
    "require_all_uploaded",
    "require_input_removable",
    "require_scene_accepts_inputs",
    "require_scene_accepts_uploads",
    "require_scene_move",
    "require_scene_retargetable",
]


class SceneStatus(enum.StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    CREATED = "created"
    FAILED = "failed"
    INVALIDATED_BROKEN_INPUT = "invalidated:broken-input"
    INVALIDATED_DUPLICATE = "invalidated:duplicate"
    INVALIDATED_INCORRECTLY_CREATED = "invalidated:incorrectly-created"
    #: Never committed, and never will be: its files were removed, it has no input.
    ABANDONED = "abandoned"
    #: Described only: its files are cloud resources left in the organization's bucket until it
    #: is imported (→ processing → created or failed); a created one can be reindexed.
    INDEXED = "indexed"

    @property
    def is_invalidated(self) -> bool:
        return self.value.startswith("invalidated:")

    @property
    def wire_status(self) -> str:
        """The status the official client is shown. It knows no `abandoned`: an abandoned scene is
        `failed` to it, a scene that will never be created (its message says abandoned)."""
        return SceneStatus.FAILED.value if self is SceneStatus.ABANDONED else self.value


_INVALIDATED = frozenset(s for s in SceneStatus if s.is_invalidated)

#: How a scene moves: pending (waiting for its files) → processing (files checked) → created or
#: failed; a pending scene can be abandoned instead; any scene but an abandoned one can be
#: invalidated. A scene of cloud resources may start indexed (imported: → processing) and a
#: created one of them may go back to indexed (reindexed). Invalidation and abandonment are final.
#: An input follows its scene.
SCENE_MOVES: dict[SceneStatus, frozenset[SceneStatus]] = {
    SceneStatus.PENDING: frozenset({SceneStatus.PROCESSING, SceneStatus.ABANDONED}) | _INVALIDATED,
    SceneStatus.PROCESSING: frozenset({SceneStatus.CREATED, SceneStatus.FAILED}) | _INVALIDATED,
    SceneStatus.CREATED: frozenset({SceneStatus.INDEXED}) | _INVALIDATED,
    SceneStatus.INDEXED: frozenset({SceneStatus.PROCESSING}) | _INVALIDATED,
    SceneStatus.FAILED: _INVALIDATED,
    SceneStatus.ABANDONED: frozenset(),
    **{s: frozenset() for s in _INVALIDATED},
}

INVALIDATION_REASONS: dict[str, SceneStatus] = {
    "bad-content": SceneStatus.INVALIDATED_BROKEN_INPUT,
    "duplicate": SceneStatus.INVALIDATED_DUPLICATE,
    "incorrectly-created": SceneStatus.INVALIDATED_INCORRECTLY_CREATED,
}


def require_scene_move(scene: str, current: SceneStatus | str, target: SceneStatus) -> None:
    current = SceneStatus(current)
    if target not in SCENE_MOVES[current]:
        raise Conflict(
            f"scene {scene} cannot move from {current.value} to {target.value}", "illegal-scene-transition"
        )


def invalidation_status(reason: str) -> SceneStatus:
    """The reasons the official client sends, and the status each leaves behind."""
    try:
        return INVALIDATION_REASONS[reason]
    except KeyError:
        allowed = ", ".join(INVALIDATION_REASONS)
        raise InvalidInput(
            f"unknown invalidation reason {reason!r}: one of {allowed}", "invalid-reason"
        ) from None


def invalidation_changes(status: SceneStatus | str) -> bool:
    """Invalidating a scene that is invalidated already changes nothing; nor does invalidating an
    abandoned one, which has neither input nor files left."""
    status = SceneStatus(status)
    return not (status.is_invalidated or status is SceneStatus.ABANDONED)


def initial_scene_status(uploads: int) -> SceneStatus:
    """A scene with files to upload waits for them (`pending`, until its commit); a scene with none
    (`files: {}`, when the client will send no commit) is complete at once."""
    return SceneStatus.PENDING if uploads else SceneStatus.CREATED


def commit_needed(scene: str, status: SceneStatus | str) -> bool:
    """Commit is idempotent: a pending or processing scene is (re)processed, a created or failed
    one is left as it is; an invalidated or abandoned scene cannot be committed."""
    status = SceneStatus(status)
    if status.is_invalidated:
        raise Conflict(f"scene {scene} is {status.value}; it cannot be committed", "scene-invalidated")
    if status is SceneStatus.ABANDONED:
        raise Conflict(
            f"scene {scene} was abandoned and its files removed; it cannot be committed: "
            "create the scene again",
            "scene-abandoned",
        )
    return status in (SceneStatus.PENDING, SceneStatus.PROCESSING)


_RECOVER = "retarget the scene to an open batch, or abandon it"


def choose_batch_at_commit(
    scene: str, project: str, named: str | None, batches: Sequence[BatchChoice]
) -> str:
    """The batch a scene's input goes to when the scene is committed.

    - A scene whose create named its batch goes to that batch, which must still be open.
    - A scene whose create named none has its batch chosen again, as a new input's is
      (`choose_input_batch`): the batch chosen at create may have been published since.
    - A refusal says how to go on: retarget the scene (name another project or batch) or abandon it.
    """
    try:
        return choose_input_batch(project, named, batches)
    except (InvalidInput, NotFound) as e:
        raise type(e)(f"{e.message}; scene {scene} cannot be committed: {_RECOVER}", e.code) from None


def require_all_uploaded(scene: str, missing: Sequence[str]) -> None:
    """Every file of a scene must have arrived before it is committed."""
    if missing:
        shown = ", ".join(missing[:20]) + (f" and {len(missing) - 20} more" if len(missing) > 20 else "")
        raise InvalidInput(
            f"scene {scene} is missing {len(missing)} file{'s' if len(missing) > 1 else ''}: {shown}; "
            "upload them to their URLs, then commit again",
            "missing-files",
        )


def require_scene_accepts_uploads(scene: str, status: SceneStatus | str) -> None:
    """Files can be uploaded (and uploaded again) only while the scene is pending: once it is
    committed, what was checked is what stays."""
    if SceneStatus(status) is not SceneStatus.PENDING:
        raise Conflict(
            f"scene {scene} is {SceneStatus(status).value}; files can only be uploaded before it is "
            "committed: create a new scene for other files",
            "scene-not-pending",
        )


def require_scene_retargetable(scene: str, status: SceneStatus | str) -> None:
    """Only a pending scene (not yet committed) can be given another project or batch; a created
    one is placed in more batches as an input instead."""
    if SceneStatus(status) is not SceneStatus.PENDING:
        raise Conflict(
            f"scene {scene} is {SceneStatus(status).value}; only a pending scene (not yet committed) "
            "can be retargeted",
            "scene-not-pending",
        )


def abandon_needed(scene: str, status: SceneStatus | str) -> bool:
    """A pending scene can be abandoned: its files are removed and it never gets an input.
    Abandoning an abandoned scene changes nothing; any other scene is past abandoning (invalidate
    it instead)."""
    status = SceneStatus(status)
    if status is SceneStatus.ABANDONED:
        return False
    if status is not SceneStatus.PENDING:
        raise Conflict(
            f"scene {scene} is {status.value}; only a pending scene (not yet committed) can be "
            "abandoned: invalidate it instead",
            "scene-not-pending",
        )
    return True


def abandoned_message(why: str) -> str:
    """What an abandoned scene's error message says."""
    return f"abandoned ({why}); its files were removed: create the scene again to annotate it"


def is_stale_pending(status: SceneStatus | str, updated: int, now: int, retention: int) -> bool:
    """A pending scene that has not changed (no upload, no retarget) for longer than the retention
    is stale: its client went away without committing, and the sweep abandons it. Times in the
    same unit, retention included."""
    return SceneStatus(status) is SceneStatus.PENDING and now - updated > retention


def require_scene_accepts_inputs(scene: str, status: SceneStatus | str) -> None:
    """Only a created scene can be placed in another batch, or an indexed one (its input waits,
    indexed too, until the scene is imported)."""
    if SceneStatus(status) not in (SceneStatus.CREATED, SceneStatus.INDEXED):
        raise InvalidInput(
            f"scene {scene} is {SceneStatus(status).value}; only created scenes can be added to a batch",
            "scene-not-created",
        )


def require_input_removable(project: str, batch: str, status: BatchStatus | str) -> None:
    """An archived batch accepts nothing, not even the removal of an input."""
    if BatchStatus(status) is BatchStatus.ARCHIVED:
        raise Conflict(
            f"batch {batch} of project {project} is archived; its inputs cannot change", "batch-archived"
        )


# What an uploaded file must look like

_IMAGE_MAGIC: tuple[tuple[int, bytes], ...] = (
    (0, b"\xff\xd8\xff"),  # JPEG
    (0, b"\x89PNG\r\n\x1a\n"),
    (8, b"WEBP"),
    (4, b"ftypavif"),
    (4, b"ftypavis"),
)


def check_file_content(
    kind: ResourceKind, resource_id: str, filename: str, head: bytes, size: int
) -> str | None:
    """A quick look at a file's first bytes: an image is a JPEG, PNG, WebP or AVIF; a point cloud is
    PCD, LAS/LAZ or CSV text. Answers what is wrong, or None."""
    if size == 0:
        return f"file {resource_id} is empty"
    if kind is ResourceKind.IMAGE:
        if any(head[at : at + len(m)] == m for at, m in _IMAGE_MAGIC):
            return None
        return f"file {resource_id} is not a JPEG, PNG, WebP or AVIF image"
    if head.startswith(b"LASF"):
        return None
    text = head.lstrip(b"\xef\xbb\xbf")
    if filename.lower().endswith(".pcd"):
        if text.startswith((b"#", b"VERSION", b"FIELDS")):
            return None
        return f"file {resource_id} is not a PCD point cloud"
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(text) - 4:  # a character cut at the end of the head is fine
            return f"file {resource_id} is not a PCD, LAS/LAZ or CSV point cloud"
    return None
