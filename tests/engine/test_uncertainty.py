from __future__ import annotations

import pytest

from planner.engine.api import ApiOffer, api_monthly_cost
from planner.engine.errors import ScenarioError
from planner.engine.uncertainty import Range, estimate, monte_carlo_quote


def test_range_expected_is_midpoint() -> None:
    assert Range(400, 800).expected == 600
    assert Range.of(5) == Range(5, 5)
    assert Range.of([1, 2]) == Range(1, 2)
    with pytest.raises(ScenarioError):
        Range(2, 1)


def test_estimate_low_expected_high() -> None:
    def api(price: float, tokens: float) -> float:
        return api_monthly_cost(ApiOffer(output_per_mtok=price), tokens_per_month=tokens)

    result = estimate(api, price=Range(0.25, 0.38), tokens=30e6)
    assert result.low == pytest.approx(7.5)
    assert result.high == pytest.approx(11.4)
    assert result.expected == pytest.approx(30 * 0.315)


def test_estimate_handles_inputs_that_lower_the_cost() -> None:
    # Capacity up -> cost per token down: the corners find the true low.
    result = estimate(lambda monthly, tps: monthly / tps, monthly=Range(400, 800), tps=Range(1, 2))
    assert (result.low, result.high) == (200, 800)


def _quote(seed: int) -> object:
    return monte_carlo_quote(
        tokens_per_month=Range(50e6, 1e9),
        api_input_per_mtok=1.25,
        api_output_per_mtok=10.0,
        selfhost_monthly=Range(1000, 2000),
        tokens_per_second=Range(1000, 3000),
        hidden_monthly=Range(0, 1000),
        samples=5000,
        seed=seed,
        distribution="triangular",
    )


def test_monte_carlo_is_reproducible_with_a_seed() -> None:
    first, again, other = _quote(42), _quote(42), _quote(7)
    assert first == again
    assert first != other


def test_monte_carlo_percentiles_are_ordered_and_probability_valid() -> None:
    result = _quote(1)
    for p in (result.api_monthly, result.selfhost_monthly):
        assert p.p10 <= p.p50 <= p.p90
    assert 0.0 < result.p_selfhost_cheaper < 1.0


def test_monte_carlo_point_figures_collapse() -> None:
    result = monte_carlo_quote(
        tokens_per_month=1e9,
        api_output_per_mtok=1.0,
        selfhost_monthly=500,
        tokens_per_second=1500,
        samples=10,
    )
    assert result.api_monthly.p10 == result.api_monthly.p90 == 1000
    assert result.p_selfhost_cheaper == 1.0
