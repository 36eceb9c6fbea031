"""Throughput, utilization and replicas of a self-hosted deployment.

Capacity of one deployment (a replica) is ``output tokens/s x seconds in the month x
utilization``; serving more than that takes more replicas, so self-hosting cost is a
step function of volume.
"""

from __future__ import annotations

import math

from planner.engine.errors import (
    require_non_negative,
    require_positive,
    require_utilization,
)
from planner.engine.units import HOURS_PER_MONTH, SECONDS_PER_HOUR, TOKENS_PER_MTOK


def capacity_tokens_per_month(
    *, tokens_per_second: float, hours_per_month: float = HOURS_PER_MONTH, utilization: float = 1.0
) -> float:
    """Tokens one replica serves in a month: 1,500 tok/s x 720 h x 3,600 s = 3.888B."""
    rate = require_positive("tokens_per_second", tokens_per_second)
    hours = require_positive("hours_per_month", hours_per_month)
    return rate * hours * SECONDS_PER_HOUR * require_utilization("utilization", utilization)


def aggregate_tokens_per_second(
    *, single_stream_tokens_per_second: float, concurrency: int, scaling_efficiency: float = 1.0
) -> float:
    """Whole-server throughput with ``concurrency`` streams in flight.

    Batching rarely scales linearly; ``scaling_efficiency`` is the measured fraction of
    linear (the reference 671B MoE node: 620 / (33 x 100) = 0.188).
    """
    single = require_positive("single_stream_tokens_per_second", single_stream_tokens_per_second)
    streams = require_positive("concurrency", concurrency)
    return single * streams * require_non_negative("scaling_efficiency", scaling_efficiency)


def scaling_efficiency(
    *, single_stream_tokens_per_second: float, aggregate_tokens_per_second: float, concurrency: int
) -> float:
    """Measured aggregate as a fraction of ``single_stream x concurrency``."""
    single = require_positive("single_stream_tokens_per_second", single_stream_tokens_per_second)
    streams = require_positive("concurrency", concurrency)
    return require_non_negative("aggregate_tokens_per_second", aggregate_tokens_per_second) / (
        single * streams
    )


def replicas_needed(*, tokens_per_month: float, capacity_tokens_per_month: float) -> int:
    """Replicas to serve the volume: ``ceil(volume / capacity)``, at least one."""
    volume = require_non_negative("tokens_per_month", tokens_per_month)
    capacity = require_positive("capacity_tokens_per_month", capacity_tokens_per_month)
    return max(1, math.ceil(volume / capacity))


def busy_hours(*, tokens_per_month: float, tokens_per_second: float) -> float:
    """Hours of serving at full speed the volume takes (what scale-to-zero bills)."""
    volume = require_non_negative("tokens_per_month", tokens_per_month)
    return volume / require_positive("tokens_per_second", tokens_per_second) / SECONDS_PER_HOUR


def cost_per_mtok(*, monthly_cost: float, tokens_per_month: float) -> float | None:
    """Cost per 1M tokens actually served; ``None`` for a month with no tokens."""
    volume = require_non_negative("tokens_per_month", tokens_per_month)
    if volume == 0:
        return None
    return require_non_negative("monthly_cost", monthly_cost) / (volume / TOKENS_PER_MTOK)


def cost_per_mtok_at_utilization(
    *,
    monthly_cost: float,
    tokens_per_second: float,
    utilization: float,
    hours_per_month: float = HOURS_PER_MONTH,
) -> float:
    """Cost per 1M tokens of a replica kept busy ``utilization`` of the time."""
    capacity = capacity_tokens_per_month(
        tokens_per_second=tokens_per_second,
        hours_per_month=hours_per_month,
        utilization=utilization,
    )
    return require_non_negative("monthly_cost", monthly_cost) / (capacity / TOKENS_PER_MTOK)
