"""Automatic reviews (ours): an automatic check — staff, or a workforce tool of the input's project
— posts its verdict on an input through the workforce API; the client reads them with
`client.review.get_auto_reviews` (`GET /v0/request-inputs/<id>/auto-reviews`). Clients get 404
here, as on the rest of the workforce API."""

from __future__ import annotations

import msgspec
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from annobatch import schemas
from annobatch.server.dependencies import WORKFORCE, WORKFORCE_ONLY, WRITE
from annobatch.services.identity import Caller
from annobatch.services.transactions import Write
from annobatch.services.work import WorkService


class AutoReviewPostController(Controller):
    path = "/v1/workforce/inputs"
    tags = ["workforce"]
    opt = {WORKFORCE: WORKFORCE_ONLY}

    @post(
        "/{input_id:str}/auto-reviews",
        status_code=200,
        summary="Post an automatic review of an input (the client's auto reviews)",
        description="Accepted, or rejected with feedback items (at least one), each checked against the "
        "error-type catalogue (pin and object only where the type allows) and against the input's "
        "annotations (an object, frame or sensor named must be in them): 400 naming the item. Moves no "
        "work: the client reads it with `get_auto_reviews`.",
        dependencies=WRITE,
    )
    async def post_auto_review(
        self,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        work: NamedDependency[WorkService],
        input_id: FromPath[str],
        data: JSONBody[schemas.AutoReviewRequest],
    ) -> schemas.Envelope[schemas.CreatedAutoReview]:
        feedback = [msgspec.to_builtins(f) for f in data.feedback_items or []]
        made = await work.auto_review(caller, input_id, data.accepted, feedback, write)
        return schemas.Envelope(schemas.CreatedAutoReview(made.id))
