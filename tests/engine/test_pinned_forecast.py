"""The month-by-month forecast pinned against its own stated formulas (issue 19).

Expected rows are re-derived in the test from the module docstring's formulas (growth,
price declines on the API bill and on the GPU part only, migration cost, budget) with
plain arithmetic, never by calling the engine: a 70/30 share with cached input, a hidden
multiplier and fixed hidden costs, and a rented fleet with flat lines.
"""

from __future__ import annotations

import math

import pytest

from planner.engine.api import ApiOffer
from planner.engine.errors import ScenarioError
from planner.engine.fleet import Serving
from planner.engine.forecast import forecast
from planner.engine.rented import RentedCapacity
from planner.engine.selfhost import FlatMonthly, OnDemandRate, SelfHostConfig

# $2 in, $0.20 cached in, $10 out; 70% input, half of it cached:
# input 0.5 x 2 + 0.5 x 0.20 = $1.10; blend 0.7 x 1.10 + 0.3 x 10 = $3.77 per 1M
OFFER = ApiOffer(input_per_mtok=2.0, cached_input_per_mtok=0.2, output_per_mtok=10.0)
BLEND = 3.77
# one replica throughout (10,000 tok/s x 720 h x 3,600 s = 25.92B tokens a month):
# GPU $1,000 x 1.5 = $1,500 falls with GPU prices; the $200 hidden a month does not
CONFIG = SelfHostConfig(FlatMonthly(1000.0), 10_000.0, hidden_multiplier=1.5, hidden_monthly=200.0)


def _expected_rows(
    *, base: float, growth: float, months: int, api_decline: float, gpu_decline: float
) -> list[tuple[float, float, float]]:
    """(tokens, api, self-host) per month from the docstring's formulas."""
    rows = []
    for month in range(1, months + 1):
        years = (month - 1) / 12
        tokens = base * (1 + growth) ** (month - 1)
        api = tokens / 1e6 * BLEND * (1 - api_decline) ** years
        selfhost = 1500.0 * (1 - gpu_decline) ** years + 200.0
        rows.append((tokens, api, selfhost))
    return rows


def test_forecast_rows_follow_growth_declines_and_the_shaped_blend() -> None:
    result = forecast(
        api=OFFER,
        selfhost=CONFIG,
        tokens_per_month=100e6,
        monthly_growth=0.1,
        months=13,
        input_share=0.7,
        cached_share=0.5,
        api_price_decline_per_year=0.5,
        gpu_price_decline_per_year=0.25,
    )
    expected = _expected_rows(base=100e6, growth=0.1, months=13, api_decline=0.5, gpu_decline=0.25)
    assert [m.month for m in result.months] == list(range(1, 14))
    cumulative = 0.0
    for row, (tokens, api, selfhost) in zip(result.months, expected, strict=True):
        cumulative += api - selfhost
        assert row.tokens_per_month == pytest.approx(tokens)
        assert row.api_monthly == pytest.approx(api)
        assert row.selfhost_monthly == pytest.approx(selfhost)
        assert row.savings == pytest.approx(api - selfhost)
        assert row.cumulative_savings == pytest.approx(cumulative)
    # month 1: 100M x $3.77 = $377; self-host $1,500 + $200 = $1,700
    assert (result.months[0].api_monthly, result.months[0].selfhost_monthly) == pytest.approx(
        (377.0, 1700.0)
    )
    # month 13, a year on: GPU part x 0.75 = $1,125 + $200 = $1,325
    assert result.months[12].selfhost_monthly == pytest.approx(1325.0)
    assert result.breakeven_month is None
    # no migration given: it costs nothing, so month 1 "pays back" only if savings >= 0
    assert result.migration_cost == 0.0
    assert result.payback_month is None


def test_forecast_without_growth_or_declines_repeats_month_one() -> None:
    result = forecast(api=OFFER, selfhost=CONFIG, tokens_per_month=100e6, months=3)
    # defaults: a 50/50 share and no cached input: 0.5 x 2 + 0.5 x 10 = $6 per 1M -> $600
    assert [m.api_monthly for m in result.months] == pytest.approx([600.0] * 3)
    assert [m.tokens_per_month for m in result.months] == [100e6] * 3
    assert len(forecast(api=OFFER, selfhost=CONFIG, tokens_per_month=1.0).months) == 24


def test_forecast_budget_and_migration() -> None:
    """Budget $1,000: self-host ($1,700) is over it from month 1, the API ($377 growing
    10% a month) first above it in month 12 (377 x 1.1^10 = 977.8; x 1.1^11 = 1,075.6).
    Migration 2 weeks x $500 = $1,000."""
    result = forecast(
        api=OFFER,
        selfhost=CONFIG,
        tokens_per_month=100e6,
        monthly_growth=0.1,
        months=14,
        input_share=0.7,
        cached_share=0.5,
        migration_weeks=2,
        weekly_rate=500.0,
        monthly_budget=1000.0,
    )
    assert result.monthly_budget == 1000.0
    assert result.migration_cost == 1000.0
    assert result.selfhost_budget_exceeded_month == 1
    assert result.api_budget_exceeded_month == 12
    # API 377 x 1.1^(m-1) reaches $1,700 at m = 17 (1,700 / 377 = 4.51; 1.1^16 = 4.59)
    assert result.breakeven_month is None
    longer = forecast(
        api=OFFER,
        selfhost=CONFIG,
        tokens_per_month=100e6,
        monthly_growth=0.1,
        months=17,
        input_share=0.7,
        cached_share=0.5,
    )
    assert longer.breakeven_month == 17


def test_forecast_of_a_rented_fleet_lowers_only_compute_and_reserve() -> None:
    """Rented: compute $2 x 720 h x 1.25 = $1,800 falls with GPU prices; other $100 and
    staff 0.1 x $10,000 = $1,000 do not. A year of a 50% decline: $900 + $1,100 = $2,000."""
    rented = RentedCapacity(
        OnDemandRate(2.0),
        Serving(1000),
        hidden_multiplier=1.25,
        other_monthly=100.0,
        ops_fte=0.1,
        ops_fte_monthly_cost=10_000.0,
    )
    result = forecast(
        api=OFFER, selfhost=rented, tokens_per_month=1e9, months=13, gpu_price_decline_per_year=0.5
    )
    assert result.months[0].selfhost_monthly == pytest.approx(2900.0)
    assert result.months[12].selfhost_monthly == pytest.approx(2000.0)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"tokens_per_month": -1.0}, "tokens_per_month", None),
        ({"monthly_growth": -1.0}, "monthly_growth", "must be a number greater than -1"),
        ({"monthly_growth": math.nan}, "monthly_growth", "must be a number greater than -1"),
        ({"monthly_growth": math.inf}, "monthly_growth", "must be a number greater than -1"),
        ({"months": 0}, "months", None),
        ({"api_price_decline_per_year": 1.5}, "api_price_decline_per_year", None),
        ({"gpu_price_decline_per_year": -0.1}, "gpu_price_decline_per_year", None),
        ({"migration_weeks": -1.0}, "migration_weeks", None),
        ({"weekly_rate": -1.0}, "weekly_rate", None),
        ({"monthly_budget": -1.0}, "monthly_budget", None),
    ],
)
def test_forecast_bad_input_names_the_field(change: dict, field: str, message: str | None) -> None:
    kwargs = {"api": OFFER, "selfhost": CONFIG, "tokens_per_month": 1e6, **change}
    with pytest.raises(ScenarioError) as error:
        forecast(**kwargs)
    assert error.value.field == field
    if message is not None:
        assert error.value.message == message


def test_forecast_growth_just_above_minus_one_is_allowed() -> None:
    result = forecast(
        api=OFFER, selfhost=CONFIG, tokens_per_month=1e6, monthly_growth=-0.5, months=2
    )
    assert result.months[1].tokens_per_month == pytest.approx(0.5e6)
