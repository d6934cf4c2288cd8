"""A request's inputs as the client sees them: where each is in its workflow (its stage: the
phase, with stable ids and a label, and the open task's action), its open task, and its last
delivered version; a page of them costs the same few queries however long it is. Listings are
paginated by a `<created>_<id>` cursor."""

from __future__ import annotations

from annobatch.domain import InputWork, Phase, TaskKind, parse_integer, parse_workflow
from annobatch.domain.errors import InvalidInput
from annobatch.services.delivery_views import RequestInputView, WorkflowStage
from annobatch.services.request_ids import derived_id, request_uid
from annobatch.storage.queries.deliveries import InputCursor
from annobatch.storage.records import BatchRecord, DeliveredRow, InputRecord, OpenTaskRow, ProjectRecord
from annobatch.storage.tables import DEFAULT_WORKFLOW_TEXT
from annobatch.storage.unit_of_work import UnitOfWork


def decode_cursor(value: str | None) -> InputCursor | None:
    """The position a page's `after` (`<created>_<id>`, the previous page's `next_cursor`) names."""
    if value is None or value == "":
        return None
    created, _, input_id = value.partition("_")
    if not input_id:
        raise InvalidInput(f"invalid cursor {value!r}: use the cursor of the previous page", "invalid-cursor")
    return InputCursor(parse_integer(created, "cursorId", minimum=0, code="invalid-cursor"), input_id)


def _workflow(project: ProjectRecord, batch: BatchRecord) -> tuple[Phase, ...]:
    text = batch.workflow or project.workflow or DEFAULT_WORKFLOW_TEXT
    return parse_workflow([p.strip() for p in text.split(",") if p.strip()])


def first_by_type(current: list[DeliveredRow], types: list[str]) -> DeliveredRow | None:
    """Of one input's current versions, the one of the batch's first type that has one; else the
    one of the type first in alphabetical order."""
    if not current:
        return None
    by_type = {r.annotation_type: r for r in current}
    for a in types:
        if a in by_type:
            return by_type[a]
    return by_type[min(by_type)]


def _phase_label(workflow: tuple[Phase, ...], index: int) -> str:
    phase = workflow[index]
    if phase is Phase.REVIEW:
        return f"Review {sum(1 for p in workflow[: index + 1] if p is Phase.REVIEW)}"
    if phase is Phase.INTEGRATION_REVIEW:
        return "Integration review"
    return "Annotate"


def _stage(batch_id: int, workflow: tuple[Phase, ...], phase: int, task: OpenTaskRow | None) -> WorkflowStage:
    index = min(max(task.phase if task is not None else phase, 0), len(workflow) - 1)
    action = None if task is None else TaskKind(task.kind)
    return WorkflowStage(
        phase_index=index,
        phase=workflow[index],
        phase_id=derived_id("phase", batch_id, index),
        phase_definition_id=derived_id("phase-definition", workflow[index].value),
        phase_label=_phase_label(workflow, index),
        action=action,
        action_id=None if action is None else derived_id("action", batch_id, index, action.value),
    )


async def input_views(
    uow: UnitOfWork, project: ProjectRecord, batch: BatchRecord, rows: list[InputRecord]
) -> list[RequestInputView]:
    """The inputs (of one batch) with their open task, stage and last delivered version: three
    queries for the whole list."""
    if not rows:
        return []
    workflow = _workflow(project, batch)
    types = await uow.batches.types(batch.id)
    ids = [r.id for r in rows]
    tasks = await uow.deliveries.open_tasks(ids)
    current: dict[str, list[DeliveredRow]] = {}
    for v in await uow.deliveries.current_of_inputs(ids):
        current.setdefault(v.input_id, []).append(v)
    rid = request_uid(batch.id)
    views = []
    for r in rows:
        task = tasks.get(r.id)
        stage = _stage(batch.id, workflow, r.phase, task)
        last = first_by_type(current.get(r.id, []), types)
        awaiting = (
            stage.phase is Phase.INTEGRATION_REVIEW
            and task is None
            and r.work_status != InputWork.COMPLETED.value
            and last is not None
        )
        views.append(
            RequestInputView(r, rid, workflow, stage, task, None if last is None else last.id, awaiting)
        )
    return views
