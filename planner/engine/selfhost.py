"""What a self-hosted deployment costs a month: rent or own, and how it is billed.

Pricing (per replica, i.e. per deployment that serves the model once):

* :class:`OnDemandRate` - hourly, pay for the hours billed.
* :class:`SpotRate` - a spot hourly (or on-demand minus a discount) plus an interruption
  allowance: the extra fraction of hours re-run after pre-emptions.
* :class:`ReservedRate` - a committed hourly, paid for every hour of the month.
* :class:`OwnedHardware` - purchase price over its useful life (36 months by default)
  plus power (W x PUE x hours x $/kWh / 1000) plus optional colocation.
* :class:`FlatMonthly` - a quoted monthly price.

Billing modes: always-on (every hour of the month), a business-hours window (a given
number of hours a month), or scale-to-zero (only the busy hours the volume needs, plus
an optional warm-up buffer).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import StrEnum

from planner.engine.capacity import capacity_tokens_per_month, replicas_needed
from planner.engine.errors import (
    ScenarioError,
    require_non_negative,
    require_positive,
    require_share,
    require_utilization,
)
from planner.engine.units import HOURS_PER_MONTH, SECONDS_PER_HOUR, TOKENS_PER_MTOK


@dataclass(frozen=True, slots=True)
class OnDemandRate:
    hourly: float

    def __post_init__(self) -> None:
        require_non_negative("selfhost.hourly", self.hourly)


@dataclass(frozen=True, slots=True)
class SpotRate:
    """Spot capacity: ``hourly``, or ``on_demand_hourly x (1 - discount)``.

    ``interruption_allowance`` is the extra fraction of hours paid to re-run work lost
    to pre-emption (0.1 = 10% more hours).
    """

    hourly: float | None = None
    on_demand_hourly: float | None = None
    discount: float | None = None
    interruption_allowance: float = 0.0

    def __post_init__(self) -> None:
        if self.hourly is not None:
            require_non_negative("selfhost.spot_hourly", self.hourly)
        elif self.on_demand_hourly is None or self.discount is None:
            raise ScenarioError(
                "selfhost.spot_hourly", "give a spot hourly or an on-demand hourly and a discount"
            )
        else:
            require_non_negative("selfhost.on_demand_hourly", self.on_demand_hourly)
            require_share("selfhost.spot_discount", self.discount)
        require_non_negative("selfhost.interruption_allowance", self.interruption_allowance)

    @property
    def effective_hourly(self) -> float:
        """Spot hourly grossed up by the interruption allowance."""
        if self.hourly is not None:
            base = self.hourly
        else:
            assert self.on_demand_hourly is not None
            assert self.discount is not None
            base = self.on_demand_hourly * (1.0 - self.discount)
        return base * (1.0 + self.interruption_allowance)


@dataclass(frozen=True, slots=True)
class ReservedRate:
    """A commitment: the hourly is owed for every hour of the month, used or not."""

    hourly: float

    def __post_init__(self) -> None:
        require_non_negative("selfhost.reserved_hourly", self.hourly)


@dataclass(frozen=True, slots=True)
class OwnedHardware:
    purchase_price: float
    useful_life_months: float = 36.0
    power_w: float = 0.0
    pue: float = 1.0
    usd_per_kwh: float = 0.0
    colocation_monthly: float = 0.0

    def __post_init__(self) -> None:
        require_non_negative("selfhost.purchase_price", self.purchase_price)
        require_positive("selfhost.useful_life_months", self.useful_life_months)
        require_non_negative("selfhost.power_w", self.power_w)
        require_positive("selfhost.pue", self.pue)
        require_non_negative("selfhost.usd_per_kwh", self.usd_per_kwh)
        require_non_negative("selfhost.colocation_monthly", self.colocation_monthly)

    @property
    def amortized_monthly(self) -> float:
        return self.purchase_price / self.useful_life_months

    def power_cost(self, *, hours: float) -> float:
        return self.power_w * self.pue * hours * self.usd_per_kwh / 1000.0


@dataclass(frozen=True, slots=True)
class FlatMonthly:
    monthly: float

    def __post_init__(self) -> None:
        require_non_negative("selfhost.monthly", self.monthly)


Pricing = OnDemandRate | SpotRate | ReservedRate | OwnedHardware | FlatMonthly


def rental_cost(
    pricing: Pricing, *, hours: float, hours_per_month: float = HOURS_PER_MONTH
) -> float:
    """Cost of one replica billed for ``hours`` (any period: a month, a year).

    Case 6: ``SpotRate(hourly=1.65)`` for 70% of 8,760 hours -> $10,117.80.
    Reserved and owned hardware are owed whatever the hours: their fixed part is charged
    for ``hours_per_month`` worth of commitment, so only use this for one month with them.
    """
    hours = require_non_negative("hours", hours)
    match pricing:
        case OnDemandRate(hourly=hourly):
            return hourly * hours
        case SpotRate():
            return pricing.effective_hourly * hours
        case ReservedRate(hourly=hourly):
            return hourly * require_positive("hours_per_month", hours_per_month)
        case OwnedHardware():
            return (
                pricing.amortized_monthly
                + pricing.power_cost(hours=hours)
                + pricing.colocation_monthly
            )
        case FlatMonthly(monthly=monthly):
            return monthly
    raise ScenarioError("selfhost.pricing", f"unknown pricing {pricing!r}")


def fixed_monthly_part(pricing: Pricing, *, hours_per_month: float = HOURS_PER_MONTH) -> float:
    """The part owed even at zero busy hours (commitments, amortization, colocation)."""
    return rental_cost(pricing, hours=0.0, hours_per_month=hours_per_month)


def hourly_part(pricing: Pricing) -> float:
    """The part that grows with billed hours, per hour."""
    match pricing:
        case OnDemandRate(hourly=hourly):
            return hourly
        case SpotRate():
            return pricing.effective_hourly
        case OwnedHardware():
            return pricing.power_cost(hours=1.0)
    return 0.0


class BillingMode(StrEnum):
    ALWAYS_ON = "always_on"
    WINDOW = "window"
    SCALE_TO_ZERO = "scale_to_zero"


@dataclass(frozen=True, slots=True)
class Billing:
    mode: BillingMode = BillingMode.ALWAYS_ON
    window_hours: float | None = None
    buffer_fraction: float = 0.0

    def __post_init__(self) -> None:
        if self.mode is BillingMode.WINDOW:
            if self.window_hours is None:
                raise ScenarioError("selfhost.window_hours", "required for the window billing mode")
            require_positive("selfhost.window_hours", self.window_hours)
        require_non_negative("selfhost.buffer_fraction", self.buffer_fraction)


@dataclass(frozen=True, slots=True)
class SelfHostConfig:
    """One self-hosted deployment option; ``pricing`` is per replica."""

    pricing: Pricing
    tokens_per_second: float
    utilization: float = 1.0
    billing: Billing = field(default_factory=Billing)
    hidden_multiplier: float = 1.0
    hidden_monthly: float = 0.0
    name: str = "selfhost"

    def __post_init__(self) -> None:
        require_positive("selfhost.tokens_per_second", self.tokens_per_second)
        require_utilization("selfhost.utilization", self.utilization)
        if not math.isfinite(self.hidden_multiplier) or self.hidden_multiplier < 1.0:
            raise ScenarioError("selfhost.hidden_multiplier", "must be a number >= 1")
        require_non_negative("selfhost.hidden_monthly", self.hidden_monthly)

    def with_utilization(self, utilization: float) -> SelfHostConfig:
        return replace(self, utilization=utilization)

    def serving_hours(self, *, hours_per_month: float = HOURS_PER_MONTH) -> float:
        """Hours a replica is up and serving each month under an always-on or window mode."""
        if self.billing.mode is BillingMode.WINDOW:
            assert self.billing.window_hours is not None
            return min(self.billing.window_hours, hours_per_month)
        return hours_per_month

    def capacity_tokens_per_month(self, *, hours_per_month: float = HOURS_PER_MONTH) -> float:
        """What one replica serves in a month (scale-to-zero: if it ran all month)."""
        return capacity_tokens_per_month(
            tokens_per_second=self.tokens_per_second,
            hours_per_month=self.serving_hours(hours_per_month=hours_per_month),
            utilization=self.utilization,
        )

    def replica_monthly(self, *, hours_per_month: float = HOURS_PER_MONTH) -> float:
        """GPU cost of one replica for a month in an always-on or window mode."""
        return rental_cost(
            self.pricing,
            hours=self.serving_hours(hours_per_month=hours_per_month),
            hours_per_month=hours_per_month,
        )

    def fixed_monthly(self, *, hours_per_month: float = HOURS_PER_MONTH) -> float:
        """Total monthly cost of one replica whatever the volume (what break-even divides).

        Scale-to-zero: only commitments, amortization and colocation are fixed.
        """
        if self.billing.mode is BillingMode.SCALE_TO_ZERO:
            gpu = fixed_monthly_part(self.pricing, hours_per_month=hours_per_month)
        else:
            gpu = self.replica_monthly(hours_per_month=hours_per_month)
        return gpu * self.hidden_multiplier + self.hidden_monthly

    def variable_per_mtok(self) -> float:
        """Cost per 1M tokens that grows with volume (scale-to-zero only; else 0)."""
        if self.billing.mode is not BillingMode.SCALE_TO_ZERO:
            return 0.0
        hours_per_mtok = TOKENS_PER_MTOK / self.tokens_per_second / SECONDS_PER_HOUR
        hours_per_mtok *= (1.0 + self.billing.buffer_fraction) / self.utilization
        return hourly_part(self.pricing) * hours_per_mtok * self.hidden_multiplier


@dataclass(frozen=True, slots=True)
class SelfHostCost:
    replicas: int
    billed_hours: float
    capacity_tokens_per_month: float
    gpu_monthly: float
    hidden_monthly: float
    monthly: float
    idle_cost: float


def selfhost_cost(
    config: SelfHostConfig, *, tokens_per_month: float, hours_per_month: float = HOURS_PER_MONTH
) -> SelfHostCost:
    """Monthly cost of serving ``tokens_per_month`` on ``config``.

    ``monthly = gpu x hidden_multiplier + hidden_monthly``; the fixed hidden items are
    not per replica. ``idle_cost`` is the GPU cost of capacity paid for but unused.
    """
    volume = require_non_negative("tokens_per_month", tokens_per_month)
    hours = require_positive("hours_per_month", hours_per_month)
    capacity = config.capacity_tokens_per_month(hours_per_month=hours)
    replicas = replicas_needed(tokens_per_month=volume, capacity_tokens_per_month=capacity)
    if config.billing.mode is BillingMode.SCALE_TO_ZERO:
        busy = volume / (config.tokens_per_second * SECONDS_PER_HOUR * config.utilization)
        billed = min(busy * (1.0 + config.billing.buffer_fraction), replicas * hours)
        gpu = replicas * fixed_monthly_part(config.pricing, hours_per_month=hours) + (
            hourly_part(config.pricing) * billed
        )
        idle = 0.0
    else:
        billed = replicas * config.serving_hours(hours_per_month=hours)
        gpu = replicas * config.replica_monthly(hours_per_month=hours)
        idle = gpu * (1.0 - volume / (replicas * capacity))
    return SelfHostCost(
        replicas=replicas,
        billed_hours=billed,
        capacity_tokens_per_month=capacity,
        gpu_monthly=gpu,
        hidden_monthly=config.hidden_monthly,
        monthly=gpu * config.hidden_multiplier + config.hidden_monthly,
        idle_cost=idle,
    )


def selfhost_monthly_cost(
    config: SelfHostConfig, *, tokens_per_month: float, hours_per_month: float = HOURS_PER_MONTH
) -> float:
    return selfhost_cost(
        config, tokens_per_month=tokens_per_month, hours_per_month=hours_per_month
    ).monthly
