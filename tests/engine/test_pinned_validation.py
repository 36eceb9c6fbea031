"""Pinned refusals and unit conventions (issue 19: mutation survivors in errors, tokens, units).

Every bad input must be refused with a message naming the field, in words a form, the
API and the CLI show as they are; these tests pin the exact field and sentence of each
shared check, the token-volume refusals, the default split and the token figure format.
"""

from __future__ import annotations

import math

import pytest

from planner.engine.errors import (
    ScenarioError,
    require_non_negative,
    require_positive,
    require_share,
    require_utilization,
)
from planner.engine.tokens import monthly_tokens, split_tokens
from planner.engine.units import format_tokens, format_usd

CHECKS = [
    (require_non_negative, "must be a non-negative number"),
    (require_positive, "must be a positive number"),
    (require_share, "must be a number between 0 and 1"),
    (require_utilization, "must be a number greater than 0 and at most 1"),
]


def _refusal(check, value) -> ScenarioError:
    with pytest.raises(ScenarioError) as refused:
        check("api.output_per_mtok", value)
    return refused.value


@pytest.mark.parametrize(("check", "sentence"), CHECKS)
def test_each_check_names_the_field_and_says_what_it_needs(check, sentence) -> None:
    error = _refusal(check, -1.0)
    assert error.field == "api.output_per_mtok"
    assert error.message == sentence
    assert str(error) == f"api.output_per_mtok: {sentence}"


@pytest.mark.parametrize(("check", "sentence"), CHECKS)
@pytest.mark.parametrize("value", [True, False, math.inf, -math.inf, math.nan, "1", None])
def test_each_check_refuses_booleans_infinities_nan_and_non_numbers(check, sentence, value) -> None:
    # True is an int in Python (True == 1 would pass every range); it is not a number a
    # user typed, so it is refused like a string.
    assert _refusal(check, value).message == sentence


@pytest.mark.parametrize(
    ("check", "value", "expected"),
    [
        (require_non_negative, 0, 0.0),
        (require_non_negative, 3, 3.0),
        (require_positive, 2, 2.0),
        (require_share, 0, 0.0),
        (require_share, 1, 1.0),
        (require_utilization, 1, 1.0),
        (require_utilization, 0.25, 0.25),
    ],
)
def test_each_check_returns_the_value_as_a_float(check, value, expected) -> None:
    result = check("f", value)
    assert result == expected
    assert type(result) is float


def test_monthly_tokens_refuses_both_figures_naming_tokens_per_month() -> None:
    with pytest.raises(ScenarioError) as refused:
        monthly_tokens(tokens_per_month=1.0, tokens_per_day=1.0)
    assert refused.value.field == "tokens_per_month"
    assert refused.value.message == "give tokens_per_month or tokens_per_day, not both"


def test_monthly_tokens_refuses_neither_figure_naming_tokens_per_month() -> None:
    with pytest.raises(ScenarioError) as refused:
        monthly_tokens()
    assert refused.value.field == "tokens_per_month"
    assert refused.value.message == "required (or tokens_per_day)"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"tokens_per_month": -1.0}, "tokens_per_month"),
        ({"tokens_per_day": -1.0}, "tokens_per_day"),
        ({"tokens_per_day": 1.0, "days_per_month": 0.0}, "days_per_month"),
    ],
)
def test_monthly_tokens_names_the_bad_figure(kwargs, field) -> None:
    with pytest.raises(ScenarioError) as refused:
        monthly_tokens(**kwargs)
    assert refused.value.field == field


def test_monthly_tokens_from_a_daily_figure() -> None:
    # 2M a day x 30 days (the default month) = 60M; x 31 days = 62M.
    assert monthly_tokens(tokens_per_day=2e6) == 60e6
    assert monthly_tokens(tokens_per_day=2e6, days_per_month=31) == 62e6


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"tokens": -1.0}, "tokens_per_month"),
        ({"tokens": 1.0, "input_share": 1.5}, "input_share"),
        ({"tokens": 1.0, "cached_share": -0.5}, "cached_share"),
    ],
)
def test_split_tokens_names_the_bad_figure(kwargs, field) -> None:
    with pytest.raises(ScenarioError) as refused:
        split_tokens(**kwargs)
    assert refused.value.field == field


def test_split_tokens_defaults_to_half_input_and_nothing_cached() -> None:
    # 1,000 tokens at the default 50% input, 0% cached: 500 uncached input, 500 output.
    split = split_tokens(1000.0)
    assert (split.input_uncached, split.input_cached, split.output) == (500.0, 0.0, 500.0)


@pytest.mark.parametrize(
    ("tokens", "figure"),
    [
        (4.73e9, "4.73B"),
        (1e9, "1B"),  # exactly a billion is "1B", not "1000M"
        (999.9e6, "999.9M"),
        (1e6, "1M"),
        (8.5e3, "8.5K"),
        (1e3, "1K"),  # exactly a thousand is "1K"
        (2.5e12, "2.5T"),
        (999.0, "999"),
        (-2e6, "-2M"),
    ],
)
def test_format_tokens(tokens, figure) -> None:
    assert format_tokens(tokens) == figure


def test_format_usd() -> None:
    assert format_usd(1440) == "$1,440.00"
