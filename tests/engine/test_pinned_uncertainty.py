"""Monte Carlo and range plumbing pinned exactly (issue 19): defaults, percentile ranks,
the corner search's limit, and every refusal naming its field.

The closed-form percentiles of a seeded scenario are in test_pinned_survivors.py; these
are the deterministic pieces around them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from planner.engine.errors import ScenarioError
from planner.engine.uncertainty import (
    MAX_RANGED_INPUTS,
    Percentiles,
    Range,
    draw,
    estimate,
    monte_carlo,
    monte_carlo_quote,
)


def test_percentiles_are_the_10th_50th_and_90th_and_the_mean() -> None:
    """0..100: the q-th percentile of 101 evenly spaced values is q itself."""
    result = Percentiles.of(np.arange(0.0, 101.0))
    assert result == Percentiles(p10=10.0, p50=50.0, p90=90.0, mean=50.0)
    skewed = Percentiles.of(np.array([0.0, 0.0, 0.0, 100.0]))
    assert skewed.mean == 25.0  # the mean, not the median


@pytest.mark.parametrize(
    ("low", "high"), [(2.0, 1.0), (0.0, math.inf), (math.nan, 1.0), (-math.inf, 0.0)]
)
def test_a_range_must_be_finite_and_ordered(low: float, high: float) -> None:
    with pytest.raises(ScenarioError) as error:
        Range(low, high)
    assert error.value.field == "range"
    assert error.value.message == f"[{low}, {high}] is not a range (low <= high)"


def test_estimate_takes_up_to_the_limit_of_ranged_inputs_and_names_the_first_extra() -> None:
    ranged = {f"x{i}": Range(0.0, 1.0) for i in range(MAX_RANGED_INPUTS)}
    result = estimate(lambda **xs: sum(xs.values()), **ranged)
    # 12 inputs each in [0, 1]: the corners reach 0 and 12; the midpoint gives 6
    assert (result.low, result.expected, result.high) == (0.0, 6.0, 12.0)
    with pytest.raises(ScenarioError) as error:
        estimate(lambda **xs: 0.0, **ranged, extra=Range(0.0, 1.0), last=Range(0.0, 1.0))
    assert error.value.field == "extra"
    assert error.value.message == f"at most {MAX_RANGED_INPUTS} ranged inputs"


def test_draw_point_uniform_and_triangular() -> None:
    rng = np.random.default_rng(3)
    assert draw(5.0, samples=3, rng=rng, distribution="uniform").tolist() == [5.0, 5.0, 5.0]
    uniform = draw(Range(2.0, 4.0), samples=4, rng=np.random.default_rng(3), distribution="uniform")
    assert uniform.tolist() == np.random.default_rng(3).uniform(2.0, 4.0, 4).tolist()
    triangular = draw(
        Range(2.0, 4.0), samples=4, rng=np.random.default_rng(3), distribution="triangular"
    )
    assert triangular.tolist() == np.random.default_rng(3).triangular(2.0, 3.0, 4.0, 4).tolist()
    with pytest.raises(ScenarioError) as error:
        draw(Range(2.0, 4.0), samples=4, rng=rng, distribution="normal")  # type: ignore[arg-type]
    assert (error.value.field, error.value.message) == (
        "distribution",
        "must be 'uniform' or 'triangular'",
    )


def test_monte_carlo_defaults_are_10000_uniform_draws_seeded_0() -> None:
    out = monte_carlo(lambda x: {"x": x}, {"x": Range(0.0, 1.0)})
    assert out["x"].tolist() == np.random.default_rng(0).uniform(0.0, 1.0, 10_000).tolist()


def test_monte_carlo_needs_at_least_one_sample() -> None:
    assert monte_carlo(lambda x: {"x": x}, {"x": 1.0}, samples=1)["x"].tolist() == [1.0]
    with pytest.raises(ScenarioError) as error:
        monte_carlo(lambda x: {"x": x}, {"x": 1.0}, samples=0)
    assert (error.value.field, error.value.message) == ("samples", "must be a positive integer")


def test_monte_carlo_quote_defaults_and_point_figures() -> None:
    """Point inputs: every draw is the same, so each percentile is the figure itself.
    Output-only pricing: 100M x $2 = $200; self-host $150 x 1.2 + $20 = $200: a tie is not
    'cheaper' (strictly less), so the probability is 0."""
    quote = monte_carlo_quote(
        tokens_per_month=100e6,
        api_output_per_mtok=2.0,
        selfhost_monthly=150.0,
        tokens_per_second=1000.0,
        hidden_multiplier=1.2,
        hidden_monthly=20.0,
    )
    assert (quote.samples, quote.seed) == (10_000, 0)
    assert quote.api_monthly == Percentiles(200.0, 200.0, 200.0, 200.0)
    assert quote.selfhost_monthly == Percentiles(200.0, 200.0, 200.0, 200.0)
    assert quote.p_selfhost_cheaper == 0.0


def test_monte_carlo_quote_replicas_and_hours() -> None:
    """1,000 tok/s x 100 h x 3,600 s x 0.5 utilization = 180M a replica; 500M needs
    ceil(500 / 180) = 3 replicas x $100 = $300 (the hours and utilization both count)."""
    quote = monte_carlo_quote(
        tokens_per_month=500e6,
        api_output_per_mtok=1.0,
        selfhost_monthly=100.0,
        tokens_per_second=1000.0,
        utilization=0.5,
        hours_per_month=100.0,
        samples=10,
    )
    assert quote.selfhost_monthly.p50 == 300.0
    assert quote.p_selfhost_cheaper == 1.0  # $300 < 500M x $1 = $500


@pytest.mark.parametrize("utilization", [0.0, Range(0.0, 0.5), Range(0.5, 1.1), 1.5])
def test_monte_carlo_quote_utilization_must_be_in_0_1(utilization: object) -> None:
    with pytest.raises(ScenarioError) as error:
        monte_carlo_quote(
            tokens_per_month=1.0,
            api_output_per_mtok=1.0,
            selfhost_monthly=1.0,
            tokens_per_second=1.0,
            utilization=utilization,  # type: ignore[arg-type]
        )
    assert (error.value.field, error.value.message) == (
        "utilization",
        "must be greater than 0 and at most 1",
    )


def test_monte_carlo_quote_full_utilization_is_allowed() -> None:
    quote = monte_carlo_quote(
        tokens_per_month=1.0,
        api_output_per_mtok=1.0,
        selfhost_monthly=1.0,
        tokens_per_second=1.0,
        utilization=Range(0.5, 1.0),
        samples=5,
    )
    assert quote.selfhost_monthly.p50 == 1.0
