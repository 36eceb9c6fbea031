"""Pinned refusals and figures of the vectorized sweep (issue 19: survivors in sweep.py).

The grid of every test: GPT-5 (5.625 $/M at 50/50) against one $2/h A100 replica
(1,500 tok/s: $1,440 for up to 3.888B tokens a month).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from planner.engine import compose as eng
from planner.engine.api import ApiOffer, PriceTier
from planner.engine.errors import ScenarioError
from planner.engine.fleet import Serving
from planner.engine.rented import RentedCapacity
from planner.engine.selfhost import (
    Billing,
    BillingMode,
    FlatMonthly,
    OnDemandRate,
    OwnedHardware,
    ReservedRate,
    SelfHostConfig,
    SpotRate,
)
from planner.engine.sweep import (
    SweepSpec,
    chunk_bounds,
    evaluate_chunk,
    fleet_of_config,
    point_axes,
    summarize,
    with_analysis_months,
)

GPT = ApiOffer(output_per_mtok=10.0, input_per_mtok=1.25, name="gpt")
A100 = SelfHostConfig(OnDemandRate(2.0), tokens_per_second=1500.0, name="a100")


def spec(**changes: Any) -> SweepSpec:
    return SweepSpec(
        **{
            "volumes": np.array([1e8, 1e9, 1e10]),
            "input_shares": np.array([0.5]),
            "utilizations": np.array([1.0]),
            "api_offers": (GPT,),
            "selfhost_configs": (A100,),
            **changes,
        }
    )


REFUSALS = [
    ({"volumes": np.array([])}, "volumes", "needs at least one value"),
    ({"volumes": np.array([-1.0])}, "volumes", "must be non-negative numbers"),
    ({"volumes": np.array([np.inf])}, "volumes", "must be non-negative numbers"),
    ({"input_shares": np.array([])}, "input_shares", "needs at least one value"),
    ({"input_shares": np.array([1.5])}, "input_shares", "must be between 0 and 1"),
    ({"utilizations": np.array([0.0])}, "utilizations", "must be greater than 0 and at most 1"),
    ({"utilizations": np.array([1.5])}, "utilizations", "must be greater than 0 and at most 1"),
    ({"utilizations": np.array([-0.5])}, "utilizations", "must be non-negative numbers"),
    ({"cached_share": 1.5}, "cached_share", "must be a number between 0 and 1"),
    ({"hours_per_month": 0.0}, "hours_per_month", "must be a positive number"),
    ({"api_offers": ()}, "api", "needs at least one API offer"),
    ({"selfhost_configs": ()}, "selfhost", "needs at least one self-host config"),
    ({"analysis_months": 0.0}, "analysis_months", "must be a positive number"),
    ({"peak_to_average": 0.5}, "peak_to_average", "must be a number >= 1"),
    ({"peak_to_average": float("nan")}, "peak_to_average", "must be a number >= 1"),
    ({"availability_target": 1.5}, "availability_target", "must be a number between 0 and 1"),
    ({"one_off_costs": (1.0, 2.0)}, "one_off_costs", "needs one amount per self-host config"),
    (
        {"one_off_costs": (-1.0,)},
        "selfhost[0].implementation_one_off",
        "must be a non-negative number",
    ),
    (
        {
            "selfhost_configs": (
                A100,
                SelfHostConfig(
                    OnDemandRate(2.0), 1500.0, billing=Billing(BillingMode.SCALE_TO_ZERO)
                ),
            )
        },
        "selfhost[1].billing",
        "sweeps price always-on or window billing",
    ),
]


@pytest.mark.parametrize(("change", "field", "message"), REFUSALS)
def test_spec_refusal_names_the_field_and_the_rule(change, field, message) -> None:
    with pytest.raises(ScenarioError) as refused:
        spec(**change)
    assert (refused.value.field, refused.value.message) == (field, message)


def test_edges_of_the_axes_are_accepted() -> None:
    found = spec(
        volumes=np.array([0.0]),
        input_shares=np.array([0.0, 1.0]),
        utilizations=np.array([1.0]),
        peak_to_average=1.0,
        availability_target=0.9,
    )
    assert found.shape == (1, 2, 1)
    assert found.size == 2
    assert found.option_names == ("gpt", "a100")


def test_chunk_and_summary_refusals() -> None:
    grid = spec()
    with pytest.raises(ScenarioError) as refused:
        evaluate_chunk(grid, 2, 4)
    assert (refused.value.field, refused.value.message) == (
        "chunk",
        "[2, 4) is outside the grid of 3 points",
    )
    with pytest.raises(ScenarioError) as refused:
        evaluate_chunk(grid, 2, 1)
    assert refused.value.field == "chunk"
    with pytest.raises(ScenarioError) as refused:
        chunk_bounds(10, 0)
    assert (refused.value.field, refused.value.message) == (
        "chunk_size",
        "must be a positive integer",
    )
    first, last = evaluate_chunk(grid, 0, 1), evaluate_chunk(grid, 2, 3)
    with pytest.raises(ScenarioError) as refused:
        summarize(grid, [first, last])
    assert (refused.value.field, refused.value.message) == (
        "chunks",
        "chunks leave a gap or overlap at point 1",
    )
    with pytest.raises(ScenarioError) as refused:
        summarize(grid, [first])
    assert (refused.value.field, refused.value.message) == ("chunks", "chunks cover 1 of 3 points")


def test_chunk_bounds() -> None:
    assert chunk_bounds(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert chunk_bounds(3, 1) == [(0, 1), (1, 2), (2, 3)]
    assert chunk_bounds(4, 4) == [(0, 4)]
    assert chunk_bounds(0, 4) == []


def test_grid_figures_and_summary() -> None:
    grid = spec()
    chunk = evaluate_chunk(grid, 0, grid.size)
    # The API: 1e8 / 1e9 / 1e10 tokens x 5.625 $/M = $562.50, $5,625, $56,250. The
    # fleet: 1, 1 and ceil(1e10 / 3.888e9) = 3 replicas: $1,440, $1,440, $4,320.
    assert chunk.api_monthly[:, 0].tolist() == pytest.approx([562.5, 5625.0, 56250.0])
    assert chunk.selfhost_monthly[:, 0].tolist() == pytest.approx([1440.0, 1440.0, 4320.0])
    assert chunk.replicas[:, 0].tolist() == [1.0, 1.0, 3.0]
    assert chunk.cheapest.tolist() == [0, 1, 1]
    # Break-even: the API reaches $1,440 at 1,440 / 5.625 x 1M = 256M.
    assert chunk.breakeven.shape == (1, 1, 1, 1)
    assert chunk.breakeven[0, 0, 0, 0] == 256_000_000
    summary = summarize(grid, [evaluate_chunk(grid, 1, 3), evaluate_chunk(grid, 0, 1)])
    assert summary.option_names == ("gpt", "a100")
    assert summary.wins == {"gpt": 1, "a100": 2}
    (flip,) = summary.frontier
    assert (flip.volume_below, flip.volume_above) == (1e8, 1e9)
    assert (flip.from_option, flip.to_option) == ("gpt", "a100")
    assert (flip.input_share, flip.utilization) == (0.5, 1.0)
    assert summary.cheapest.shape == (3, 1, 1)
    # Without the break-even the chunk carries an empty array.
    assert evaluate_chunk(grid, 0, 1, with_breakeven=False).breakeven.shape == (0, 0, 0, 0)


def test_points_are_volume_major_with_utilization_fastest() -> None:
    grid = spec(
        volumes=np.array([1.0, 2.0]),
        input_shares=np.array([0.25, 0.75]),
        utilizations=np.array([0.5, 1.0]),
    )
    volume, share, utilization = point_axes(grid, 0, 8)
    assert volume.tolist() == [1, 1, 1, 1, 2, 2, 2, 2]
    assert share.tolist() == [0.25, 0.25, 0.75, 0.75, 0.25, 0.25, 0.75, 0.75]
    assert utilization.tolist() == [0.5, 1.0, 0.5, 1.0, 0.5, 1.0, 0.5, 1.0]
    # A chunk from the middle: points 3..5.
    chunk = evaluate_chunk(grid, 3, 6, with_breakeven=False)
    # Point 3: 1 token at 75% input: 0.75 x 1.25 + 0.25 x 10 = 3.4375 $/M.
    assert chunk.api_monthly[0, 0] == pytest.approx(3.4375e-6)
    # Point 4: 2 tokens at 25% input: (0.3125 + 7.5) x 2 / 1M.
    assert chunk.api_monthly[1, 0] == pytest.approx(7.8125 * 2e-6)


def test_a_tiered_offer_and_a_cached_share() -> None:
    # Tokens past 5e9 at half price; half of the input cached at $0.125:
    # input 0.5 x 1.25 + 0.5 x 0.125 = 0.6875; blended 0.5 x 0.6875 + 0.5 x 10 = 5.34375.
    tiered = ApiOffer(
        output_per_mtok=10.0,
        input_per_mtok=1.25,
        cached_input_per_mtok=0.125,
        name="tiered",
        tiers=(PriceTier(from_tokens=5e9, multiplier=0.5),),
    )
    grid = spec(api_offers=(tiered,), cached_share=0.5)
    chunk = evaluate_chunk(grid, 0, grid.size)
    # 1e10 tokens: 5e9 at 5.34375 + 5e9 at 2.671875 = 26,718.75 + 13,359.375.
    assert chunk.api_monthly[:, 0].tolist() == pytest.approx([534.375, 5343.75, 40078.125])
    # The fleet's $1,440 is reached at 1,440 / 5.34375 x 1M = 269,473,684.2: next token.
    assert chunk.breakeven[0, 0, 0, 0] == 269_473_685


def test_basic_configs_become_one_gpu_fleets() -> None:
    for pricing, price in (
        (OnDemandRate(2.0), 2.0),
        (ReservedRate(1.5), 1.5),
        (SpotRate(hourly=0.8, interruption_allowance=0.1), 0.8),
        (SpotRate(on_demand_hourly=2.0, discount=0.25), 1.5),
        (FlatMonthly(1000.0), 1000.0),
        (OwnedHardware(36_000.0), 36_000.0),
    ):
        config = SelfHostConfig(pricing, 1500.0, utilization=0.5, hidden_monthly=100.0, name="x")
        option = fleet_of_config(config, one_off=3600.0, peak_to_average=2.0)
        assert option.price == eng.Span(price, price, price)
        assert option.tokens_per_second == eng.Span(1500.0, 1500.0, 1500.0)
        assert option.other_monthly == eng.Span(100.0, 100.0, 100.0)
        fleet = option.fleet
        assert isinstance(fleet, RentedCapacity)
        assert fleet.serving == Serving(1500.0, 1, 0.5, 2.0)
        assert (fleet.other_monthly, fleet.implementation_one_off, fleet.name) == (
            100.0,
            3600.0,
            "x",
        )


def test_one_off_costs_and_the_analysis_period() -> None:
    # $3,600 of implementation over 36 months = $100 a month; over 12 months $300.
    grid = spec(one_off_costs=(3600.0,))
    assert evaluate_chunk(grid, 0, 1).selfhost_monthly[0, 0] == pytest.approx(1540.0)
    shorter = with_analysis_months(grid, 12.0)
    assert shorter.analysis_months == 12.0
    assert evaluate_chunk(shorter, 0, 1).selfhost_monthly[0, 0] == pytest.approx(1740.0)
    assert shorter.one_off_costs == (3600.0,)


def test_peak_and_reserve_size_the_fleet() -> None:
    # Peak 2: each replica carries 1.944B of the average; 1e9 needs 1, 1e10 needs 6.
    # A 99.9% target on 99% replicas adds a spare: 1e9 costs 2 x 1,440.
    grid = spec(peak_to_average=2.0, availability_target=0.999)
    chunk = evaluate_chunk(grid, 0, grid.size)
    assert chunk.replicas[:, 0].tolist() == [1.0, 1.0, 6.0]
    assert chunk.selfhost_monthly[1, 0] == pytest.approx(2880.0)
    assert grid.scenario().workload.availability_target == 0.999
    assert [o.name for o in grid.scenario().options] == ["0:a100"]


def test_the_frontier_names_the_options_either_side_of_each_flip() -> None:
    # Volumes in descending order: the fleet wins at 1e10 and 1e9, the API at 1e8.
    grid = spec(volumes=np.array([1e10, 1e9, 1e8]))
    summary = summarize(grid, [evaluate_chunk(grid, 0, 3)])
    (flip,) = summary.frontier
    assert (flip.volume_below, flip.volume_above) == (1e9, 1e8)
    assert (flip.from_option, flip.to_option) == ("a100", "gpt")
    assert summary.wins == {"gpt": 1, "a100": 2}


def test_another_analysis_period_keeps_everything_else() -> None:
    grid = spec(
        cached_share=0.5,
        hours_per_month=730.0,
        peak_to_average=2.0,
        availability_target=0.999,
        lens="marginal",
        one_off_costs=(3600.0,),
    )
    other = with_analysis_months(grid, 12.0)
    assert (other.cached_share, other.hours_per_month, other.peak_to_average) == (0.5, 730.0, 2.0)
    assert (other.availability_target, other.lens.value) == (0.999, "marginal")
    assert (other.one_off_costs, other.analysis_months) == ((3600.0,), 12.0)
    assert other.volumes.tolist() == grid.volumes.tolist()
