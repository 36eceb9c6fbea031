"""Tests written for the mutants bench/mutation/run.py found surviving in the engine's
second pass (MUTATION.md lists each, with the test that now kills it or why it is
equivalent). Each names the term it guards.
"""

from __future__ import annotations

import pytest

from planner.engine.api import ApiOffer, PriceTier
from planner.engine.breakeven import breakeven_volume
from planner.engine.errors import ScenarioError
from planner.engine.fleet import Serving
from planner.engine.forecast import forecast
from planner.engine.hybrid import hybrid_cost
from planner.engine.recommend import CostedOption, OptionKind, Situation, recommend
from planner.engine.rented import RentedCapacity
from planner.engine.roi import engineering_roi
from planner.engine.selfhost import FlatMonthly, OnDemandRate, SelfHostConfig
from planner.engine.uncertainty import Range, monte_carlo_quote

CACHED = ApiOffer(input_per_mtok=2.0, cached_input_per_mtok=0.2, output_per_mtok=10.0)
BIG = 1e12

# --- breakeven.py ------------------------------------------------------------------------


def test_breakeven_defaults_to_no_cached_input() -> None:
    """Without a cached share the cached rate is unused: 0.5 x 2 + 0.5 x 10 = $6 per 1M;
    $600 / $6 = 100M."""
    result = breakeven_volume(CACHED, selfhost_fixed_monthly=600.0, capacity_tokens_per_month=BIG)
    assert result.tokens_per_month == 100e6


def test_breakeven_with_a_variable_cost_is_exact() -> None:
    """$1,000 / ($10 - $2) per 1M = exactly 125,000,000 tokens (no stray term in the
    numerator: a fraction of a token off is a different formula)."""
    result = breakeven_volume(
        ApiOffer(output_per_mtok=10.0),
        selfhost_fixed_monthly=1000.0,
        capacity_tokens_per_month=BIG,
        selfhost_variable_per_mtok=2.0,
    )
    assert result.tokens_per_month == 125_000_000.0


def test_breakeven_in_a_third_tier_sums_both_earlier_tiers() -> None:
    """Tiers $10 to 100M, $5 to 200M, then $2.50: the first two cost $1,000 + $500 =
    $1,500 (< $2,000 fixed); the rest: 200M + $500 / $2.50 = 400M."""
    offer = ApiOffer(
        output_per_mtok=10.0,
        tiers=(
            PriceTier(from_tokens=100e6, multiplier=0.5),
            PriceTier(from_tokens=200e6, multiplier=0.25),
        ),
    )
    result = breakeven_volume(offer, selfhost_fixed_monthly=2000.0, capacity_tokens_per_month=BIG)
    assert result.tokens_per_month == pytest.approx(400e6)


def test_breakeven_touching_at_a_tier_end_then_cheaper_api_is_never() -> None:
    """Tie rule (see breakeven_volume's docstring): $800 fixed + $2 per 1M equals the API
    exactly at 100M (100 x $10 = 800 + 100 x 2), where the API drops to $1 per 1M, under
    the variable cost: self-hosting is never cheaper, so there is no break-even."""
    offer = ApiOffer(output_per_mtok=10.0, tiers=(PriceTier(from_tokens=100e6, multiplier=0.1),))
    result = breakeven_volume(
        offer,
        selfhost_fixed_monthly=800.0,
        capacity_tokens_per_month=BIG,
        selfhost_variable_per_mtok=2.0,
    )
    assert result.tokens_per_month is None


# --- roi.py --------------------------------------------------------------------------------


def test_engineering_roi_pays_back_for_any_positive_net() -> None:
    """A net of $0.50 a month still pays $1 upfront back, in 2 months (net > 0, not > 1)."""
    roi = engineering_roi(
        api_spend_saved_monthly=3000.5, engineering_cost_monthly=3000.0, upfront_cost=1.0
    )
    assert roi.payback_months == pytest.approx(2.0)


# --- recommend.py --------------------------------------------------------------------------

SLOW_GPU = CostedOption("slow gpu", OptionKind.SELFHOST, 500.0, p99_latency_s=9.0)


def test_exclusion_of_one_option_does_not_stop_the_others_being_considered() -> None:
    """After a latency exclusion the next options are still weighed."""
    options = [SLOW_GPU, CostedOption("api", OptionKind.API, 1000.0, p99_latency_s=1.0)]
    result = recommend(Situation(tokens_per_month=3e9, p99_latency_target_s=2.0), options)
    assert (result.option, result.excluded) == ("api", ("slow gpu",))
    options = [
        CostedOption("api", OptionKind.API, 100.0),
        CostedOption("gpu", OptionKind.SELFHOST, 1000.0),
    ]
    result = recommend(Situation(tokens_per_month=3e9, data_must_stay_in_network=True), options)
    assert (result.option, result.excluded) == ("gpu", ("api",))


def test_data_residency_prefers_self_host_over_a_cheaper_in_network_api() -> None:
    """Data must stay in: an in-network API stays allowed, but self-hosting is preferred
    and wins within the 25% premium ($1,100 <= 1.25 x $1,000)."""
    options = [
        CostedOption("private api", OptionKind.API, 1000.0, keeps_data_in_network=True),
        CostedOption("gpu", OptionKind.SELFHOST, 1100.0),
    ]
    result = recommend(Situation(tokens_per_month=3e9, data_must_stay_in_network=True), options)
    assert result.option == "gpu"


def test_the_cheapest_of_the_preferred_kind_is_chosen() -> None:
    """Three yes: among two self-host options the cheaper ($1,100, listed second) wins."""
    situation = Situation(
        tokens_per_month=3e9,
        needs_deep_finetuning=True,
        has_mlops_team=True,
        open_model_meets_accuracy=True,
    )
    options = [
        CostedOption("api", OptionKind.API, 1000.0),
        CostedOption("gpu big", OptionKind.SELFHOST, 1200.0),
        CostedOption("gpu", OptionKind.SELFHOST, 1100.0),
    ]
    assert recommend(situation, options).option == "gpu"


def test_outweighed_ratio_is_shown_for_a_cheapest_under_one_dollar() -> None:
    """$3.00 against $0.50 is 6.0x (a ratio whenever the cheapest costs anything)."""
    options = [
        CostedOption("gpu", OptionKind.SELFHOST, 0.5),
        CostedOption("api", OptionKind.API, 3.0),
    ]
    result = recommend(Situation(tokens_per_month=30e6), options)
    outweighed = next(r for r in result.reasons if r.code == "rules_outweighed_by_cost")
    assert "$3.00/month, 6.0x gpu at $0.50" in outweighed.message


# --- uncertainty.py ------------------------------------------------------------------------


def _ranged_quote(*, samples: int, seed: int) -> object:
    return monte_carlo_quote(
        tokens_per_month=Range(0.0, 1e9),
        api_output_per_mtok=1.0,
        selfhost_monthly=100.0,
        tokens_per_second=1e6,
        samples=samples,
        seed=seed,
    )


def test_monte_carlo_quote_draws_the_samples_asked_for() -> None:
    """One sample: every percentile is that one draw."""
    api = _ranged_quote(samples=1, seed=0).api_monthly  # type: ignore[attr-defined]
    assert api.p10 == api.p50 == api.p90 == api.mean


def test_monte_carlo_quote_uses_the_seed_asked_for() -> None:
    first = _ranged_quote(samples=50, seed=1).api_monthly  # type: ignore[attr-defined]
    second = _ranged_quote(samples=50, seed=2).api_monthly  # type: ignore[attr-defined]
    assert first != second


# --- hybrid.py -----------------------------------------------------------------------------


def test_hybrid_cheap_api_route_gets_the_cached_share_too() -> None:
    """Both routes at 70% input, half cached: $3.77 per 1M each (see test_pinned_forecast)."""
    result = hybrid_cost(
        tokens_per_month=1e9,
        routed_share=0.5,
        premium=CACHED,
        cheap=CACHED,
        input_share=0.7,
        cached_share=0.5,
    )
    assert result.cheap_monthly == pytest.approx(500 * 3.77)
    assert result.premium_monthly == pytest.approx(500 * 3.77)


def test_hybrid_refuses_a_negative_volume_naming_it() -> None:
    with pytest.raises(ScenarioError) as error:
        hybrid_cost(tokens_per_month=-1.0, routed_share=0.5, premium=CACHED, cheap=CACHED)
    assert error.value.field == "tokens_per_month"


# --- forecast.py ---------------------------------------------------------------------------


def test_forecast_prices_self_hosting_through_a_parts_function_when_given_one() -> None:
    """A callable returns (GPU part, rest) at a volume: $1 per 1M of GPU plus $100."""
    result = forecast(
        api=ApiOffer(output_per_mtok=10.0),
        selfhost=lambda tokens: (tokens / 1e6, 100.0),
        tokens_per_month=100e6,
        months=13,
        gpu_price_decline_per_year=0.5,
    )
    # month 1: $100 + $100; month 13: $100 x 0.5 + $100
    assert result.months[0].selfhost_monthly == pytest.approx(200.0)
    assert result.months[12].selfhost_monthly == pytest.approx(150.0)


def test_forecast_prices_self_hosting_for_the_hours_in_a_month() -> None:
    """A 100-hour month: rented $2/h x 100 h = $200; self-host config $3/h x 100 h = $300."""
    rented = RentedCapacity(OnDemandRate(2.0), Serving(1e6))
    config = SelfHostConfig(OnDemandRate(3.0), 1e6)
    for option, monthly in ((rented, 200.0), (config, 300.0)):
        result = forecast(
            api=CACHED, selfhost=option, tokens_per_month=1e6, months=1, hours_per_month=100.0
        )
        assert result.months[0].selfhost_monthly == pytest.approx(monthly)


@pytest.mark.parametrize(
    "kwargs", [{"migration_weeks": 2.0}, {"weekly_rate": 500.0}], ids=["weeks", "rate"]
)
def test_forecast_migration_needs_both_weeks_and_rate(kwargs: dict) -> None:
    """Weeks without a rate (or a rate without weeks) cost nothing: the other defaults to 0."""
    result = forecast(
        api=CACHED, selfhost=SelfHostConfig(FlatMonthly(1.0), 1e6), tokens_per_month=1.0, **kwargs
    )
    assert result.migration_cost == 0.0
