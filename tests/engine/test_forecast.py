"""Forecast: growth, price declines, break-even, payback and budget months."""

from __future__ import annotations

import pytest

from planner.engine.api import ApiOffer
from planner.engine.forecast import forecast
from planner.engine.selfhost import FlatMonthly, SelfHostConfig

API = ApiOffer(output_per_mtok=1.0)  # $1 per 1M tokens: 1B tokens = $1,000
FLAT = SelfHostConfig(FlatMonthly(1500), 1e6)  # one replica holds any volume here


def test_growth_breakeven_payback_and_budget() -> None:
    # 1B tokens growing 10% a month -> API $1,000, 1,100, 1,210, 1,331, 1,464.10,
    # 1,610.51 (month 6 is the first >= $1,500: break-even), 1,771.56, 1,948.72,
    # 2,143.59, 2,357.95, 2,593.74.
    # savings api - 1,500 summed: -500, -900, -1,190, -1,359, -1,394.90, -1,284.39,
    # -1,012.83, -564.11, 79.48, 937.42, 2,031.17 -> reaches the 2 x $1,000 migration
    # in month 11.
    result = forecast(
        api=API,
        selfhost=FLAT,
        tokens_per_month=1e9,
        monthly_growth=0.10,
        months=12,
        migration_weeks=2,
        weekly_rate=1000,
        monthly_budget=2000,
    )
    assert result.migration_cost == 2000
    assert result.breakeven_month == 6
    assert result.months[5].api_monthly == pytest.approx(1610.51)
    assert result.months[10].cumulative_savings == pytest.approx(2031.167, abs=1e-3)
    assert result.payback_month == 11
    assert result.api_budget_exceeded_month == 9  # $2,143.59 > $2,000
    assert result.selfhost_budget_exceeded_month is None
    assert len(result.months) == 12


def test_price_declines_compound_by_year() -> None:
    # 50% a year: month 13 (12 months on) pays half. Only the GPU part falls.
    config = SelfHostConfig(FlatMonthly(1500), 1e6, hidden_monthly=300)
    result = forecast(
        api=API,
        selfhost=config,
        tokens_per_month=1e9,
        api_price_decline_per_year=0.5,
        gpu_price_decline_per_year=0.5,
        months=13,
    )
    assert result.months[0].api_monthly == pytest.approx(1000)
    assert result.months[12].api_monthly == pytest.approx(500)
    assert result.months[12].selfhost_monthly == pytest.approx(750 + 300)
    assert result.breakeven_month is None  # 1,800 vs 1,000 ... 1,050 vs 500: never


def test_default_24_months_and_no_payback() -> None:
    result = forecast(api=API, selfhost=FLAT, tokens_per_month=1e8)
    assert len(result.months) == 24
    assert result.breakeven_month is None
    assert result.payback_month is None
    assert result.api_budget_exceeded_month is None  # no budget given
