"""What follows a finished task (`domain.after_task`'s `Next`, or the client's review's): the next
task of the workflow, or the delivery of the input's latest versions and, unless the client's
integration review is pending, the input's completion (and its batch's, with the last input)."""

from __future__ import annotations

from collections.abc import Sequence

from annobatch import domain
from annobatch.domain import InputWork, Next, TaskKind, TaskStatus
from annobatch.services.identity import Caller
from annobatch.services.work_progress import SYSTEM, new_task
from annobatch.services.work_transactions import (
    NeedBatchLocks,
    check_completion_locked,
    input_event,
    needs_escalation,
    task_event,
)
from annobatch.services.workforce import workflow_of
from annobatch.storage.records import InputRecord, ReviewRecord, TaskRecord
from annobatch.storage.unit_of_work import UnitOfWork


async def proceed(
    uow: UnitOfWork,
    held: frozenset[int],
    caller: Caller,
    inp: InputRecord,
    nxt: Next,
    now: int,
    review: ReviewRecord | None = None,
) -> None:
    """What follows a finished task: the next task, or delivery."""
    if nxt.task is not None:
        assignee = None
        if nxt.task is TaskKind.CORRECT:
            assignee = await _annotator(uow, inp)
        task = await uow.tasks.insert(
            new_task(inp, nxt.task, nxt.phase, assignee=assignee, review_id=review.id if review else None)
        )
        await uow.inputs.set_work(inp.id, InputWork.IN_PROGRESS.value, nxt.phase, now, inp.completed)
        await task_event(uow, SYSTEM, task, inp, "task.created", assignee=assignee)
        return
    await _deliver(uow, held, caller, inp, nxt, now)


async def _deliver(
    uow: UnitOfWork, held: frozenset[int], caller: Caller, inp: InputRecord, nxt: Next, now: int
) -> None:
    """Deliver the input's latest version of each type; complete it unless the client's
    integration review is pending."""
    if nxt.completes_input and needs_escalation(uow, inp.batch_id, held):
        raise NeedBatchLocks(inp.batch_id)
    versions = list((await uow.annotation_versions.latest(inp.id)).values())
    await uow.annotation_versions.deliver(versions, now, nxt.preliminary)
    await input_event(
        uow, SYSTEM, inp, "annotation.delivered",
        annotations={v.annotation_type: v.id for v in versions}, preliminary=nxt.preliminary,
    )  # fmt: skip
    if nxt.completes_input:
        await uow.inputs.set_work(inp.id, InputWork.COMPLETED.value, inp.phase, now, now)
        await input_event(uow, SYSTEM, inp, "input.completed")
        await check_completion_locked(uow, held, caller.org, inp.batch_id)
    else:
        await uow.inputs.set_work(inp.id, InputWork.IN_PROGRESS.value, nxt.phase, now, inp.completed)


async def _annotator(uow: UnitOfWork, inp: InputRecord) -> int | None:
    """Who made the input's latest annotation (a correction goes back to them), if they are
    still a member of the project's workforce."""
    done = [
        t
        for t in await uow.tasks.of_input(inp.id)
        if t.kind != TaskKind.REVIEW and t.status == TaskStatus.DONE and t.holder is not None
    ]
    if not done:
        return None
    holder = done[-1].holder
    assert holder is not None
    return holder if await uow.workforce.is_member(inp.project_id, holder) else None


async def task_workflow(uow: UnitOfWork, task: TaskRecord) -> tuple[domain.Phase, ...]:
    """The workflow the task's input follows (its batch's, else its project's)."""
    project = await uow.projects.by_id(task.project_id)
    return workflow_of(project, await uow.batches.record(task.batch_id))


def may_complete(workflow: Sequence[domain.Phase], task: TaskRecord) -> bool:
    """Whether finishing this task may complete its input (then its batch is locked from the start)."""
    try:
        nxt = domain.after_task(workflow, task.phase, TaskKind(task.kind))
    except ValueError:
        return False
    return nxt.completes_input
