from __future__ import annotations

import pytest

from planner.engine.api import ApiOffer, PriceTier, api_monthly_cost
from planner.engine.breakeven import breakeven_volume


def test_free_api_never_breaks_even() -> None:
    result = breakeven_volume(
        ApiOffer(output_per_mtok=0), selfhost_fixed_monthly=100, capacity_tokens_per_month=1e9
    )
    assert result.tokens_per_month is None
    assert "free" in result.reason


def test_tiered_api_breakeven_lands_on_the_curve() -> None:
    offer = ApiOffer(output_per_mtok=2.0, tiers=(PriceTier(100e6, multiplier=0.5),))
    result = breakeven_volume(offer, selfhost_fixed_monthly=500, capacity_tokens_per_month=1e12)
    assert result.tokens_per_month == pytest.approx(400e6)
    assert api_monthly_cost(offer, tokens_per_month=400e6) == pytest.approx(500)


def test_variable_selfhost_cost_at_or_above_api_price_never_breaks_even() -> None:
    result = breakeven_volume(
        ApiOffer(output_per_mtok=1.0),
        selfhost_fixed_monthly=10,
        capacity_tokens_per_month=1e12,
        selfhost_variable_per_mtok=1.0,
    )
    assert result.tokens_per_month is None


def test_reachable_reason_has_the_numbers() -> None:
    result = breakeven_volume(
        ApiOffer(input_per_mtok=1.25, output_per_mtok=10),
        selfhost_fixed_monthly=1440,
        capacity_tokens_per_month=3.888e9,
    )
    assert result.reachable
    assert "256M tokens/month" in result.reason
    assert "$1,440.00" in result.reason
