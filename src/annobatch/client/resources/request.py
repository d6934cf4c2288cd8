"""`client.request`: a project's requests (one per batch) and their progress."""

from __future__ import annotations

from annobatch.client._requester import Requester
from annobatch.schemas import Envelope, Request


class RequestResource:
    """Requests, as the official client names them."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    def get_requests(self, *, project_id: str, include_input_progress_counts: bool = False) -> list[Request]:
        """A project's requests, one per batch, oldest first. `project_id`: the project's
        external id or its uuid. With `include_input_progress_counts`, how many of each request's
        inputs are not started, in progress and completed."""
        params = {"projectId": project_id}
        if include_input_progress_counts:
            params["includeInputProgressCounts"] = "true"
        return self._requester.call("GET", "/v2/requests", Envelope[list[Request]], params=params).data
