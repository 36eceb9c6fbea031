from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.engine.api import ApiOffer, api_monthly_cost
from planner.engine.compose import fleet_cost
from planner.engine.errors import ScenarioError
from planner.engine.selfhost import FlatMonthly, SelfHostConfig
from planner.engine.sweep import (
    SweepSpec,
    chunk_bounds,
    evaluate_chunk,
    fleet_of_config,
    point_axes,
    summarize,
)
from tests.engine.strategies import api_offers, selfhost_configs, shares, utilizations, volumes

GPT5 = ApiOffer(input_per_mtok=1.25, output_per_mtok=10.0, name="gpt-5")
FLASH = ApiOffer(output_per_mtok=0.25, name="flash")
A100 = SelfHostConfig(FlatMonthly(1440), 1500, name="a100")


def rel_equal(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    offers=st.lists(api_offers(), min_size=1, max_size=3),
    configs=st.lists(selfhost_configs(), min_size=1, max_size=3),
    vols=st.lists(volumes, min_size=1, max_size=4),
    input_shares=st.lists(shares, min_size=1, max_size=3),
    utils=st.lists(utilizations, min_size=1, max_size=3),
    cached_share=shares,
    data=st.data(),
)
def test_vectorized_equals_scalar(
    offers: list[ApiOffer],
    configs: list[SelfHostConfig],
    vols: list[float],
    input_shares: list[float],
    utils: list[float],
    cached_share: float,
    data: st.DataObject,
) -> None:
    spec = SweepSpec(
        np.array(vols),
        np.array(input_shares),
        np.array(utils),
        tuple(offers),
        tuple(configs),
        cached_share=cached_share,
    )
    start = data.draw(st.integers(0, spec.size - 1))
    stop = data.draw(st.integers(start + 1, spec.size))
    chunk = evaluate_chunk(spec, start, stop)
    volume, share, utilization = point_axes(spec, start, stop)
    for i in range(stop - start):
        costs = []
        for o, offer in enumerate(offers):
            expected = api_monthly_cost(
                offer, tokens_per_month=volume[i], input_share=share[i], cached_share=cached_share
            )
            assert rel_equal(chunk.api_monthly[i, o], expected)
            costs.append(expected)
        for c, config in enumerate(configs):
            # The basic config is a one-GPU rented fleet at the point's utilization
            # (tests/engine/test_sweep_compose.py holds every fleet to the composition).
            at_u = fleet_of_config(config.with_utilization(float(utilization[i])))
            scalar = fleet_cost(at_u, float(volume[i]), spec.scenario())
            assert chunk.replicas[i, c] == scalar.replicas
            assert rel_equal(chunk.selfhost_monthly[i, c], scalar.monthly)
            costs.append(scalar.monthly)
        best = min(costs)
        assert costs[chunk.cheapest[i]] == pytest.approx(best, rel=1e-9)


def test_chunks_stitch_to_the_whole_grid() -> None:
    spec = SweepSpec(
        np.geomspace(1e6, 1e11, 50),
        np.linspace(0, 1, 5),
        np.array([0.5, 1.0]),
        (GPT5, FLASH),
        (A100,),
    )
    whole = evaluate_chunk(spec, 0, spec.size)
    parts = [evaluate_chunk(spec, a, b) for a, b in chunk_bounds(spec.size, 37)]
    np.testing.assert_array_equal(np.concatenate([p.api_monthly for p in parts]), whole.api_monthly)
    np.testing.assert_array_equal(np.concatenate([p.cheapest for p in parts]), whole.cheapest)
    summary = summarize(spec, list(reversed(parts)))
    assert sum(summary.wins.values()) == spec.size
    assert summary.cheapest.shape == spec.shape


def test_frontier_flips_where_costs_cross() -> None:
    # GPT-5 vs one A100: the API is cheaper below 256M tokens/month, the A100 above.
    spec = SweepSpec(np.array([100e6, 200e6, 300e6, 1e9]), [0.5], [1.0], (GPT5,), (A100,))
    summary = summarize(spec, [evaluate_chunk(spec, 0, spec.size)])
    (flip,) = summary.frontier
    assert (flip.volume_below, flip.volume_above) == (200e6, 300e6)
    assert (flip.from_option, flip.to_option) == ("gpt-5", "a100")
    assert summary.breakeven[0, 0, 0, 0] == pytest.approx(256e6)


def test_summarize_rejects_gaps() -> None:
    spec = SweepSpec(np.array([1e6, 2e6]), [0.5], [1.0], (GPT5,), (A100,))
    with pytest.raises(ScenarioError) as error:
        summarize(spec, [evaluate_chunk(spec, 0, 1)])
    assert error.value.field == "chunks"


def test_chunk_outside_grid() -> None:
    spec = SweepSpec(np.array([1e6]), [0.5], [1.0], (GPT5,), (A100,))
    with pytest.raises(ScenarioError):
        evaluate_chunk(spec, 0, 2)
