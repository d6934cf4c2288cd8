"""Reviews of delivered annotations: what a client sends, and what it reads back."""

from __future__ import annotations

from enum import StrEnum

from annobatch.model._base import Model
from annobatch.schemas import Review, ReviewErrorType, ReviewMember, ReviewResponse


class AddFeedbackItemPin(Model, kw_only=True):
    x: float
    y: float
    z: float | None = None
    world_coordinates: bool | None = None
    origin_frame: str | None = None


class AddFeedbackItemSuggestedProperty(Model, kw_only=True):
    property_name: str
    suggested_property_value: str


class AddFeedbackItem(Model, kw_only=True):
    """One remark of a review, of a catalogued error type (`client.review.get_error_types()`)."""

    error_type_id: str
    sensor_id: str | None = None
    frame_id: str | None = None
    object_id: str | None = None
    pin: AddFeedbackItemPin | None = None
    description: str | None = None
    suggested_property: AddFeedbackItemSuggestedProperty | None = None
    metadata: dict[str, str] | None = None


class ReviewWorkflowEnum(StrEnum):
    CORRECT = "correct"
    CORRECT_REVIEW_LOOP = "correct-review-loop"


class ReviewRequest(Model, kw_only=True):
    """Accept an annotation, or reject it with feedback items (a correction follows)."""

    accepted: bool
    feedback_items: list[AddFeedbackItem] | None = None
    workflow: ReviewWorkflowEnum | None = None


__all__ = [
    "AddFeedbackItem",
    "AddFeedbackItemPin",
    "AddFeedbackItemSuggestedProperty",
    "Review",
    "ReviewErrorType",
    "ReviewMember",
    "ReviewRequest",
    "ReviewResponse",
    "ReviewWorkflowEnum",
]
