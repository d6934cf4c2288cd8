"""Reviews over HTTP: the client's review of a delivered annotation (accept; reject into a
correction; 409 on a version that is not current), reading a review, auto-reviews, error types."""

from __future__ import annotations

from crew_testing import TYPE, Crew, api, crew

from conftest import bearer

__all__ = ["api", "crew"]  # the fixtures


def delivered(crew: Crew) -> tuple[str, str]:
    """The first input annotated, accepted and delivered: (input, annotation)."""
    crew.publish()
    d = crew.deliver("car")
    iid = d["task"]["inputId"]
    aid = crew.request_input(iid)["lastCompletedAnnotationId"]
    return iid, aid


def error_type(crew: Crew) -> str:
    types = crew.call("GET", "/v1/reviews/error-types", crew.api.headers)["data"]
    return str(next(t for t in types if t["objectAllowed"])["errorTypeId"])


def test_the_error_types_are_the_catalogue(crew: Crew) -> None:
    types = crew.call("GET", "/v1/reviews/error-types", crew.api.headers)["data"]
    assert len(types) >= 7 and "metadata" not in types
    assert set(types[0]) == {"errorTypeId", "name", "pinAllowed", "objectAllowed"}


def test_a_client_accepts_a_delivery_and_reads_its_review(crew: Crew) -> None:
    iid, aid = delivered(crew)
    r = crew.client.post(f"/v1/annotations/{aid}/review", json={"accepted": True}, headers=crew.api.headers)
    assert r.status_code == 200, r.text
    rid = r.json()["data"]["createdReviewId"]
    review = crew.call("GET", f"/v1/reviews/{rid}", crew.api.headers)["data"]
    assert (review["id"], review["inputUuid"]) == (rid, iid) and review.get("members", []) == []
    assert crew.request_input(iid)["status"] == "completed"


def test_a_rejection_reopens_the_input_with_a_correction(crew: Crew) -> None:
    iid, aid = delivered(crew)
    et = error_type(crew)
    item = {"errorTypeId": et, "objectId": "1", "description": "wrong", "pin": {"x": 1.5, "y": 2}}
    item["suggestedProperty"] = {"propertyName": "color", "suggestedPropertyValue": "red"}
    types = crew.call("GET", "/v1/reviews/error-types", crew.api.headers)["data"]
    if not next(t for t in types if t["errorTypeId"] == et)["pinAllowed"]:
        del item["pin"]
    body = {"accepted": False, "workflow": "correct", "feedbackItems": [item]}
    r = crew.client.post(f"/v1/annotations/{aid}/review", json=body, headers=crew.api.headers)
    assert r.status_code == 200, r.text
    review = crew.call("GET", f"/v1/reviews/{r.json()['data']['createdReviewId']}", crew.api.headers)["data"]
    (m,) = review["members"]
    assert (m["errorTypeId"], m["objectId"], m["description"]) == (et, "1", "wrong")
    assert m["errorTypeName"] and m["createdAt"] and m["suggestedProperties"][0]["propertyName"] == "color"
    ri = crew.request_input(iid)
    assert ri["status"] == "in_progress" and ri["progressDetails"]["currentTask"]["taskType"] == "correct"
    # the same version again: the input is being worked on
    r = crew.client.post(f"/v1/annotations/{aid}/review", json={"accepted": True}, headers=crew.api.headers)
    assert r.status_code == 409


def test_a_version_that_is_not_current_is_409_naming_the_current_one(crew: Crew) -> None:
    iid, first = delivered(crew)
    et = error_type(crew)
    body = {"accepted": False, "feedbackItems": [{"errorTypeId": et}], "workflow": "correct"}
    crew.call("POST", f"/v1/annotations/{first}/review", crew.api.headers, body)
    fix = crew.claim(crew.annotator)
    crew.submit(crew.annotator, fix["task"]["id"], "truck")
    current = crew.request_input(iid)["lastCompletedAnnotationId"]
    assert current != first
    r = crew.client.post(f"/v1/annotations/{first}/review", json={"accepted": True}, headers=crew.api.headers)
    assert (r.status_code, r.json()["code"]) == (409, "annotation-not-current")
    assert current in r.json()["message"]


def test_auto_reviews_are_none_for_an_input_and_404_for_a_stranger(crew: Crew) -> None:
    iid, _ = delivered(crew)
    assert crew.call("GET", f"/v0/request-inputs/{iid}/auto-reviews", crew.api.headers)["data"] == []
    stranger = bearer(crew.client, crew.world.credential(crew.world.org("globex")))
    assert crew.client.get(f"/v0/request-inputs/{iid}/auto-reviews", headers=stranger).status_code == 404


def test_another_organization_can_neither_review_nor_read(crew: Crew) -> None:
    _, aid = delivered(crew)
    accept = {"accepted": True}
    made = crew.call("POST", f"/v1/annotations/{aid}/review", crew.api.headers, accept)
    rid = made["data"]["createdReviewId"]
    stranger = bearer(crew.client, crew.world.credential(crew.world.org("globex")))
    r = crew.client.post(f"/v1/annotations/{aid}/review", json={"accepted": False}, headers=stranger)
    assert (r.status_code, r.json()["code"]) == (404, "annotation-not-found")
    assert crew.client.get(f"/v1/reviews/{rid}", headers=stranger).status_code == 404
    assert (
        crew.client.post(
            f"/v1/annotations/{aid}/review", json={"accepted": True}, headers=crew.annotator
        ).status_code
        == 404
    )


def test_bad_input_is_4xx_naming_the_rule(crew: Crew) -> None:
    _, aid = delivered(crew)
    h = crew.api.headers
    et = error_type(crew)
    cases = [
        ({}, "accepted"),
        ({"accepted": "yes"}, "accepted"),
        ({"accepted": False, "workflow": "redo", "feedbackItems": [{"errorTypeId": et}]}, "redo"),
        ({"accepted": False, "feedbackItems": [{"errorTypeId": "no-such-type"}]}, "no-such-type"),
        ({"accepted": False, "feedbackItems": [{"description": "x"}]}, "errorTypeId"),
    ]
    for body, words in cases:
        r = crew.client.post(f"/v1/annotations/{aid}/review", json=body, headers=h)
        assert r.status_code == 400 and words in r.json()["message"], (body, r.text)
    assert crew.client.get("/v1/reviews/nope", headers=h).status_code == 400
    assert crew.client.get("/v1/reviews/00000000-0000-4000-8000-000000000000", headers=h).status_code == 404
    assert TYPE
