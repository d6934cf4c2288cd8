"""Integers written into text: ASCII digits, 64 bits, refused naming the field otherwise."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annobatch import domain
from annobatch.domain import INT64_MAX, INT64_MIN, InvalidInput


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0), ("42", 42), ("-7", -7), ("007", 7), (str(INT64_MAX), INT64_MAX), (str(INT64_MIN), INT64_MIN)],
)
def test_ascii_digits_within_64_bits_are_read(text: str, value: int) -> None:
    assert domain.parse_integer(text, "n") == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "-",
        "+1",
        " 1",
        "1 ",
        "1_000",
        "0x10",
        "1.0",
        "\u0661\u0662",  # Arabic-Indic digits: int() reads them
        "\uff11",  # a fullwidth one: int() reads it too
        "\u00b2",  # a superscript two: str.isdigit() holds, int() fails
        "\u0f26\u136b",  # Tibetan and Ethiopic: what an upload URL's expires broke on
        str(INT64_MAX + 1),
        str(INT64_MIN - 1),
        "9" * 400,
    ],
)
def test_anything_else_is_invalid_input_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as e:
        domain.parse_integer(text, "cursorId")
    assert e.value.message.startswith("invalid cursorId ")
    assert len(e.value.message) < 200  # a 400-digit number is not echoed whole


def test_bounds_and_code_are_the_callers() -> None:
    assert domain.parse_integer("5", "limit", minimum=1, maximum=5) == 5
    with pytest.raises(InvalidInput) as e:
        domain.parse_integer("-1", "expires", minimum=0, code="invalid-expiry")
    assert e.value.code == "invalid-expiry"
    assert "from 0 to" in e.value.message


@given(st.text(max_size=30))
def test_no_text_makes_it_fail_otherwise(text: str) -> None:
    try:
        value = domain.parse_integer(text, "n")
    except InvalidInput:
        return
    assert INT64_MIN <= value <= INT64_MAX and str(value) == str(int(text, 10))
