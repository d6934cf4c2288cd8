"""Requests (`client.request.get_requests`): a project's batches, as the official platform's
annotation requests, with their inputs counted by work status when asked."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from annobatch import presenters, schemas
from annobatch.server.params import flag
from annobatch.services.deliveries import DeliveryService
from annobatch.services.identity import Caller

ProjectId = Annotated[
    str,
    QueryParameter(
        name="projectId",
        description="The project's uuid (as the official client knows it; `annobatch project list` "
        "prints it) or its external id.",
    ),
]
WithCounts = Annotated[str | None, QueryParameter(name="includeInputProgressCounts")]


class RequestController(Controller):
    path = "/v2/requests"
    tags = ["requests"]

    @get(summary="A project's requests (one per batch), with input progress counts if asked")
    async def list_requests(
        self,
        caller: NamedDependency[Caller],
        deliveries: NamedDependency[DeliveryService],
        project_id: ProjectId,
        include_input_progress_counts: WithCounts = None,
    ) -> schemas.Envelope[list[schemas.Request]]:
        views = await deliveries.requests(caller, project_id, flag(include_input_progress_counts))
        return schemas.Envelope([presenters.request(v) for v in views])
