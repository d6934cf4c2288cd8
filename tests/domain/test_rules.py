"""New batches, batch selection for inputs, identifiers and annotation types."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annobatch import domain
from annobatch.domain import BatchChoice, BatchStatus, InvalidInput, NotFound

S = BatchStatus


def test_a_new_batch_inherits_the_latest_previous_batchs_types() -> None:
    plan = domain.plan_new_batch(["lane-marking"], ["object-detection"])
    assert plan == domain.NewBatch(S.OPEN, ["lane-marking"])


def test_the_first_batch_inherits_the_project_defaults() -> None:
    assert domain.plan_new_batch(None, ["object-detection"]) == domain.NewBatch(S.OPEN, ["object-detection"])


def test_a_batch_with_nothing_to_inherit_starts_pending() -> None:
    assert domain.plan_new_batch(None, []) == domain.NewBatch(S.PENDING, [])
    assert domain.plan_new_batch([], ["object-detection"]) == domain.NewBatch(S.PENDING, [])


def test_publish_previous_batches_publishes_every_other_open_batch() -> None:
    assert domain.batches_to_publish_with(["b1", "b2"], "b3") == ["b1", "b2"]


def _batches(**statuses: BatchStatus) -> list[BatchChoice]:
    return [BatchChoice(name, status) for name, status in statuses.items()]


def test_a_named_open_batch_is_chosen() -> None:
    assert domain.choose_input_batch("p1", "b2", _batches(b1=S.OPEN, b2=S.OPEN)) == "b2"


def test_a_named_batch_must_exist() -> None:
    with pytest.raises(NotFound, match="batch b9 not found in project p1"):
        domain.choose_input_batch("p1", "b9", _batches(b1=S.OPEN))


def test_a_named_batch_must_be_open() -> None:
    with pytest.raises(
        InvalidInput, match="batch b3 of project p1 is ready; only open batches accept inputs"
    ):
        domain.choose_input_batch("p1", "b3", _batches(b3=S.READY))


def test_the_single_open_batch_is_chosen_when_none_is_named() -> None:
    assert domain.choose_input_batch("p1", None, _batches(b1=S.READY, b2=S.OPEN, b3=S.PENDING)) == "b2"


def test_no_open_batch_is_an_error() -> None:
    with pytest.raises(InvalidInput, match="project p1 has no open batch"):
        domain.choose_input_batch("p1", None, _batches(b1=S.READY))


def test_several_open_batches_must_be_named() -> None:
    with pytest.raises(InvalidInput, match=r"project p1 has 2 open batches \(b4, b5\): name one"):
        domain.choose_input_batch("p1", None, _batches(b4=S.OPEN, b5=S.OPEN))


@pytest.mark.parametrize("value", ["p1", "A", "9", "a.b_c-d", "x" * 128, "Project.2024_v1-final"])
def test_valid_external_ids(value: str) -> None:
    assert domain.validate_external_id("project", value) == value


@pytest.mark.parametrize("value", ["", "-a", ".a", "_a", "a b", "a/b", "x" * 129, "é", "a\n", "a%20"])
def test_invalid_external_ids_name_the_rule(value: str) -> None:
    with pytest.raises(InvalidInput, match="1-128 characters") as e:
        domain.validate_external_id("batch", value)
    assert e.value.code == "invalid-id"


@given(st.text(min_size=1, max_size=140))
def test_an_accepted_external_id_is_url_path_safe(value: str) -> None:
    try:
        domain.validate_external_id("project", value)
    except InvalidInput:
        return
    assert len(value) <= 128 and all(c.isascii() and (c.isalnum() or c in "._-") for c in value)


@pytest.mark.parametrize("value", ["", "x" * 257, "a\x00b", "tab\there"])
def test_invalid_scene_external_ids(value: str) -> None:
    with pytest.raises(InvalidInput):
        domain.validate_scene_external_id(value)


def test_scene_external_ids_allow_any_printable_text() -> None:
    assert domain.validate_scene_external_id("run 1/cam: front é") == "run 1/cam: front é"


def test_annotation_types_keep_order_and_drop_repeats() -> None:
    assert domain.normalize_annotation_types(["b", "a", "b"]) == ["b", "a"]


@pytest.mark.parametrize("bad", ["", " x", "a b", "x" * 129])
def test_bad_annotation_types_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput, match="invalid annotation type"):
        domain.normalize_annotation_types([bad])


def test_only_ongoing_projects_accept_work() -> None:
    domain.require_project_accepts_work("p1", "ongoing")
    for status in ("pending", "completed", "archived"):
        with pytest.raises(domain.Conflict, match=f"project p1 is {status}"):
            domain.require_project_accepts_work("p1", status)


def test_unknown_project_status_lists_the_allowed_ones() -> None:
    with pytest.raises(InvalidInput, match="one of pending, ongoing, completed, archived"):
        domain.parse_project_status("closed")


@pytest.mark.parametrize("bad", ["", "   ", "x" * 501, "nul\x00here", "bell\x07"])
def test_bad_titles_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput, match="invalid batch title"):
        domain.validate_title("batch", bad)


def test_descriptions_keep_line_breaks_and_refuse_other_control_characters() -> None:
    assert domain.validate_description("") == ""
    assert domain.validate_description("two\nlines\tand a tab") == "two\nlines\tand a tab"
    for bad in ("nul\x00", "x" * 10_001):
        with pytest.raises(InvalidInput, match="invalid description"):
            domain.validate_description(bad)
