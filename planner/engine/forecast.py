"""Month-by-month projection: growth, price declines, migration payback and budget.

Month ``m`` (1-based) serves ``tokens x (1 + growth)^(m - 1)``. Prices fall smoothly:
the API bill is scaled by ``(1 - api_price_decline_per_year)^((m - 1) / 12)`` and the GPU
part of self-hosting by the same form with ``gpu_price_decline_per_year`` (hidden and
fixed non-GPU costs do not fall). Moving to self-hosting costs a one-off
``migration_weeks x weekly_rate``.

* break-even month: the first month self-hosting costs no more than the API;
* payback month: the first month the cumulative savings (API - self-host, summed from
  month 1, negative months included) reach the migration cost;
* budget months: the first month each option costs more than ``monthly_budget``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from planner.engine.api import STANDARD_TRAFFIC, ApiOffer, ApiTraffic, api_monthly_cost
from planner.engine.errors import (
    ScenarioError,
    require_non_negative,
    require_share,
)
from planner.engine.fleet import Lens, require_whole
from planner.engine.rented import RentedCapacity, rented_cost
from planner.engine.selfhost import SelfHostConfig, selfhost_cost
from planner.engine.units import HOURS_PER_MONTH

DEFAULT_FORECAST_MONTHS = 24


@dataclass(frozen=True, slots=True)
class ForecastMonth:
    month: int
    tokens_per_month: float
    api_monthly: float
    selfhost_monthly: float
    savings: float  # api - selfhost
    cumulative_savings: float


@dataclass(frozen=True, slots=True)
class Forecast:
    months: tuple[ForecastMonth, ...]
    migration_cost: float
    breakeven_month: int | None
    payback_month: int | None
    monthly_budget: float | None
    api_budget_exceeded_month: int | None
    selfhost_budget_exceeded_month: int | None


# A self-hosted option's monthly cost at a volume, split into (the GPU part that gets
# cheaper, the rest): what :meth:`Composition.parts_at` answers.
SelfHostParts = Callable[[float], tuple[float, float]]


def _selfhost_parts(
    option: SelfHostConfig | RentedCapacity | SelfHostParts, tokens: float, hours: float
) -> tuple[float, float]:
    """(GPU part that gets cheaper, the rest)."""
    if callable(option):
        return option(tokens)
    if isinstance(option, RentedCapacity):
        cost = rented_cost(option, tokens_per_month=tokens, lens=Lens.FULL, hours_per_month=hours)
        gpu = cost.line("compute") + cost.line("reserve")
        return gpu, cost.monthly - gpu
    result = selfhost_cost(option, tokens_per_month=tokens, hours_per_month=hours)
    gpu = result.gpu_monthly * option.hidden_multiplier
    return gpu, result.monthly - gpu


def forecast(
    *,
    api: ApiOffer,
    selfhost: SelfHostConfig | RentedCapacity | SelfHostParts,
    tokens_per_month: float,
    monthly_growth: float = 0.0,
    months: int = DEFAULT_FORECAST_MONTHS,
    input_share: float = 0.5,
    cached_share: float = 0.0,
    api_price_decline_per_year: float = 0.0,
    gpu_price_decline_per_year: float = 0.0,
    migration_weeks: float = 0.0,
    weekly_rate: float = 0.0,
    monthly_budget: float | None = None,
    hours_per_month: float = HOURS_PER_MONTH,
    traffic: ApiTraffic = STANDARD_TRAFFIC,
) -> Forecast:
    """Project both options for ``months`` months (see the module docstring)."""
    base = require_non_negative("tokens_per_month", tokens_per_month)
    if not math.isfinite(monthly_growth) or monthly_growth <= -1.0:
        raise ScenarioError("monthly_growth", "must be a number greater than -1")
    growth = float(monthly_growth)
    count = require_whole("months", months)
    api_decline = require_share("api_price_decline_per_year", api_price_decline_per_year)
    gpu_decline = require_share("gpu_price_decline_per_year", gpu_price_decline_per_year)
    migration = require_non_negative("migration_weeks", migration_weeks) * require_non_negative(
        "weekly_rate", weekly_rate
    )
    budget = (
        None if monthly_budget is None else require_non_negative("monthly_budget", monthly_budget)
    )

    rows: list[ForecastMonth] = []
    cumulative = 0.0
    for month in range(1, count + 1):
        years = (month - 1) / 12.0
        tokens = base * (1.0 + growth) ** (month - 1)
        api_cost = (
            api_monthly_cost(
                api,
                tokens_per_month=tokens,
                input_share=input_share,
                cached_share=cached_share,
                traffic=traffic,
            )
            * (1.0 - api_decline) ** years
        )
        gpu, rest = _selfhost_parts(selfhost, tokens, hours_per_month)
        selfhost_monthly = gpu * (1.0 - gpu_decline) ** years + rest
        savings = api_cost - selfhost_monthly
        cumulative += savings
        rows.append(ForecastMonth(month, tokens, api_cost, selfhost_monthly, savings, cumulative))

    def first(condition: list[bool]) -> int | None:
        return next((index + 1 for index, hit in enumerate(condition) if hit), None)

    return Forecast(
        months=tuple(rows),
        migration_cost=migration,
        breakeven_month=first([r.selfhost_monthly <= r.api_monthly for r in rows]),
        payback_month=first([r.cumulative_savings >= migration for r in rows]),
        monthly_budget=budget,
        api_budget_exceeded_month=(
            None if budget is None else first([r.api_monthly > budget for r in rows])
        ),
        selfhost_budget_exceeded_month=(
            None if budget is None else first([r.selfhost_monthly > budget for r in rows])
        ),
    )
