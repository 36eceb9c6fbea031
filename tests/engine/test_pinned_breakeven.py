"""Break-even volume pinned case by case, reasons included (issue 19): a variable
(scale-to-zero) cost, graduated tiers crossed in a later segment, a tier priced below the
variable cost, a free API, a free deployment, and each refusal naming its field.

Each expected volume solves ``spent + p (V - start) = fixed + v V`` by hand.
"""

from __future__ import annotations

import pytest

from planner.engine.api import ApiOffer, PriceTier
from planner.engine.breakeven import breakeven_volume
from planner.engine.errors import ScenarioError

BIG = 1e12  # capacity that never binds


def test_variable_cost_lowers_the_slope_the_fixed_cost_is_recovered_by() -> None:
    # $1,000 / ($10 - $2) per 1M = 125M tokens
    result = breakeven_volume(
        ApiOffer(output_per_mtok=10.0),
        selfhost_fixed_monthly=1000.0,
        capacity_tokens_per_month=BIG,
        selfhost_variable_per_mtok=2.0,
    )
    assert result.tokens_per_month == pytest.approx(125e6)
    assert result.reachable
    assert result.reason == (
        "self-hosting ($1,000.00/month fixed) costs the same as the API at 125M tokens/month; "
        "below that the API is cheaper"
    )
    assert (result.capacity_tokens_per_month, result.selfhost_fixed_monthly) == (BIG, 1000.0)


def test_input_and_cached_shares_set_the_price_divided_by() -> None:
    """$2 in / $0.20 cached / $10 out at 70% input, half cached: $3.77 per 1M;
    $3,770 fixed / $3.77 = 1B tokens."""
    offer = ApiOffer(input_per_mtok=2.0, cached_input_per_mtok=0.2, output_per_mtok=10.0)
    result = breakeven_volume(
        offer,
        selfhost_fixed_monthly=3770.0,
        capacity_tokens_per_month=BIG,
        input_share=0.7,
        cached_share=0.5,
    )
    assert result.tokens_per_month == pytest.approx(1e9)


TIERED = ApiOffer(output_per_mtok=10.0, tiers=(PriceTier(from_tokens=100e6, multiplier=0.5),))


def test_break_even_in_a_later_tier_counts_what_the_earlier_tier_cost() -> None:
    # first 100M cost $1,000 (< $1,500 fixed); then $5 per 1M: 100M + $500 / $5 = 200M
    result = breakeven_volume(TIERED, selfhost_fixed_monthly=1500.0, capacity_tokens_per_month=BIG)
    assert result.tokens_per_month == pytest.approx(200e6)


def test_break_even_in_a_later_tier_with_a_variable_cost() -> None:
    # 1,000 + 5 (V - 100M) = 1,500 + 1 V (per 1M) -> 4 V = 1,000M -> V = 250M
    result = breakeven_volume(
        TIERED,
        selfhost_fixed_monthly=1500.0,
        capacity_tokens_per_month=BIG,
        selfhost_variable_per_mtok=1.0,
    )
    assert result.tokens_per_month == pytest.approx(250e6)


def test_a_later_tier_cheaper_than_the_variable_cost_never_breaks_even() -> None:
    offer = ApiOffer(output_per_mtok=10.0, tiers=(PriceTier(from_tokens=100e6, multiplier=0.1),))
    # 1,500 / (10 - 2) = 187.5M is past the first tier's end; from there the API costs $1
    # per 1M, under self-hosting's $2: never
    result = breakeven_volume(
        offer,
        selfhost_fixed_monthly=1500.0,
        capacity_tokens_per_month=BIG,
        selfhost_variable_per_mtok=2.0,
    )
    assert result.tokens_per_month is None
    assert not result.reachable
    assert result.reason == (
        "the API's price per 1M tokens never exceeds self-hosting's ($2.00): "
        "self-hosting never breaks even"
    )


def test_a_first_tier_cheaper_than_the_variable_cost_can_still_be_overtaken() -> None:
    offer = ApiOffer(
        output_per_mtok=1.0, tiers=(PriceTier(from_tokens=100e6, output_per_mtok=20.0),)
    )
    # first 100M: $1 < $2 variable, $100 spent; then 100 + 20 (V - 100M) = 2 V -> V = 105.56M
    result = breakeven_volume(
        offer,
        selfhost_fixed_monthly=0.0,
        capacity_tokens_per_month=BIG,
        selfhost_variable_per_mtok=2.0,
    )
    assert result.tokens_per_month == pytest.approx(1900e6 / 18)


def test_free_api_and_free_deployment() -> None:
    free = breakeven_volume(
        ApiOffer(output_per_mtok=0.0), selfhost_fixed_monthly=10.0, capacity_tokens_per_month=BIG
    )
    assert free.tokens_per_month is None
    assert free.reason == "the API is free at this mix: self-hosting never breaks even"
    nothing = breakeven_volume(
        ApiOffer(output_per_mtok=1.0), selfhost_fixed_monthly=0.0, capacity_tokens_per_month=BIG
    )
    assert nothing.tokens_per_month == 0.0
    assert nothing.reason == "self-hosting costs nothing, so it is never dearer than the API"


def test_beyond_capacity_reason_names_both_volumes() -> None:
    result = breakeven_volume(
        ApiOffer(output_per_mtok=10.0),
        selfhost_fixed_monthly=1000.0,
        capacity_tokens_per_month=50e6,
    )
    assert result.reason == (
        "break-even 100M tokens/month exceeds the deployment's capacity of 50M tokens/month: "
        "self-hosting on this deployment never breaks even"
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"selfhost_fixed_monthly": -1.0}, "selfhost_fixed_monthly"),
        ({"capacity_tokens_per_month": 0.0}, "capacity_tokens_per_month"),
        ({"selfhost_variable_per_mtok": -1.0}, "selfhost_variable_per_mtok"),
        ({"input_share": 1.5}, "input_share"),
        ({"cached_share": -0.5}, "cached_share"),
    ],
)
def test_bad_input_names_the_field(change: dict, field: str) -> None:
    kwargs = {"selfhost_fixed_monthly": 1.0, "capacity_tokens_per_month": 1.0, **change}
    with pytest.raises(ScenarioError) as error:
        breakeven_volume(ApiOffer(output_per_mtok=1.0), **kwargs)
    assert error.value.field == field
