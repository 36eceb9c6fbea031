"""Availability turned into money: expected downtime hours x what an hour down costs."""

from __future__ import annotations

from dataclasses import dataclass

from planner.engine.errors import (
    ScenarioError,
    require_non_negative,
    require_positive,
    require_share,
)
from planner.engine.units import HOURS_PER_MONTH


def downtime_hours(availability: float, *, hours_per_month: float = HOURS_PER_MONTH) -> float:
    """Expected hours down a month: ``(1 - availability) x hours``."""
    return (1.0 - require_share("availability", availability)) * require_positive(
        "hours_per_month", hours_per_month
    )


def downtime_cost(
    availability: float, *, cost_per_hour: float, hours_per_month: float = HOURS_PER_MONTH
) -> float:
    return downtime_hours(availability, hours_per_month=hours_per_month) * require_non_negative(
        "downtime_cost_per_hour", cost_per_hour
    )


def combined_availability(availability: float, *, regions: int = 2) -> float:
    """Independent regions, up while any one is: ``1 - (1 - a)^regions``."""
    a = require_share("availability", availability)
    if isinstance(regions, bool) or not isinstance(regions, int) or regions < 1:
        raise ScenarioError("regions", "must be a whole number >= 1")
    down: float = (1.0 - a) ** regions
    return 1.0 - down


@dataclass(frozen=True, slots=True)
class ReliabilityOption:
    name: str
    availability: float
    monthly: float
    downtime_hours: float
    downtime_cost: float

    @property
    def total(self) -> float:
        return self.monthly + self.downtime_cost


def compare_reliability(
    *,
    api_monthly: float,
    api_availability: float,
    selfhost_gpu_monthly: float,
    selfhost_other_monthly: float = 0.0,
    single_region_availability: float,
    multi_region_availability: float | None = None,
    regions: int = 2,
    downtime_cost_per_hour: float,
    hours_per_month: float = HOURS_PER_MONTH,
) -> tuple[ReliabilityOption, ...]:
    """API vs single-region vs multi-region self-host, each with its downtime bill.

    Multi-region runs the GPUs once per region (the non-GPU costs once); its availability
    is the stated figure, or ``1 - (1 - a)^regions`` from the single-region one.
    """
    multi = (
        combined_availability(single_region_availability, regions=regions)
        if multi_region_availability is None
        else require_share("multi_region_availability", multi_region_availability)
    )
    gpu = require_non_negative("selfhost_gpu_monthly", selfhost_gpu_monthly)
    other = require_non_negative("selfhost_other_monthly", selfhost_other_monthly)

    def option(name: str, availability: float, monthly: float) -> ReliabilityOption:
        return ReliabilityOption(
            name=name,
            availability=availability,
            monthly=monthly,
            downtime_hours=downtime_hours(availability, hours_per_month=hours_per_month),
            downtime_cost=downtime_cost(
                availability, cost_per_hour=downtime_cost_per_hour, hours_per_month=hours_per_month
            ),
        )

    return (
        option("api", api_availability, require_non_negative("api_monthly", api_monthly)),
        option("selfhost_single_region", single_region_availability, gpu + other),
        option("selfhost_multi_region", multi, gpu * regions + other),
    )
