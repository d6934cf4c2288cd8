"""Reviews (`client.review`): the client's review of a delivered annotation (accept, or reject
with feedback: a correction follows), reading a review, the automatic reviews of a request input
(none run here), and the catalogue of error types (also for the workforce's tools)."""

from __future__ import annotations

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from annobatch import presenters, schemas
from annobatch.server.dependencies import WORKFORCE, WORKFORCE_ALSO, WRITE
from annobatch.services.deliveries import DeliveryService
from annobatch.services.identity import Caller
from annobatch.services.transactions import Write
from annobatch.services.work import WorkService


class ClientReviewController(Controller):
    path = "/v1/annotations"
    tags = ["reviews"]

    @post(
        "/{annotation:str}/review",
        status_code=200,
        summary="Review a delivered annotation: accept it, or reject it with feedback",
        dependencies=WRITE,
    )
    async def create_review(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        work: NamedDependency[WorkService],
        annotation: FromPath[str],
        data: JSONBody[schemas.ReviewRequest],
    ) -> schemas.Envelope[schemas.ReviewResponse]:
        feedback = [msgspec.to_builtins(f) for f in data.feedback_items or []]
        made = await work.client_review(caller, annotation, data.accepted, feedback, data.workflow, write)
        return schemas.Envelope(schemas.ReviewResponse(made.id))


class ReviewController(Controller):
    path = "/v1/reviews"
    tags = ["reviews"]

    @get("/error-types", summary="The catalogue of review error types", opt={WORKFORCE: WORKFORCE_ALSO})
    async def error_types(
        self, caller: NamedDependency[Caller], deliveries: NamedDependency[DeliveryService]
    ) -> schemas.Envelope[list[schemas.ReviewErrorType]]:
        return schemas.Envelope([presenters.error_type(e) for e in await deliveries.error_types()])

    @get("/{review:str}", summary="A review with its feedback items")
    async def get_review(
        self,
        caller: NamedDependency[Caller],
        deliveries: NamedDependency[DeliveryService],
        review: FromPath[str],
    ) -> schemas.Envelope[schemas.Review]:
        return schemas.Envelope(presenters.review(await deliveries.review(caller, review)))


class AutoReviewController(Controller):
    path = "/v0/request-inputs"
    tags = ["reviews"]

    @get("/{request_input:str}/auto-reviews", summary="A request input's automatic reviews (none run here)")
    async def auto_reviews(
        self,
        caller: NamedDependency[Caller],
        deliveries: NamedDependency[DeliveryService],
        request_input: FromPath[str],
    ) -> schemas.Envelope[list[schemas.Review]]:
        found = await deliveries.auto_reviews(caller, request_input)
        return schemas.Envelope([presenters.review(d) for d in found])
