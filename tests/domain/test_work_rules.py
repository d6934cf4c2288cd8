"""The rules of annotation work beside the workflow, table-driven: which tasks each role claims,
what a submitted OpenLABEL document must be, taxonomies, and review feedback."""

from __future__ import annotations

from typing import Any

import pytest

from annobatch import domain
from annobatch.domain import (
    ClientCorrection,
    ErrorTypeRule,
    Forbidden,
    InvalidInput,
    NotFound,
    Role,
    TaskKind,
)

K = TaskKind
VALID = {"openlabel": {"metadata": {"schema_version": "1.0.0"}}}


def doc(*classes: str) -> dict[str, Any]:
    """A document with one object per class, numbered from 1."""
    return {
        "openlabel": {
            "metadata": {"schema_version": "1.0.0"},
            "objects": {str(n): {"name": f"o{n}", "type": cls} for n, cls in enumerate(classes, 1)},
        }
    }


@pytest.mark.parametrize(
    ("role", "kind", "kinds"),
    [
        (Role.ANNOTATOR, None, (K.ANNOTATE, K.CORRECT)),
        (Role.ANNOTATOR, "correct", (K.CORRECT,)),
        (Role.REVIEWER, None, (K.REVIEW,)),
        (Role.REVIEWER, "review", (K.REVIEW,)),
        (Role.STAFF, None, (K.ANNOTATE, K.CORRECT, K.REVIEW)),
        (Role.STAFF, "review", (K.REVIEW,)),
    ],
)
def test_annotators_annotate_and_correct_reviewers_review_staff_do_anything(
    role: Role, kind: str | None, kinds: tuple[TaskKind, ...]
) -> None:
    assert domain.claimable_kinds(role, kind) == kinds


@pytest.mark.parametrize(
    ("role", "kind", "code"),
    [
        (Role.ANNOTATOR, "review", "task-kind-not-allowed"),
        (Role.REVIEWER, "annotate", "task-kind-not-allowed"),
        (Role.STAFF, "paint", "invalid-task-kind"),
    ],
)
def test_a_claim_for_work_the_role_does_not_do_is_refused(role: Role, kind: str | None, code: str) -> None:
    with pytest.raises(InvalidInput) as e:
        domain.claimable_kinds(role, kind)
    assert e.value.code == code


def test_clients_do_no_tasks() -> None:
    with pytest.raises(Forbidden):
        domain.claimable_kinds(Role.CLIENT)


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"openlabel": {}}, "openlabel.metadata"),
        ({"openlabel": {"metadata": {"schema_version": "0.9"}}}, "openlabel.metadata.schema_version"),
        ({"nothing": 1}, "openlabel"),
        (
            {
                "openlabel": {
                    "metadata": {"schema_version": "1.0.0"},
                    "objects": {"1": {"name": "a", "type": 5}},
                }
            },
            "openlabel.objects.1.type",
        ),
    ],
)
def test_an_invalid_openlabel_document_is_refused_naming_the_type_and_where(
    document: Any, where: str
) -> None:
    with pytest.raises(InvalidInput) as e:
        domain.validate_openlabel("object-detection", document)
    assert e.value.code == "invalid-openlabel"
    assert "annotation object-detection" in e.value.message
    assert f"at {where}:" in e.value.message


def test_a_document_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidInput, match="annotation lanes: an OpenLABEL document is a JSON object"):
        domain.validate_openlabel("lanes", [1, 2])


def test_a_valid_document_passes() -> None:
    domain.validate_openlabel("object-detection", VALID)
    domain.validate_openlabel("object-detection", doc("car"))


@pytest.mark.parametrize(
    ("batch", "submitted", "code"),
    [
        (["od"], ["od", "lanes"], "annotation-type-not-in-batch"),
        (["od", "lanes"], ["od"], "annotation-type-missing"),
        (["od"], [], "annotation-type-missing"),
    ],
)
def test_a_submission_holds_one_document_per_type_of_the_batch(
    batch: list[str], submitted: list[str], code: str
) -> None:
    with pytest.raises(InvalidInput) as e:
        domain.require_annotation_types(batch, submitted)
    assert e.value.code == code


@pytest.mark.parametrize(
    ("classes", "document", "ok"),
    [
        (None, doc("anything"), True),
        ([], doc("anything"), True),
        (["car", "pedestrian"], doc("car", "pedestrian"), True),
        (["car"], doc("car", "tree"), False),
        (["car"], VALID, True),
    ],
)
def test_with_a_taxonomy_every_object_class_must_be_one_of_its_classes(
    classes: list[str] | None, document: dict[str, Any], ok: bool
) -> None:
    if ok:
        domain.require_taxonomy("od", document, classes)
        return
    with pytest.raises(
        InvalidInput, match=r"object 2 has class 'tree', not one of the project's classes \(car\)"
    ):
        domain.require_taxonomy("od", document, classes)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (["car", " car ", "pedestrian"], ["car", "pedestrian"]),
        ([], []),
    ],
)
def test_classes_are_kept_once_in_order(given: list[str], kept: list[str]) -> None:
    assert domain.normalize_classes(given) == kept


@pytest.mark.parametrize("bad", ["", "  ", "a\x00b", "x" * 129])
def test_a_bad_class_name_is_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        domain.normalize_classes([bad])


def test_only_workforce_credentials_become_members() -> None:
    domain.require_workforce_credential(7, ["annotator"])
    with pytest.raises(NotFound):
        domain.require_workforce_credential(7, [])
    with pytest.raises(InvalidInput, match="not a workforce member"):
        domain.require_workforce_credential(7, ["client"])


TYPES = [
    ErrorTypeRule("missing-object", "Missing object", pin_allowed=True, object_allowed=False),
    ErrorTypeRule("wrong-class", "Wrong class", pin_allowed=False, object_allowed=True),
]


@pytest.mark.parametrize(
    ("item", "stored"),
    [
        (
            {"errorTypeId": "wrong-class", "objectId": "o1"},
            {"errorTypeName": "Wrong class", "objectId": "o1"},
        ),
        (
            {"errorTypeId": "missing-object", "pin": {"x": 1, "y": 2.5}, "frameId": "f1"},
            {"errorTypeName": "Missing object", "pin": {"x": 1, "y": 2.5}, "frameId": "f1"},
        ),
        (
            {"errorTypeId": "wrong-class", "metadata": {"k": "v"}, "description": "why"},
            {"errorTypeName": "Wrong class", "metadata": {"k": "v"}, "description": "why"},
        ),
    ],
)
def test_feedback_items_are_kept_with_their_error_types_name(
    item: dict[str, Any], stored: dict[str, Any]
) -> None:
    (parsed,) = domain.parse_feedback([item], TYPES)
    assert parsed == {"errorTypeId": item["errorTypeId"], **stored}


@pytest.mark.parametrize(
    ("item", "why"),
    [
        ({"errorTypeId": "nope"}, "unknown errorTypeId 'nope'"),
        ({}, "unknown errorTypeId None"),
        ("text", "a feedback item is an object"),
        ({"errorTypeId": "missing-object", "objectId": "o1"}, "error type missing-object names no object"),
        ({"errorTypeId": "wrong-class", "pin": {"x": 1, "y": 1}}, "error type wrong-class takes no pin"),
        ({"errorTypeId": "missing-object", "pin": {"x": "1", "y": 1}}, "pin.x is a number"),
        ({"errorTypeId": "wrong-class", "metadata": {"k": 1}}, "metadata maps strings to strings"),
        ({"errorTypeId": "wrong-class", "frameId": 3}, "frameId is a string"),
    ],
)
def test_a_bad_feedback_item_is_refused_naming_its_position(item: Any, why: str) -> None:
    with pytest.raises(InvalidInput) as e:
        domain.parse_feedback([{"errorTypeId": "wrong-class"}, item], TYPES)
    assert e.value.message.startswith("feedback item 1: ")
    assert why in e.value.message


def test_a_rejection_carries_feedback_an_acceptance_need_not() -> None:
    domain.require_feedback_on_rejection(True, [])
    with pytest.raises(InvalidInput, match="at least one feedback item"):
        domain.require_feedback_on_rejection(False, [])


@pytest.mark.parametrize(
    ("accepted", "workflow", "correction"),
    [
        (True, None, None),
        (True, "correct", None),
        (False, None, ClientCorrection.CORRECT),
        (False, "correct-review-loop", ClientCorrection.CORRECT_REVIEW_LOOP),
    ],
)
def test_a_clients_rejection_asks_for_a_correction(
    accepted: bool, workflow: str | None, correction: ClientCorrection | None
) -> None:
    assert domain.parse_client_correction(accepted, workflow) is correction


def test_an_unknown_client_review_workflow_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown review workflow"):
        domain.parse_client_correction(False, "redo")
