"""The client's reads of the annotation work (`DeliveryService`): requests and their progress,
request inputs with their stage and task, delivered annotations by every route the official
client takes, reviews; tenancy (organization, workspace, workforce) on each."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec
import pytest
from kognic.io.model.input.request_input import RequestInput

from annobatch import presenters
from annobatch.domain import InvalidInput, NotFound, Phase, TaskKind
from annobatch.services import deliveries, request_ids
from annobatch.services.deliveries import DeliveryService, ProgressCounts, project_uuid, request_uid
from annobatch.services.identity import Caller
from annobatch.storage.database import Database
from annobatch.storage.records import BatchRecord
from annobatch.storage.unit_of_work import UnitOfWork
from delivery_seeds import Seed, client_of, openlabel, workforce_of
from work_world import WorkWorld
from work_world import openlabel as work_document

OD, LANES = "object-detection", "lanes"
WORK_DOCS = {"od": work_document("car"), "lanes": work_document()}


@pytest.fixture
def seed(db: Database, runner: asyncio.Runner, tmp_path: Path) -> Seed:
    return Seed(db, runner, tmp_path / "blobs")


@pytest.fixture
def svc(seed: Seed) -> DeliveryService:
    return DeliveryService(seed.db, seed.store)


class World:
    """acme with two workspaces, project p1 (types od, lanes) and batches b1, b2; globex beside."""

    def __init__(self, seed: Seed) -> None:
        self.seed = seed
        self.org, self.ws = seed.org("acme")
        self.ws2 = seed.workspace(self.org, "second")
        self.project = seed.project(self.org, "p1", [OD, LANES])
        self.b1 = seed.batch(self.org, "p1", "b1", title="First")
        self.b2 = seed.batch(self.org, "p1", "b2", title="Second")
        self.client = client_of(self.org)
        self.stranger, _ = seed.org("globex")

    def input(self, batch: BatchRecord | None = None, ws: str | None = None, **kw: Any) -> tuple[str, str]:
        """A scene and its input: (scene id, input id)."""
        s = self.seed.scene(self.org, ws or self.ws)
        return s, self.seed.input(batch or self.b1, s, org=self.org, **kw)

    def version(
        self, scene: str, input_id: str, kind: str = OD, batch: BatchRecord | None = None, **kw: Any
    ) -> str:
        return self.seed.version(batch or self.b1, input_id, scene, kind, org=self.org, **kw)


@pytest.fixture
def w(seed: Seed) -> World:
    return World(seed)


def run(seed: Seed, coro: Coroutine[Any, Any, Any]) -> Any:
    return seed.run(coro)


def not_found(seed: Seed, coro: Coroutine[Any, Any, Any]) -> str:
    with pytest.raises(NotFound) as e:
        seed.run(coro)
    return e.value.code


# ------------------------------------------------------------------ ids


def test_request_uids_keep_their_published_values_and_project_uuids_are_stable_and_distinct() -> None:
    assert request_uid(1) == str(uuid.uuid5(uuid.UUID("6f1f3c52-8c51-4a4e-9d0e-6a1bd8a3e0c1"), "batch:1"))
    assert project_uuid(1) == project_uuid(1) != project_uuid(2)
    assert project_uuid(1) != request_uid(1)


# ------------------------------------------------------------------ requests


def test_a_projects_requests_by_external_id_or_uuid_with_progress_counts(
    seed: Seed, svc: DeliveryService, w: World
) -> None:
    w.input(work_status="completed")
    w.input(work_status="in_progress")
    w.input()
    w.input(status="failed")
    w.input(w.b2, ws=w.ws2, work_status="in_progress")

    plain = run(seed, svc.requests(w.client, "p1"))
    assert [(r.request_id, r.title, r.created, r.counts) for r in plain] == [
        (request_uid(w.b1.id), "First", w.b1.created, None),
        (request_uid(w.b2.id), "Second", w.b2.created, None),
    ]
    assert {r.project_uuid for r in plain} == {project_uuid(w.project.id)}
    assert plain[0].project.external_id == "p1" and plain[0].batch.id == w.b1.id

    counted = run(seed, svc.requests(w.client, project_uuid(w.project.id), with_counts=True))
    assert [r.counts for r in counted] == [ProgressCounts(1, 1, 1), ProgressCounts(0, 1, 0)]
    assert counted[0].counts is not None and counted[0].counts.total == 3
    # A credential bound to a workspace counts only its workspace's inputs.
    bound = run(seed, svc.requests(client_of(w.org, w.ws2), "p1", with_counts=True))
    assert [r.counts for r in bound] == [ProgressCounts(), ProgressCounts(0, 1, 0)]


def test_requests_of_a_project_that_is_not_the_callers_are_404(
    seed: Seed, svc: DeliveryService, w: World
) -> None:
    other = client_of(w.stranger)
    assert not_found(seed, svc.requests(other, "p1")) == "project-not-found"
    assert not_found(seed, svc.requests(other, project_uuid(w.project.id))) == "project-not-found"
    assert not_found(seed, svc.requests(w.client, project_uuid(w.project.id + 1000))) == "project-not-found"
    assert not_found(seed, svc.requests(w.client, "nope")) == "project-not-found"
    assert run(seed, svc.requests(w.client, "p1"))  # its own


def test_progress_counts_are_one_query_however_many_requests(
    seed: Seed, svc: DeliveryService, w: World
) -> None:
    for i in range(6):
        b = seed.batch(w.org, "p1", f"extra{i}")
        w.input(b, work_status="completed")
    counts = count_statements(seed, lambda: svc.requests(w.client, "p1", with_counts=True))
    plain = count_statements(seed, lambda: svc.requests(w.client, "p1"))
    assert counts == plain + 1


# ------------------------------------------------------------------ request inputs


def test_request_inputs_show_stage_task_and_last_delivered_annotation(
    seed: Seed, svc: DeliveryService, w: World
) -> None:
    s1, fresh = w.input()
    seed.task(w.b1, fresh, org=w.org, assignee=11)
    _, reviewing = w.input(work_status="in_progress", phase=1)
    seed.task(w.b1, reviewing, org=w.org, status="done")
    task = seed.task(
        w.b1, reviewing, org=w.org, kind="review", phase=1, status="ongoing", assignee=3, holder=12
    )
    s3, done = w.input(work_status="completed", phase=1, completed=seed.tick())
    w.version(s3, done, OD, current=False)
    lanes = w.version(s3, done, LANES)
    od = w.version(s3, done, OD)

    views, cursor = run(seed, svc.request_inputs(w.client, request_uid(w.b1.id)))
    assert cursor is None
    assert [v.id for v in views] == [fresh, reviewing, done]
    first, second, third = views
    assert {v.request_id for v in views} == {request_uid(w.b1.id)}
    assert (first.status, first.scene_id, first.task_is_ongoing, first.task_assigned_user_id) == (
        "not_started",
        s1,
        False,
        11,
    )
    assert first.stage.phase is Phase.ANNOTATE and first.stage.action is TaskKind.ANNOTATE
    assert first.stage.name == "Annotate: Annotate"
    assert first.completed_at is None and first.last_completed_annotation_id is None
    assert first.last_updated_at == first.created_at

    assert second.task is not None and second.task.id == task
    assert (second.status, second.task_is_ongoing, second.task_assigned_user_id) == ("in_progress", True, 12)
    assert (second.stage.phase, second.stage.phase_index, second.stage.name) == (
        Phase.REVIEW,
        1,
        "Review 1: Review",
    )
    assert second.stage.phase_definition_id != first.stage.phase_definition_id
    assert not second.available_for_integration_review

    assert third.task is None and third.stage.action is None and third.stage.name == "Review 1"
    assert third.completed_at is not None and third.status == "completed"
    assert third.last_completed_annotation_id == od  # the batch's first type that has one
    assert lanes != od


def test_request_inputs_are_paged_and_filtered_by_scene(seed: Seed, svc: DeliveryService, w: World) -> None:
    made = [w.input() for _ in range(5)]
    w.input(status="invalidated:duplicate")
    rid = request_uid(w.b1.id)
    page, cursor = run(seed, svc.request_inputs(w.client, rid, limit=2))
    seen = [v.id for v in page]
    while cursor is not None:
        page, cursor = run(seed, svc.request_inputs(w.client, rid, after=cursor, limit=2))
        seen += [v.id for v in page]
    assert seen == [i for _, i in made]
    only, cursor = run(seed, svc.request_inputs(w.client, rid, scene_id=made[3][0]))
    assert [v.id for v in only] == [made[3][1]] and cursor is None
    with pytest.raises(InvalidInput):
        run(seed, svc.request_inputs(w.client, rid, after="garbage"))
    with pytest.raises(InvalidInput):
        run(seed, svc.request_inputs(w.client, "not-a-uuid"))


def test_a_page_of_request_inputs_costs_the_same_number_of_queries_however_long(
    seed: Seed, svc: DeliveryService, w: World
) -> None:
    def fill(batch: BatchRecord, n: int) -> None:
        for _ in range(n):
            s, i = w.input(batch, work_status="in_progress")
            seed.task(batch, i, org=w.org, status="ongoing", holder=1)
            w.version(s, i, OD, batch=batch)

    fill(w.b1, 2)
    fill(w.b2, 30)
    # Request ids are resolved through a process-wide map that other tests leave in any state:
    # resolve both first, so that what is counted is the page alone.
    run(seed, svc.request_inputs(w.client, request_uid(w.b1.id)))
    run(seed, svc.request_inputs(w.client, request_uid(w.b2.id)))
    short = count_statements(seed, lambda: svc.request_inputs(w.client, request_uid(w.b1.id)))
    long = count_statements(seed, lambda: svc.request_inputs(w.client, request_uid(w.b2.id)))
    assert short == long


def test_integration_review_is_awaited_when_a_preliminary_annotation_is_delivered(
    seed: Seed, svc: DeliveryService, w: World
) -> None:
    seed.set_workflow(w.b2, "annotate,review,integration-review")
    s, i = w.input(w.b2, work_status="in_progress", phase=2)
    a = w.version(s, i, OD, batch=w.b2, preliminary=True)
    view = run(seed, svc.request_input(w.client, i))
    assert view.workflow == (Phase.ANNOTATE, Phase.REVIEW, Phase.INTEGRATION_REVIEW)
    assert view.stage.phase is Phase.INTEGRATION_REVIEW and view.stage.name == "Integration review"
    assert view.available_for_integration_review and view.last_completed_annotation_id == a
    # Rejected by the client: a correct task is open, and the integration review is no longer awaited.
    seed.task(w.b2, i, org=w.org, kind="correct", phase=0)
    view = run(seed, svc.request_input(w.client, i))
    assert view.stage.phase is Phase.ANNOTATE and view.stage.action is TaskKind.CORRECT
    assert not view.available_for_integration_review


def test_a_request_input_by_id_within_the_callers_scope(seed: Seed, svc: DeliveryService, w: World) -> None:
    _, mine = w.input(status="invalidated:duplicate")  # found by id whatever its status
    _, theirs = w.input(ws=w.ws2)
    assert run(seed, svc.request_input(w.client, mine)).id == mine
    bound = client_of(w.org, w.ws)
    assert run(seed, svc.request_input(bound, mine)).id == mine
    assert not_found(seed, svc.request_input(bound, theirs)) == "input-not-found"
    assert not_found(seed, svc.request_input(client_of(w.stranger), mine)) == "input-not-found"


def test_a_request_of_another_organization_is_404(seed: Seed, svc: DeliveryService, w: World) -> None:
    seed.project(w.stranger, "p9", [OD])
    theirs = seed.batch(w.stranger, "p9", "b9")
    assert not_found(seed, svc.request_inputs(w.client, request_uid(theirs.id))) == "request-not-found"
    assert not_found(seed, svc.request_inputs(w.client, request_uid(10_000))) == "request-not-found"
    views, _ = run(seed, svc.request_inputs(client_of(w.stranger), request_uid(theirs.id)))
    assert views == []
    # A batch made after its organization's uids were computed is found too.
    later = seed.batch(w.org, "p1", "b3")
    assert run(seed, svc.request_inputs(w.client, request_uid(later.id))) == ([], None)


# ------------------------------------------------------------------ annotations


def test_an_annotation_by_id_is_any_delivered_version(seed: Seed, svc: DeliveryService, w: World) -> None:
    s, i = w.input(work_status="in_progress")
    old = w.version(s, i, OD, current=False, note="old")
    prelim = w.version(s, i, OD, preliminary=True, note="new")
    submitted = w.version(s, i, LANES, delivered=False)

    a = run(seed, svc.annotation(w.client, prelim))
    assert (a.id, a.input_id, a.scene_id, a.annotation_type, a.is_preliminary) == (prelim, i, s, OD, True)
    assert a.request_id == request_uid(w.b1.id) and a.created == a.row.delivered
    assert a.blob_key == f"annotations/{prelim}.json"
    assert run(seed, svc.content(a)) == openlabel("new")
    superseded = run(seed, svc.annotation(w.client, old))
    assert superseded.is_preliminary is False and run(seed, svc.content(superseded)) == openlabel("old")
    assert not_found(seed, svc.annotation(w.client, submitted)) == "annotation-not-found"
    assert not_found(seed, svc.annotation(client_of(w.stranger), prelim)) == "annotation-not-found"
    assert not_found(seed, svc.annotation(client_of(w.org, w.ws2), prelim)) == "annotation-not-found"


def test_for_input_answers_the_batchs_first_annotation_type_that_has_a_current_version(
    seed: Seed, svc: DeliveryService, w: World
) -> None:
    seed.batch_types(w.b1, [LANES, OD])
    s, i = w.input(work_status="completed")
    assert not_found(seed, svc.for_input(w.client, i)) == "annotation-not-found"
    od = w.version(s, i, OD)
    assert run(seed, svc.for_input(w.client, i)).id == od
    lanes = w.version(s, i, LANES)
    assert run(seed, svc.for_input(w.client, i)).id == lanes
    # A type no longer in the batch: the first in alphabetical order.
    seed.batch_types(w.b1, ["something-else"])
    assert run(seed, svc.for_input(w.client, i)).id == lanes
    assert not_found(seed, svc.for_input(client_of(w.stranger), i)) == "input-not-found"


def test_for_scene_lists_the_current_versions_of_every_input_of_the_scene(
    seed: Seed, svc: DeliveryService, w: World
) -> None:
    s, i1 = w.input(work_status="completed")
    i2 = seed.input(w.b2, s, org=w.org, work_status="completed")
    assert run(seed, svc.for_scene(w.client, s)) == []
    a = w.version(s, i1, OD)
    b = w.version(s, i1, LANES)
    c = w.version(s, i2, OD, batch=w.b2)
    w.version(s, i2, LANES, batch=w.b2, delivered=False)
    found = run(seed, svc.for_scene(w.client, s))
    assert [x.id for x in found] == [a, b, c]
    assert [x.request_id for x in found] == [request_uid(w.b1.id)] * 2 + [request_uid(w.b2.id)]
    # The newest delivery of the type, whichever input it came from.
    assert run(seed, svc.for_scene_and_type(w.client, s, OD)).id == c
    assert run(seed, svc.for_scene_and_type(w.client, s, LANES)).id == b
    assert not_found(seed, svc.for_scene_and_type(w.client, s, "other")) == "annotation-not-found"
    assert not_found(seed, svc.for_scene(client_of(w.stranger), s)) == "scene-not-found"
    assert not_found(seed, svc.for_scene(client_of(w.org, w.ws2), s)) == "scene-not-found"


def test_a_projects_annotations_page_by_page(seed: Seed, svc: DeliveryService, w: World) -> None:
    made: dict[str, int] = {}
    for n in range(7):
        batch = w.b1 if n < 3 else w.b2
        s, i = w.input(batch, work_status="completed")
        made[w.version(s, i, OD, batch=batch)] = batch.id
        w.version(s, i, LANES, batch=batch)

    def everything(**kw: Any) -> list[str]:
        seen: list[str] = []
        after = None
        while True:
            page = run(seed, svc.project_annotations(w.client, "p1", OD, after=after, limit=2, **kw))
            seen += [a.id for a in page.items]
            assert len(page.items) <= 2
            if page.next_cursor is None:
                return seen
            after = page.next_cursor

    assert everything() == sorted(made)
    assert everything(batch="b1") == sorted(a for a, b in made.items() if b == w.b1.id)
    page = run(seed, svc.project_annotations(w.client, project_uuid(w.project.id), OD))
    assert [a.id for a in page.items] == sorted(made) and page.next_cursor is None
    assert {a.annotation_type for a in page.items} == {OD}
    assert run(seed, svc.project_annotations(w.client, "p1", "no-such-type")).items == []
    assert not_found(seed, svc.project_annotations(w.client, "p1", OD, batch="nope")) == "batch-not-found"
    assert not_found(seed, svc.project_annotations(client_of(w.stranger), "p1", OD)) == "project-not-found"
    with pytest.raises(InvalidInput):
        run(seed, svc.project_annotations(w.client, "p1", OD, after="not-an-id"))


# ------------------------------------------------------------------ reviews, error types


def test_a_review_with_its_feedback_and_the_names_of_its_error_types(
    seed: Seed, svc: DeliveryService, w: World
) -> None:
    s, i = w.input(work_status="in_progress", phase=1)
    a = w.version(s, i, OD)
    feedback = [{"errorTypeId": "missing-object", "description": "a car", "frameId": "1"}]
    rid = seed.review(
        i, org=w.org, project_id=w.project.id, annotation_id=a, feedback=feedback, workflow="correct"
    )
    found = run(seed, svc.review(w.client, rid))
    assert found.review.id == rid and found.review.annotation_id == a and found.review.accepted is False
    assert found.feedback == feedback
    view = run(seed, svc.request_input(w.client, i))
    assert found.phase_id == view.stage.phase_id
    assert set(found.error_type_names) == {e.id for e in run(seed, svc.error_types())}
    assert not_found(seed, svc.review(client_of(w.org, w.ws2), rid)) == "review-not-found"
    assert not_found(seed, svc.review(client_of(w.stranger), rid)) == "review-not-found"

    assert run(seed, svc.auto_reviews(w.client, i)) == []
    assert not_found(seed, svc.auto_reviews(client_of(w.stranger), i)) == "input-not-found"


def test_every_client_read_is_404_for_workforce_credentials(
    seed: Seed, svc: DeliveryService, w: World
) -> None:
    s, i = w.input(work_status="completed")
    a = w.version(s, i, OD)
    rid = seed.review(i, org=w.org, project_id=w.project.id, annotation_id=a)
    crew = workforce_of(w.org)
    reads: list[Callable[[Caller], Coroutine[Any, Any, Any]]] = [
        lambda c: svc.requests(c, "p1", with_counts=True),
        lambda c: svc.request_inputs(c, request_uid(w.b1.id)),
        lambda c: svc.request_input(c, i),
        lambda c: svc.annotation(c, a),
        lambda c: svc.for_input(c, i),
        lambda c: svc.for_scene(c, s),
        lambda c: svc.for_scene_and_type(c, s, OD),
        lambda c: svc.project_annotations(c, "p1", OD),
        lambda c: svc.review(c, rid),
        lambda c: svc.auto_reviews(c, i),
        lambda c: svc.error_types(c),
    ]
    for read in reads:
        run(seed, read(w.client))  # the organization's client reads it
        not_found(seed, read(crew))


# ------------------------------------------------------------------ helpers


def count_statements(seed: Seed, call: Callable[[], Coroutine[Any, Any, Any]]) -> int:
    """How many statements one service call runs."""
    counted = 0
    original = deliveries.reading

    class Counting:
        def __init__(self, tx: Any) -> None:
            self.tx = tx

        def __getattr__(self, name: str) -> Any:
            attr = getattr(self.tx, name)
            if not name.startswith(("fetch", "execute")):
                return attr

            async def counted_call(*args: Any, **kw: Any) -> Any:
                nonlocal counted
                counted += 1
                return await attr(*args, **kw)

            return counted_call

    @asynccontextmanager
    async def reading(db: Database) -> AsyncIterator[UnitOfWork]:
        async with db.transaction() as tx:
            yield UnitOfWork(Counting(tx))  # type: ignore[arg-type]

    deliveries.reading = reading  # type: ignore[assignment]
    try:
        seed.run(call())
    finally:
        deliveries.reading = original  # type: ignore[assignment]
    return counted


def test_the_wire_model_of_the_official_client_can_be_filled_from_a_view(
    seed: Seed, svc: DeliveryService, w: World
) -> None:
    """Everything `RequestInput` needs is on the view (a smoke test of the shape H2 presents)."""
    _, i = w.input(work_status="in_progress")
    seed.task(w.b1, i, org=w.org, status="ongoing", holder=5)
    v = run(seed, svc.request_input(w.client, i))
    body = {
        "id": v.id,
        "requestId": v.request_id,
        "sceneId": v.scene_id,
        "status": v.status,
        "createdAt": presenters.strict_timestamp(v.created_at),
        "lastUpdatedAt": presenters.strict_timestamp(v.last_updated_at),
        "progressDetails": {
            "currentWorkflowStage": {
                "phase": {
                    "id": v.stage.phase_id,
                    "name": v.stage.phase_label,
                    "phaseDefinition": {"id": v.stage.phase_definition_id, "name": v.stage.phase.value},
                },
                "action": {"id": v.stage.action_id, "name": v.stage.action.value if v.stage.action else None},
                "name": v.stage.name,
            },
            "currentTask": {
                "taskId": v.task.id if v.task else None,
                "isOngoing": v.task_is_ongoing,
                "taskType": v.task.kind if v.task else None,
                "assignedUserId": v.task_assigned_user_id,
            },
            "availableForIntegrationReview": v.available_for_integration_review,
        },
    }
    parsed = RequestInput.from_json(msgspec.json.decode(msgspec.json.encode(body)))
    assert parsed.progress_details is not None and parsed.progress_details.current_task is not None
    assert parsed.progress_details.current_task.assigned_user_id == 5
    assert parsed.progress_details.current_task.is_ongoing is True
    assert parsed.progress_details.current_workflow_stage.name == "Annotate: Annotate"


def test_an_unknown_uid_derives_an_organizations_ids_again_only_once_they_changed(seed: Seed) -> None:
    index = request_ids._UuidIndex(request_uid)
    derived: list[int] = []
    census = [(2, 2)]

    async def every_id() -> list[int]:
        derived.append(1)
        return list(range(1, census[0][1] + 1))

    async def count() -> tuple[int, int]:
        return census[0]

    async def find(key: str) -> int | None:
        return await index.find(key, 1, count, every_id)

    assert seed.run(find(request_uid(2))) == 2 and len(derived) == 1
    assert seed.run(find(request_uid(1))) == 1 and len(derived) == 1  # remembered
    assert seed.run(find(request_uid(3))) is None and len(derived) == 1  # nothing changed since
    census[0] = (3, 3)  # a batch made since
    assert seed.run(find(request_uid(3))) == 3 and len(derived) == 2


# ------------------------------------------------------------------ through the work services


@pytest.fixture
def ww(db: Database, runner: asyncio.Runner, tmp_path: Path) -> WorkWorld:
    return WorkWorld(db, runner, tmp_path / "work-blobs")


def test_what_the_work_services_deliver_the_client_reads(ww: WorkWorld) -> None:
    """annotate → review (accepted) → delivered: every read follows the input along."""
    svc = DeliveryService(ww.db, ww.store)
    (iid,) = ww.inputs(1)
    client = ww.client()
    rid = request_uid(ww.run(ww.ops.batches.get_batch(ww.staff, "p1", "b1")).batch.id)

    def view() -> Any:
        return ww.run(svc.request_input(client, iid))

    v = view()
    assert (v.status, v.stage.name, v.task is not None and v.task.status) == (
        "not_started",
        "Annotate: Annotate",
        "todo",
    )
    ww.publish()
    ann, rev = ww.member("annotator"), ww.member("reviewer")
    claimed = ww.run(ww.ops.work.claim(ann))
    v = view()
    assert (v.status, v.task_is_ongoing, v.task_assigned_user_id) == ("in_progress", True, ann.user_id)
    (req,) = ww.run(svc.requests(client, "p1", with_counts=True))
    assert req.request_id == rid and req.counts == ProgressCounts(0, 1, 0)

    ww.run(ww.ops.work.submit(ann, claimed.task.id, WORK_DOCS))
    v = view()
    assert (v.stage.name, v.last_completed_annotation_id) == ("Review 1: Review", None)
    with pytest.raises(NotFound):
        ww.run(svc.for_input(client, iid))  # submitted, not delivered
    assert ww.run(svc.project_annotations(client, "p1", "od")).items == []

    review = ww.run(ww.ops.work.claim(rev))
    ww.run(ww.ops.work.review(rev, review.task.id, True))
    v = view()
    assert (v.status, v.task, v.stage.name) == ("completed", None, "Review 1")
    assert v.completed_at is not None
    od = ww.run(svc.for_input(client, iid))
    assert od.annotation_type == "od" and v.last_completed_annotation_id == od.id and not od.is_preliminary
    assert msgspec.json.decode(ww.run(svc.content(od))) == WORK_DOCS["od"]
    assert ww.run(svc.annotation(client, od.id)).request_id == rid
    scene = od.scene_id
    assert sorted(a.annotation_type for a in ww.run(svc.for_scene(client, scene))) == ["lanes", "od"]
    assert ww.run(svc.for_scene_and_type(client, scene, "lanes")).input_id == iid
    assert [a.id for a in ww.run(svc.project_annotations(client, "p1", "od", batch="b1")).items] == [od.id]
    (req,) = ww.run(svc.requests(client, project_uuid(od.row.project_id), with_counts=True))
    assert req.counts == ProgressCounts(0, 0, 1)
    # The workforce reads none of it here.
    with pytest.raises(NotFound):
        ww.run(svc.for_input(ann, iid))


def test_an_integration_review_rejected_then_accepted_as_the_client_reads_it(ww: WorkWorld) -> None:
    svc = DeliveryService(ww.db, ww.store)
    ww.run(ww.ops.workforce.set_batch_workflow(ww.staff, "p1", "b1", ["annotate", "integration-review"]))
    (iid,) = ww.inputs(1)
    ww.publish()
    client, ann = ww.client(), ww.member("annotator")
    claimed = ww.run(ww.ops.work.claim(ann))
    ww.run(ww.ops.work.submit(ann, claimed.task.id, WORK_DOCS))

    v = ww.run(svc.request_input(client, iid))
    assert v.workflow == (Phase.ANNOTATE, Phase.INTEGRATION_REVIEW)
    assert (v.status, v.stage.name, v.available_for_integration_review) == (
        "in_progress",
        "Integration review",
        True,
    )
    first = ww.run(svc.annotation(client, v.last_completed_annotation_id))
    assert first.is_preliminary and first.annotation_type == "od"

    feedback = [{"errorTypeId": "missing-object", "description": "a cyclist"}]
    rejected = ww.run(ww.ops.work.client_review(client, first.id, False, feedback, "correct"))
    v = ww.run(svc.request_input(client, iid))
    assert (v.stage.name, v.available_for_integration_review) == ("Annotate: Correct", False)
    detail = ww.run(svc.review(client, rejected.id))
    assert detail.review.annotation_id == first.id and not detail.review.accepted
    assert [item["errorTypeId"] for item in detail.feedback] == ["missing-object"]

    correct = ww.run(ww.ops.work.claim(ann))
    ww.run(ww.ops.work.submit(ann, correct.task.id, WORK_DOCS))
    v = ww.run(svc.request_input(client, iid))
    second = v.last_completed_annotation_id
    assert second is not None and second != first.id and v.available_for_integration_review
    ww.run(ww.ops.work.client_review(client, second, True))
    v = ww.run(svc.request_input(client, iid))
    assert (v.status, v.available_for_integration_review, v.last_completed_annotation_id) == (
        "completed",
        False,
        second,
    )
    assert ww.run(svc.annotation(client, first.id)).id == first.id  # the superseded version stays readable
    assert ww.run(svc.for_input(client, iid)).id == second
