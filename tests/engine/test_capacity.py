from __future__ import annotations

import pytest

from planner.engine.capacity import (
    aggregate_tokens_per_second,
    busy_hours,
    capacity_tokens_per_month,
    cost_per_mtok,
    cost_per_mtok_at_utilization,
    replicas_needed,
    scaling_efficiency,
)
from planner.engine.errors import ScenarioError


def test_capacity_scales_with_utilization_and_hours() -> None:
    assert capacity_tokens_per_month(tokens_per_second=1500, utilization=0.5) == 1.944e9
    assert capacity_tokens_per_month(tokens_per_second=1000, hours_per_month=100) == 3.6e8


def test_single_stream_vs_aggregate() -> None:
    efficiency = scaling_efficiency(
        single_stream_tokens_per_second=33, aggregate_tokens_per_second=620, concurrency=100
    )
    assert efficiency == pytest.approx(620 / 3300)
    assert aggregate_tokens_per_second(
        single_stream_tokens_per_second=33, concurrency=100, scaling_efficiency=efficiency
    ) == pytest.approx(620)


@pytest.mark.parametrize(
    ("volume", "replicas"), [(0, 1), (1, 1), (3.888e9, 1), (3.888e9 + 1, 2), (10e9, 3)]
)
def test_replicas_step(volume: float, replicas: int) -> None:
    assert replicas_needed(tokens_per_month=volume, capacity_tokens_per_month=3.888e9) == replicas


def test_cost_per_mtok() -> None:
    assert cost_per_mtok(monthly_cost=1440, tokens_per_month=1e9) == 1.44
    assert cost_per_mtok(monthly_cost=1440, tokens_per_month=0) is None
    # A fully used A100 at $1,440 costs $0.37 per 1M; at 50% utilization twice that.
    full = cost_per_mtok_at_utilization(monthly_cost=1440, tokens_per_second=1500, utilization=1)
    half = cost_per_mtok_at_utilization(monthly_cost=1440, tokens_per_second=1500, utilization=0.5)
    assert round(full, 4) == 0.3704
    assert half == pytest.approx(2 * full)


def test_busy_hours() -> None:
    assert busy_hours(tokens_per_month=5.4e9, tokens_per_second=1500) == 1000


@pytest.mark.parametrize("utilization", [0.0, -0.1, 1.01, float("nan")])
def test_utilization_must_be_in_range(utilization: float) -> None:
    with pytest.raises(ScenarioError) as error:
        capacity_tokens_per_month(tokens_per_second=1500, utilization=utilization)
    assert error.value.field == "utilization"
