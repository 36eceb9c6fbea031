"""Is the engineering time worth it? API spend saved minus what the engineers cost."""

from __future__ import annotations

from dataclasses import dataclass

from planner.engine.errors import require_non_negative


@dataclass(frozen=True, slots=True)
class EngineeringRoi:
    api_spend_saved_monthly: float
    engineering_cost_monthly: float
    net_monthly: float
    upfront_cost: float
    payback_months: float | None

    @property
    def worth_it(self) -> bool:
        return self.net_monthly > 0


def engineering_cost(*, hours_per_month: float, hourly_rate: float) -> float:
    return require_non_negative("hours_per_month", hours_per_month) * require_non_negative(
        "hourly_rate", hourly_rate
    )


def engineering_roi(
    *, api_spend_saved_monthly: float, engineering_cost_monthly: float, upfront_cost: float = 0.0
) -> EngineeringRoi:
    """Case 7: $1,800 saved, $11,000 of engineering -> net -$9,200 a month.

    ``payback_months`` is ``upfront / net`` when the net is positive, else ``None``
    (it never pays back).
    """
    saved = require_non_negative("api_spend_saved_monthly", api_spend_saved_monthly)
    cost = require_non_negative("engineering_cost_monthly", engineering_cost_monthly)
    upfront = require_non_negative("upfront_cost", upfront_cost)
    net = saved - cost
    payback = (upfront / net if upfront else 0.0) if net > 0 else None
    return EngineeringRoi(saved, cost, net, upfront, payback)
