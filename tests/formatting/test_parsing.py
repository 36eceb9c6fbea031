"""Typed figures: "50M", "1.5B", "2,000,000" and percentages (formatting/parsing.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formatting import format_tokens
from formatting.parsing import (
    ParseError,
    format_percent_input,
    format_quantity_input,
    parse_percent,
    parse_quantity,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50000000", 50_000_000),
        ("50M", 50_000_000),
        ("50m", 50_000_000),
        ("50 M", 50_000_000),
        ("1.5B", 1_500_000_000),
        ("1.5 billion", 1_500_000_000),
        ("2,000,000", 2_000_000),
        ("2 000 000", 2_000_000),
        ("2_000_000", 2_000_000),
        ("200k", 200_000),
        ("3T", 3_000_000_000_000),
        ("1e9", 1_000_000_000),
        (" 12 ", 12),
        ("0", 0),
        ("-5", -5),  # a sign reads; the field's bounds refuse it with the range
    ],
)
def test_quantities_read_with_units_and_separators(text, expected):
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(
    "text", ["", "M", "50X", "fifty", "1,5", "2,00,000", "50MB", "1.2.3", "nan", "inf", "--5"]
)
def test_anything_else_is_refused_with_an_example(text):
    with pytest.raises(ParseError, match=r"50M or 1\.5B"):
        parse_quantity(text)


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("70", Decimal("0.70")),
        ("70%", Decimal("0.70")),
        ("70 %", Decimal("0.70")),
        ("99.9", Decimal("0.999")),
        ("0.5", Decimal("0.005")),
        ("100", Decimal(1)),
        ("-50", Decimal("-0.5")),
    ],
)
def test_percentages_read_as_shares(text, share):
    assert parse_percent(text) == share


@pytest.mark.parametrize("text", ["", "%", "seventy", "70x", "0.7.1"])
def test_a_percentage_must_be_a_number(text):
    with pytest.raises(ParseError, match=r"70 or 99\.9"):
        parse_percent(text)


def test_shares_show_as_the_percent_typed():
    assert format_percent_input(Decimal("0.70000")) == "70"
    assert format_percent_input(Decimal("0.999")) == "99.9"
    assert format_percent_input(Decimal(1)) == "100"
    assert format_quantity_input(50_000_000) == "50,000,000"


@given(st.integers(0, 10**15))
def test_a_grouped_count_reads_back(count):
    assert parse_quantity(format_quantity_input(count)) == count


@given(st.integers(0, 10**15))
def test_a_count_in_words_reads_back_near_itself(count):
    # The token formatter rounds to four significant digits; reading it back is that close.
    assert parse_quantity(format_tokens(count)) == pytest.approx(count, rel=5e-4)


@given(st.decimals(min_value=0, max_value=1, places=6))
def test_a_share_shown_in_percent_reads_back(share):
    assert parse_percent(format_percent_input(share)) == share
