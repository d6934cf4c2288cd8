"""`client.review`: accepting or rejecting delivered annotations, and reading reviews."""

from __future__ import annotations

from annobatch.client._requester import Requester
from annobatch.client.resources._common import seg
from annobatch.model.review.review import ReviewRequest
from annobatch.schemas import Envelope, Review, ReviewErrorType, ReviewResponse


class ReviewResource:
    """Reviews, as the official client names them."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    def create_review(self, open_label_uuid: str, body: ReviewRequest) -> ReviewResponse:
        """Review a delivered annotation (its id): accept it, or reject it with feedback items,
        which sends the input back for correction."""
        path = f"/v1/annotations/{seg(open_label_uuid)}/review"
        return self._requester.call("POST", path, Envelope[ReviewResponse], json=body.to_dict()).data

    def get_review(self, review_id: str) -> Review:
        """One review with its feedback items."""
        return self._requester.call("GET", f"/v1/reviews/{seg(review_id)}", Envelope[Review]).data

    def get_auto_reviews(self, request_input_id: str) -> list[Review]:
        """The automatic reviews posted on a request input."""
        path = f"/v0/request-inputs/{seg(request_input_id)}/auto-reviews"
        return self._requester.call("GET", path, Envelope[list[Review]]).data

    def get_error_types(self) -> list[ReviewErrorType]:
        """The error types a review's feedback items may name."""
        return self._requester.call("GET", "/v1/reviews/error-types", Envelope[list[ReviewErrorType]]).data
