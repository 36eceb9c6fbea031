"""Hypothesis strategies for engine inputs."""

from __future__ import annotations

from hypothesis import strategies as st

from planner.engine.api import ApiOffer, PriceTier
from planner.engine.selfhost import FlatMonthly, OnDemandRate, SelfHostConfig

prices = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)
volumes = st.floats(min_value=0.0, max_value=1e12, allow_nan=False)
shares = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
utilizations = st.floats(min_value=0.01, max_value=1.0, allow_nan=False)


@st.composite
def api_offers(draw: st.DrawFn, *, tiers: bool = True) -> ApiOffer:
    output = draw(prices)
    input_price = draw(st.none() | prices)
    cached = draw(st.none() | prices) if input_price is not None else None
    tier_list: tuple[PriceTier, ...] = ()
    if tiers and draw(st.booleans()):
        starts = sorted(set(draw(st.lists(st.floats(1e6, 1e11), min_size=1, max_size=3))))
        tier_list = tuple(
            PriceTier(start, multiplier=draw(st.floats(0.1, 1.0))) for start in starts
        )
    return ApiOffer(
        output_per_mtok=output,
        input_per_mtok=input_price,
        cached_input_per_mtok=cached,
        tiers=tier_list,
        name=f"api{draw(st.integers(0, 10**6))}",
    )


@st.composite
def selfhost_configs(draw: st.DrawFn) -> SelfHostConfig:
    pricing = draw(
        st.builds(FlatMonthly, st.floats(0.0, 50_000.0))
        | st.builds(OnDemandRate, st.floats(0.0, 50.0))
    )
    return SelfHostConfig(
        pricing=pricing,
        tokens_per_second=draw(st.floats(1.0, 20_000.0)),
        hidden_multiplier=draw(st.floats(1.0, 3.0)),
        hidden_monthly=draw(st.floats(0.0, 10_000.0)),
        name=f"sh{draw(st.integers(0, 10**6))}",
    )
