"""Properties of the cost curves that must hold for any inputs."""

from __future__ import annotations

import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from planner.engine.api import ApiOffer, api_monthly_cost
from planner.engine.breakeven import breakeven_volume
from planner.engine.selfhost import SelfHostConfig, selfhost_cost
from tests.engine.strategies import api_offers, selfhost_configs, shares, utilizations, volumes


@settings(max_examples=200, deadline=None)
@given(offer=api_offers(), config=selfhost_configs(), volume=volumes, share=shares, u=utilizations)
def test_costs_never_negative(
    offer: ApiOffer, config: SelfHostConfig, volume: float, share: float, u: float
) -> None:
    assert api_monthly_cost(offer, tokens_per_month=volume, input_share=share) >= 0
    cost = selfhost_cost(config.with_utilization(u), tokens_per_month=volume)
    assert cost.monthly >= 0
    assert cost.idle_cost >= -1e-9


@settings(max_examples=200, deadline=None)
@given(
    offer=api_offers(tiers=False),
    volume=volumes,
    factor=st.floats(0.0, 1000.0),
    share=shares,
    cached=shares,
)
def test_api_cost_linear_in_volume(
    offer: ApiOffer, volume: float, factor: float, share: float, cached: float
) -> None:
    one = api_monthly_cost(offer, tokens_per_month=volume, input_share=share, cached_share=cached)
    scaled = api_monthly_cost(
        offer, tokens_per_month=volume * factor, input_share=share, cached_share=cached
    )
    assert math.isclose(scaled, one * factor, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=200, deadline=None)
@given(offer=api_offers(), a=volumes, b=volumes)
def test_api_cost_monotone_with_tiers(offer: ApiOffer, a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert (
        api_monthly_cost(offer, tokens_per_month=low)
        <= api_monthly_cost(offer, tokens_per_month=high) + 1e-9
    )


@settings(max_examples=200, deadline=None)
@given(
    config=selfhost_configs(),
    u=utilizations,
    step=st.integers(0, 20),
    a=st.floats(0.0, 1.0, exclude_min=True),
    b=st.floats(0.0, 1.0),
)
def test_selfhost_cost_is_a_step_function(
    config: SelfHostConfig, u: float, step: int, a: float, b: float
) -> None:
    """Constant between capacity multiples, and one more replica's cost after each."""
    config = config.with_utilization(u)
    capacity = config.capacity_tokens_per_month()
    v1, v2 = (step + a * 0.999) * capacity, (step + max(b, a) * 0.999) * capacity
    assume(v1 > step * capacity * (1 + 1e-12))
    c1 = selfhost_cost(config, tokens_per_month=v1)
    c2 = selfhost_cost(config, tokens_per_month=v2)
    assert c1.replicas == c2.replicas == step + 1
    assert c1.monthly == c2.monthly


@settings(max_examples=300, deadline=None)
@given(
    offer=api_offers(), config=selfhost_configs(), share=shares, u=utilizations, t=st.floats(0, 1)
)
def test_breakeven_consistent_with_cost_curves(
    offer: ApiOffer, config: SelfHostConfig, share: float, u: float, t: float
) -> None:
    config = config.with_utilization(u)
    capacity = config.capacity_tokens_per_month()
    result = breakeven_volume(
        offer,
        selfhost_fixed_monthly=config.fixed_monthly(),
        capacity_tokens_per_month=capacity,
        input_share=share,
    )
    if result.tokens_per_month is None:
        # Unreachable: across the whole first replica the API stays cheaper.
        api_at_capacity = api_monthly_cost(offer, tokens_per_month=capacity, input_share=share)
        assert api_at_capacity <= config.fixed_monthly() * (1 + 1e-9)
        return
    volume = result.tokens_per_month
    api = api_monthly_cost(offer, tokens_per_month=volume, input_share=share)
    selfhost = selfhost_cost(config, tokens_per_month=volume).monthly
    assert math.isclose(api, selfhost, rel_tol=1e-6, abs_tol=1e-6)
    below = volume * t * 0.999
    assert api_monthly_cost(offer, tokens_per_month=below, input_share=share) <= (
        selfhost_cost(config, tokens_per_month=below).monthly * (1 + 1e-9)
    )
