"""Rented GPU capacity with real packing, billing modes, reserve and lenses.

Replicas (sized by :class:`~planner.engine.fleet.Serving`: headroom once, peak-to-average
on top) are packed into instances of ``gpus_per_instance`` GPUs; ``pricing`` is per
instance. Billing:

* ``always_on`` - every instance billed every hour of the month;
* ``window`` - every instance billed ``window_hours`` a month, and capacity is what the
  window serves;
* ``scale_to_zero`` - the instance-hours the concurrently busy replicas keep up, plus
  ``buffer_fraction`` for warm-up, never more than the whole fleet running all month
  (:func:`occupied_instance_hours`).

Commitments (:class:`~planner.engine.selfhost.ReservedRate`) are owed every hour in
every mode. Line items: ``compute`` (instances x ``hidden_multiplier``), ``other``
(a flat monthly amount), ``staff`` (FTE x loaded monthly cost), ``implementation`` (a
one-off over ``analysis_months``) and ``reserve`` (what spares and extra regions add).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from planner.engine.errors import ScenarioError, require_non_negative
from planner.engine.fleet import (
    DEFAULT_ANALYSIS_MONTHS,
    CostLine,
    ItemizedCost,
    Lens,
    Packing,
    Serving,
    cost_lines,
    lens_total,
    pack_replicas,
    require_cost_inputs,
    require_whole,
)
from planner.engine.reserve import AvailabilityTarget, ReservePlan, no_reserve, plan_reserve
from planner.engine.selfhost import (
    Billing,
    BillingMode,
    Pricing,
    fixed_monthly_part,
    hourly_part,
    rental_cost,
)
from planner.engine.units import HOURS_PER_MONTH


@dataclass(frozen=True, slots=True)
class RentedCapacity:
    pricing: Pricing  # per instance
    serving: Serving
    gpus_per_instance: int = 1
    allow_multi_instance: bool = False
    billing: Billing = field(default_factory=Billing)
    hidden_multiplier: float = 1.0
    other_monthly: float = 0.0
    ops_fte: float = 0.0
    ops_fte_monthly_cost: float = 0.0
    implementation_one_off: float = 0.0
    name: str = "rented"

    def __post_init__(self) -> None:
        require_whole("selfhost.gpus_per_instance", self.gpus_per_instance)
        if not math.isfinite(self.hidden_multiplier) or self.hidden_multiplier < 1.0:
            raise ScenarioError("selfhost.hidden_multiplier", "must be a number >= 1")
        require_non_negative("selfhost.other_monthly", self.other_monthly)
        require_non_negative("selfhost.ops_fte", self.ops_fte)
        require_non_negative("selfhost.ops_fte_monthly_cost", self.ops_fte_monthly_cost)
        require_non_negative("selfhost.implementation_one_off", self.implementation_one_off)
        # Refuse a replica that cannot be placed now, not at the first quote.
        self.pack(1)

    def pack(self, replicas: int) -> Packing:
        return pack_replicas(
            replicas,
            gpus_per_replica=self.serving.gpus_per_replica,
            gpus_per_unit=self.gpus_per_instance,
            allow_split=self.allow_multi_instance,
            field="selfhost.gpus_per_instance",
        )

    def serving_hours(self, hours_per_month: float) -> float:
        if self.billing.mode is BillingMode.WINDOW:
            assert self.billing.window_hours is not None
            return min(self.billing.window_hours, hours_per_month)
        return hours_per_month

    def replicas_for(self, tokens_per_month: float, *, hours_per_month: float) -> int:
        """Replicas at the peak; scale-to-zero sizes the fleet for the whole month."""
        return self.serving.replicas_for(
            tokens_per_month, hours=self.serving_hours(hours_per_month)
        )


@dataclass(frozen=True, slots=True)
class RentedCost(ItemizedCost):
    name: str
    lens: Lens
    analysis_months: float
    replicas: int  # needed for the load at peak
    reserve: ReservePlan
    instances: int  # all regions, reserve included
    gpus: int
    billed_instance_hours: float
    lines: tuple[CostLine, ...]
    monthly: float  # lines in the lens


def occupied_instance_hours(capacity: RentedCapacity, *, tokens: float, hours: float) -> float:
    """Instance-hours that the replicas busy at the same time keep up, over ``hours``.

    Assumption: the busy replica-hours ``B`` the volume takes arrive at their average
    rate over the billed hours, so ``c = B / hours`` replicas are busy on average: ``floor(c)``
    of them at every moment and one more for the fraction ``c - floor(c)`` of the hours.
    Busy replicas pack onto as few instances as possible, and an instance is billed while
    any replica on it is busy. So ``k`` busy replicas keep ``pack(k).units`` instances up:

    ``hours x ((1 - f) x units(floor(c)) + f x units(floor(c) + 1))``, ``f = c - floor(c)``.

    One busy replica on an 8-GPU instance keeps the whole instance up (not 1/8 of it);
    with one replica an instance this is ``B`` itself; at full load (``c`` = the fleet)
    it is every instance all the hours, as always-on.
    """
    busy = capacity.serving.busy_replica_hours(tokens)
    concurrent = busy / hours
    whole = math.floor(concurrent)
    share = concurrent - whole
    low = capacity.pack(whole).units
    high = capacity.pack(whole + 1).units
    return hours * ((1.0 - share) * low + share * high)


def _compute(
    capacity: RentedCapacity, *, replicas: int, regions: int, tokens: float, hours: float
) -> tuple[float, float, Packing]:
    """(instance cost, billed instance-hours, packing of one region)."""
    packing = capacity.pack(replicas)
    instances = packing.units * regions
    if capacity.billing.mode is BillingMode.SCALE_TO_ZERO:
        occupied = occupied_instance_hours(capacity, tokens=tokens, hours=hours)
        billed = min(occupied * (1.0 + capacity.billing.buffer_fraction), instances * hours)
        cost = instances * fixed_monthly_part(capacity.pricing, hours_per_month=hours) + (
            hourly_part(capacity.pricing) * billed
        )
        return cost, billed, packing
    window = capacity.serving_hours(hours)
    each = rental_cost(capacity.pricing, hours=window, hours_per_month=hours)
    return instances * each, instances * window, packing


def rented_cost(
    capacity: RentedCapacity,
    *,
    tokens_per_month: float,
    lens: Lens = Lens.FULL,
    analysis_months: float = DEFAULT_ANALYSIS_MONTHS,
    availability: AvailabilityTarget | None = None,
    hours_per_month: float = HOURS_PER_MONTH,
) -> RentedCost:
    """Monthly-equivalent cost of serving ``tokens_per_month`` on rented instances."""
    tokens, months, hours, lens = require_cost_inputs(
        tokens_per_month=tokens_per_month,
        analysis_months=analysis_months,
        hours_per_month=hours_per_month,
        lens=lens,
    )
    needed = capacity.replicas_for(tokens, hours_per_month=hours)

    def compute(regions: int, per_region: int) -> float:
        return _compute(capacity, replicas=per_region, regions=regions, tokens=tokens, hours=hours)[
            0
        ]

    if availability is None:
        plan = no_reserve(needed)
    else:
        if capacity.billing.mode is BillingMode.SCALE_TO_ZERO:
            raise ScenarioError(
                "availability_target",
                "scale-to-zero keeps no standing replicas to hold in reserve: "
                "use always_on or window billing",
            )
        plan = plan_reserve(needed, availability, cost=compute)
    base, _, _ = _compute(capacity, replicas=needed, regions=1, tokens=tokens, hours=hours)
    total, billed, packing = _compute(
        capacity,
        replicas=plan.replicas_per_region,
        regions=plan.regions,
        tokens=tokens,
        hours=hours,
    )
    multiplier = capacity.hidden_multiplier
    lines = cost_lines(
        lens,
        (
            ("compute", base * multiplier),
            ("other", capacity.other_monthly),
            ("staff", capacity.ops_fte * capacity.ops_fte_monthly_cost),
            ("implementation", capacity.implementation_one_off / months),
            ("reserve", (total - base) * multiplier),
        ),
    )
    return RentedCost(
        name=capacity.name,
        lens=lens,
        analysis_months=months,
        replicas=needed,
        reserve=plan,
        instances=packing.units * plan.regions,
        gpus=packing.gpus * plan.regions,
        billed_instance_hours=billed,
        lines=lines,
        monthly=lens_total(lines),
    )
