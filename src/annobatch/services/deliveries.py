"""What a client reads of the annotation work (the official client's `client.request`,
`client.input.get_request_input[s]`, `client.annotation` and `client.review` reads): requests with
their progress, request inputs with their workflow stage and current task, delivered annotations,
reviews and the error-type catalogue. Read-only: each operation is one read transaction.

## Who may read
The caller's organization only, and within it the workspace its credential is bound to (an input,
an annotation version and a review belong to the workspace of their scene): anything else is
404, as if it did not exist. Workforce credentials (`annotator`, `reviewer`) get 404 from every
read here: they read their work through the workforce API.

## Requests
A request is a batch. Its id is the batch's `requestUid`, `request_uid(batch.id)`, and a project
is named by its external id or by its uuid, `project_uuid(project.id)`: uuid5s of their ids, found
again without storing anything (`services.request_ids`). That uuid is what the official client
calls the project id, so `requests` lists it as the request's project id. Ids that are not uuids
(request, input, scene, annotation, review, cursor) are 400 naming them.

Progress counts (`with_counts`) count the inputs that take part in the work: neither invalidated
nor of a failed scene (an input whose scene is still processing is `not_started`), within the
caller's scope, by work status: one grouped query for all the project's requests.

## Request inputs
Those same inputs (invalidated and failed ones are left out of the listing; by id, any input of
the caller is found), a page at a time in (created, id) order: `after` is the `next_cursor` of the
previous page (`<created>_<id>`), `limit` at most `MAX_PAGE` (default 1000). Each comes with:
- `task`: its open task (todo or ongoing; of several, the newest), or None;
- `stage`: the workflow phase of that task, or, without one, of the input's `phase` (clamped to
  the workflow; the workflow is the batch's, else the project's), with stable uuids for the phase
  (per request and phase index) and its definition (per phase name), and the action (the open
  task's kind) when there is a task;
- `last_completed_annotation_id`: the id of the version `for_input` answers (below), or None;
- `available_for_integration_review`: the input is in an `integration-review` phase, not
  completed, with no open task (its delivered annotation awaits the client's review).
A page costs the same number of queries however long it is (besides finding the request: the
inputs, their open tasks, their current versions, the batch's types), never one per input.

## Annotations
Only delivered versions are ever answered (`delivered` set; preliminary ones included). A
`DeliveredAnnotation`'s `created` is when it was delivered (what the client sees as its creation);
`blob_key` is what a signed download URL names; `request_id` is its batch's requestUid.
- `annotation(id)`: any delivered version by its id, current or superseded.
- `for_input(input)`: an input has one current version per annotation type; the answer is the
  current version of the **first annotation type of the batch (in the batch's order) that has
  one**; when none of the batch's types has one (a type removed since), the current version of
  the type first in alphabetical order. 404 when the input has no delivered annotation.
- `for_scene(scene)`: the current versions of every input of the scene, every type, oldest
  delivery first (an empty list when none; 404 when the scene is not the caller's).
- `for_scene_and_type(scene, type)`: of the scene's inputs' current versions of that type, the
  one delivered last; 404 when none.
- `project_annotations(project, type, batch=None, after=None, limit)`: the project's current
  versions of one type (of one batch, if named) in annotation-id order, keyset-paginated:
  `after` is the id of the last annotation of the previous page (`next_cursor`), `limit` at
  most `MAX_ANNOTATION_PAGE` (default 1000). An unknown type answers an empty page.
- `content(annotation)`: the OpenLABEL blob's bytes.

## Reviews
`review(id)`: a review (internal or the client's) of the caller's input, with its feedback items
decoded and the catalogue's names of their error types; `auto_reviews(input)`: the reviews
automatic checks posted on it (the workforce API), 404 when the input is not the caller's;
`error_types()`: the catalogue.

What the reads answer is in `services.delivery_views`; how a request's inputs are seen (stage,
open task, last delivered version) in `services.request_inputs`.
"""

from __future__ import annotations

import msgspec

from annobatch.domain import NotFound
from annobatch.domain.errors import InvalidInput
from annobatch.services.delivery_views import (
    AnnotationPage,
    DeliveredAnnotation,
    ProgressCounts,
    RequestInputView,
    RequestView,
    ReviewDetail,
)
from annobatch.services.identity import Caller
from annobatch.services.lookups import load_batch, load_scene, parse_uuid
from annobatch.services.request_ids import (
    derived_id,
    find_project,
    find_request,
    normal_uuid,
    project_uuid,
    request_uid,
)
from annobatch.services.request_inputs import decode_cursor, first_by_type, input_views
from annobatch.services.transactions import reading
from annobatch.storage.blobs import BlobStore, NoBlobStore
from annobatch.storage.database import Database
from annobatch.storage.records import DeliveredRow, ErrorTypeRow, InputRecord, ReviewRow
from annobatch.storage.unit_of_work import UnitOfWork

__all__ = [
    "DEFAULT_PAGE",
    "MAX_ANNOTATION_PAGE",
    "MAX_PAGE",
    "DeliveryService",
    "ProgressCounts",
    "project_uuid",
    "request_target",
    "request_uid",
]

#: The largest page of request inputs (the official client's limit) and the default one.
MAX_PAGE = 5000
DEFAULT_PAGE = 1000
#: The largest page of a project's annotations.
MAX_ANNOTATION_PAGE = 5000


class DeliveryService:
    """The client's reads of the annotation work."""

    def __init__(self, db: Database, blobs: BlobStore | None = None) -> None:
        self.db = db
        self.blobs = blobs or NoBlobStore()

    # -------------------------------------------------------------- requests

    async def requests(self, caller: Caller, project_id: str, with_counts: bool = False) -> list[RequestView]:
        """The project's requests (one per batch, oldest first), with their progress counts
        when asked for. `project_id`: the project's external id or its uuid."""
        _client_only(caller, f"project {project_id}")
        async with reading(self.db) as uow:
            project = await find_project(uow, caller, project_id)
            batches = await uow.batches.of(project.id)
            counts = await uow.deliveries.progress_counts(caller.scope, project.id) if with_counts else None
        puid = project_uuid(project.id)
        return [
            RequestView(
                request_uid(b.id),
                b,
                project,
                puid,
                None if counts is None else ProgressCounts.of(counts.get(b.id, {})),
            )
            for b in batches
        ]

    async def request_inputs(
        self,
        caller: Caller,
        request_id: str,
        scene_id: str | None = None,
        after: str | None = None,
        limit: int = DEFAULT_PAGE,
    ) -> tuple[list[RequestInputView], str | None]:
        """A page of the request's inputs and the cursor of the next page (None at the end)."""
        _client_only(caller, f"request {request_id}")
        cursor = decode_cursor(after)
        limit = max(1, min(limit, MAX_PAGE))
        sid = None if scene_id is None else parse_uuid("scene", scene_id)
        async with reading(self.db) as uow:
            batch = await find_request(uow, caller, request_id)
            project = await uow.projects.by_id(batch.project_id)
            rows = await uow.deliveries.request_inputs(caller.scope, batch.id, sid, cursor, limit + 1)
            more = len(rows) > limit
            rows = rows[:limit]
            views = await input_views(uow, project, batch, rows)
        return views, (f"{rows[-1].created}_{rows[-1].id}" if more else None)

    async def request_input(self, caller: Caller, input_id: str) -> RequestInputView:
        """One input of the caller's, whatever its status."""
        _client_only(caller, f"request input {input_id}")
        iid = parse_uuid("input", input_id)
        async with reading(self.db) as uow:
            found = await _input(uow, caller, iid)
            batch = await uow.deliveries.batch(caller.org, found.batch_id)
            assert batch is not None
            project = await uow.projects.by_id(batch.project_id)
            (view,) = await input_views(uow, project, batch, [found])
        return view

    # -------------------------------------------------------------- annotations

    async def annotation(self, caller: Caller, annotation_id: str) -> DeliveredAnnotation:
        """A delivered version by id: current or superseded, preliminary or not."""
        _client_only(caller, f"annotation {annotation_id}")
        aid = parse_uuid("annotation", annotation_id)
        async with reading(self.db) as uow:
            row = await uow.deliveries.delivered(caller.scope, aid)
        if row is None:
            raise NotFound(f"annotation {annotation_id} not found", "annotation-not-found")
        return DeliveredAnnotation(row, request_uid(row.batch_id))

    async def for_input(self, caller: Caller, input_id: str) -> DeliveredAnnotation:
        """The input's current version of the first annotation type of its batch that has one."""
        _client_only(caller, f"input {input_id}")
        iid = parse_uuid("input", input_id)
        async with reading(self.db) as uow:
            found = await _input(uow, caller, iid)
            types = await uow.batches.types(found.batch_id)
            current = await uow.deliveries.current_of_inputs([iid])
        chosen = first_by_type(current, types)
        if chosen is None:
            raise NotFound(f"input {input_id} has no delivered annotation", "annotation-not-found")
        return DeliveredAnnotation(chosen, request_uid(chosen.batch_id))

    async def for_scene(self, caller: Caller, scene_id: str) -> list[DeliveredAnnotation]:
        """The current versions of every input of the scene (every annotation type)."""
        _client_only(caller, f"scene {scene_id}")
        async with reading(self.db) as uow:
            scene = await load_scene(uow, caller, scene_id)
            rows = await uow.deliveries.current_of_scene(caller.scope, scene.id)
        return [DeliveredAnnotation(r, request_uid(r.batch_id)) for r in rows]

    async def for_scene_and_type(
        self, caller: Caller, scene_id: str, annotation_type: str
    ) -> DeliveredAnnotation:
        """Of the scene's current versions of that type, the one delivered last."""
        _client_only(caller, f"scene {scene_id}")
        async with reading(self.db) as uow:
            scene = await load_scene(uow, caller, scene_id)
            rows = await uow.deliveries.current_of_scene(caller.scope, scene.id, annotation_type)
        if not rows:
            raise NotFound(
                f"scene {scene_id} has no delivered annotation of type {annotation_type}",
                "annotation-not-found",
            )
        return DeliveredAnnotation(rows[-1], request_uid(rows[-1].batch_id))

    async def project_annotations(
        self,
        caller: Caller,
        project: str,
        annotation_type: str,
        batch: str | None = None,
        after: str | None = None,
        limit: int = DEFAULT_PAGE,
    ) -> AnnotationPage:
        """A page of the project's current versions of one type (of one batch), in id order."""
        _client_only(caller, f"project {project}")
        cursor = None if after is None or after == "" else _annotation_cursor(after)
        limit = max(1, min(limit, MAX_ANNOTATION_PAGE))
        async with reading(self.db) as uow:
            p = await find_project(uow, caller, project)
            b = None if batch is None else await load_batch(uow, p, batch)
            rows = await uow.deliveries.project_page(
                caller.scope, p.id, annotation_type, None if b is None else b.id, cursor, limit + 1
            )
        more = len(rows) > limit
        rows = rows[:limit]
        items = [DeliveredAnnotation(r, request_uid(r.batch_id)) for r in rows]
        return AnnotationPage(items, rows[-1].id if more else None)

    async def content(self, annotation: DeliveredAnnotation | DeliveredRow) -> bytes:
        """The OpenLABEL document of a version found by one of the reads above."""
        return await self.blobs.read(annotation.blob_key)

    # -------------------------------------------------------------- reviews

    async def review(self, caller: Caller, review_id: str) -> ReviewDetail:
        _client_only(caller, f"review {review_id}")
        rid = parse_uuid("review", review_id)
        async with reading(self.db) as uow:
            found = await uow.deliveries.review(caller.scope, rid)
            if found is None:
                raise NotFound(f"review {review_id} not found", "review-not-found")
            of_input = await uow.inputs.get(caller.scope, found.input_id)
            catalogue = await uow.deliveries.error_types()
        assert of_input is not None
        feedback = msgspec.json.decode(found.feedback) if found.feedback else []
        return ReviewDetail(
            found,
            feedback if isinstance(feedback, list) else [],
            {e.id: e.name for e in catalogue},
            derived_id("phase", of_input.batch_id, found.phase),
        )

    async def auto_reviews(self, caller: Caller, input_id: str) -> list[ReviewDetail]:
        """The reviews automatic checks posted on an input of the caller's (through the workforce
        API), oldest first."""
        _client_only(caller, f"request input {input_id}")
        iid = parse_uuid("input", input_id)
        async with reading(self.db) as uow:
            of_input = await _input(uow, caller, iid)
            found = await uow.annotation_versions.auto_reviews(iid)
            catalogue = await uow.deliveries.error_types()
        names = {e.id: e.name for e in catalogue}
        out = []
        for r in found:
            feedback = msgspec.json.decode(r.feedback) if r.feedback else []
            row = ReviewRow(
                r.id, r.organization_id, r.project_id, r.input_id, r.task_id, r.annotation_id, r.phase,
                r.accepted, r.workflow, r.feedback, r.actor, r.created,
            )  # fmt: skip
            out.append(
                ReviewDetail(
                    row,
                    feedback if isinstance(feedback, list) else [],
                    names,
                    derived_id("phase", of_input.batch_id, r.phase),
                )
            )
        return out

    async def error_types(self, caller: Caller | None = None) -> list[ErrorTypeRow]:
        """The installation's catalogue of review error types, in its order."""
        if caller is not None:
            _client_only(caller, "error types")
        async with reading(self.db) as uow:
            return await uow.deliveries.error_types()


# ------------------------------------------------------------------ helpers


def _client_only(caller: Caller, what: str) -> None:
    """The client's reads are not the workforce's: 404, as if nothing were there."""
    if caller.is_workforce:
        raise NotFound(f"{what} not found", "not-found")


async def request_target(uow: UnitOfWork, caller: Caller, request_id: str) -> tuple[str, str]:
    """The project and batch (external ids) of a request of the caller's organization: where
    `POST /v2/inputs` with a `requestUuid` places its input. 404 for another's."""
    _client_only(caller, f"request {request_id}")
    batch = await find_request(uow, caller, request_id)
    project = await uow.projects.by_id(batch.project_id)
    return project.external_id, batch.external_id


async def _input(uow: UnitOfWork, caller: Caller, input_id: str) -> InputRecord:
    found = await uow.inputs.get(caller.scope, input_id)
    if found is None:
        raise NotFound(f"input {input_id} not found", "input-not-found")
    return found


def _annotation_cursor(value: str) -> str:
    key = normal_uuid(value)
    if key is None:
        raise InvalidInput(f"invalid cursor {value!r}: use the cursor of the previous page", "invalid-cursor")
    return key
