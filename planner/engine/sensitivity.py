"""Sensitivity (tornado): which input moves "self-host minus API" the most, and does the
answer flip?

The figure studied is ``difference = self-host monthly + engineering - API monthly``
(negative: self-hosting is cheaper). Each named input is set to its low and its high
value, one at a time, the others at base; the swing is ``|difference(high) -
difference(low)|`` and the bars come sorted by swing, largest first. A bar flips at an
end when the cheaper side there differs from the base's.

Inputs: ``utilization`` (0-1], ``gpu_price`` (always-on GPU cost of one replica a month;
other values scale the GPU bill in proportion), ``engineer_rate`` ($/h), ``volume``
(tokens/month), ``input_share`` [0-1]. Each is a :class:`Swing` with absolute ``low`` /
``high`` or a ``pct`` (0.2 = +/-20% of the base value, clipped to the input's range).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from planner.engine.api import ApiOffer, api_monthly_cost
from planner.engine.compose import Composition, FleetChoice, Scenario, compose
from planner.engine.errors import ScenarioError, require_non_negative, require_share
from planner.engine.selfhost import SelfHostConfig, selfhost_cost
from planner.engine.units import HOURS_PER_MONTH

INPUTS = ("utilization", "gpu_price", "engineer_rate", "volume", "input_share")


@dataclass(frozen=True, slots=True)
class SensitivityBase:
    tokens_per_month: float
    api: ApiOffer
    selfhost: SelfHostConfig
    input_share: float = 0.5
    cached_share: float = 0.0
    engineer_hours_per_month: float = 0.0
    engineer_hourly_rate: float = 0.0
    hours_per_month: float = HOURS_PER_MONTH

    def __post_init__(self) -> None:
        require_non_negative("tokens_per_month", self.tokens_per_month)
        require_share("input_share", self.input_share)
        require_non_negative("engineer_hours_per_month", self.engineer_hours_per_month)
        require_non_negative("engineer_hourly_rate", self.engineer_hourly_rate)

    def value(self, name: str) -> float:
        """The base value of a named input."""
        match name:
            case "utilization":
                return self.selfhost.utilization
            case "gpu_price":
                return self.selfhost.replica_monthly(hours_per_month=self.hours_per_month)
            case "engineer_rate":
                return self.engineer_hourly_rate
            case "volume":
                return self.tokens_per_month
            case "input_share":
                return self.input_share
        raise ScenarioError(
            "sensitivity.name", f"unknown input {name!r} (one of {', '.join(INPUTS)})"
        )


@dataclass(frozen=True, slots=True)
class Swing:
    name: str
    low: float | None = None
    high: float | None = None
    pct: float | None = None

    def __post_init__(self) -> None:
        if self.name not in INPUTS:
            raise ScenarioError(
                "sensitivity.name", f"unknown input {self.name!r} (one of {', '.join(INPUTS)})"
            )
        if self.pct is None and (self.low is None or self.high is None):
            raise ScenarioError(f"sensitivity.{self.name}", "give low and high, or pct")
        if self.pct is not None:
            require_non_negative(f"sensitivity.{self.name}.pct", self.pct)

    def ends(self, base: float) -> tuple[float, float]:
        if self.pct is not None:
            low, high = base * (1.0 - self.pct), base * (1.0 + self.pct)
        else:
            assert self.low is not None
            assert self.high is not None
            low, high = self.low, self.high
        match self.name:
            case "utilization":
                low, high = max(low, 1e-6), min(high, 1.0)
            case "input_share":
                low, high = max(low, 0.0), min(high, 1.0)
            case _:
                low, high = max(low, 0.0), max(high, 0.0)
        return low, high


@dataclass(frozen=True, slots=True)
class ComposedSensitivity:
    """The tornado of two options of a composed scenario, priced by :func:`compose` itself.

    ``gpu_price`` is the fleet's hardware bill a month (the compute or ownership lines); a
    swing scales the fleet's price. ``engineer_rate`` moves the engineers' hours x rate
    inside the fleet's flat monthly costs. Every swung point is the same composition as
    the plan's, with that one input changed.
    """

    scenario: Scenario
    api: str
    selfhost: str
    engineer_hours_per_month: float = 0.0
    engineer_hourly_rate: float = 0.0

    def _fleet(self) -> FleetChoice:
        for option in self.scenario.options:
            if option.name == self.selfhost and isinstance(option, FleetChoice):
                return option
        raise ScenarioError("sensitivity.selfhost", f"{self.selfhost!r} is not a fleet option")

    def _compose(self, scenario: Scenario) -> Composition:
        """Costs only, of the two options compared (a hybrid's cheap route stays out)."""
        pair = tuple(o for o in scenario.options if o.name in (self.api, self.selfhost))
        return compose(
            replace(scenario, options=pair, search_crossings=False, monte_carlo_samples=0)
        )

    def _hardware_monthly(self) -> float:
        found = self._compose(self.scenario)
        return found.parts_at(self.selfhost, self.scenario.workload.tokens_per_month)[0]

    def value(self, name: str) -> float:
        match name:
            case "utilization":
                return self._fleet().fleet.serving.headroom
            case "gpu_price":
                return self._hardware_monthly()
            case "engineer_rate":
                return self.engineer_hourly_rate
            case "volume":
                return self.scenario.workload.tokens_per_month
            case "input_share":
                return self.scenario.workload.input_share
        raise ScenarioError(
            "sensitivity.name", f"unknown input {name!r} (one of {', '.join(INPUTS)})"
        )

    def difference(self, **values: float) -> float:
        """Self-host minus API a month, inputs overridden by name."""
        fleet = self._fleet()
        workload = self.scenario.workload
        if "volume" in values:
            workload = replace(workload, tokens_per_month=values["volume"])
        if "input_share" in values:
            workload = workload.with_input_share(values["input_share"])
        if "utilization" in values:
            serving = replace(fleet.fleet.serving, headroom=values["utilization"])
            fleet = replace(fleet, fleet=replace(fleet.fleet, serving=serving))
        if "gpu_price" in values:
            base = self._hardware_monthly()
            if base == 0:
                if values["gpu_price"] != 0:
                    raise ScenarioError("sensitivity.gpu_price", "the base GPU price is 0")
            else:
                fleet = replace(fleet, price=fleet.price.scaled(values["gpu_price"] / base))
        if "engineer_rate" in values:
            extra = self.engineer_hours_per_month * (
                values["engineer_rate"] - self.engineer_hourly_rate
            )
            fleet = replace(fleet, other_monthly=fleet.other_monthly.shifted(extra))
        options = tuple(fleet if o.name == self.selfhost else o for o in self.scenario.options)
        found = self._compose(replace(self.scenario, workload=workload, options=options))
        return (
            found.option(self.selfhost).monthly.expected - found.option(self.api).monthly.expected
        )


def difference(base: SensitivityBase | ComposedSensitivity, **values: float) -> float:
    """Self-host (with engineering) minus API a month, inputs overridden by name."""
    if isinstance(base, ComposedSensitivity):
        for name in values:
            base.value(name)
        return base.difference(**values)
    for name in values:
        base.value(name)
    config = base.selfhost
    if "utilization" in values:
        config = replace(config, utilization=values["utilization"])
    tokens = values.get("volume", base.tokens_per_month)
    share = values.get("input_share", base.input_share)
    rate = values.get("engineer_rate", base.engineer_hourly_rate)
    factor = 1.0
    if "gpu_price" in values:
        gpu_base = base.value("gpu_price")
        if gpu_base == 0:
            if values["gpu_price"] != 0:
                raise ScenarioError("sensitivity.gpu_price", "the base GPU price is 0")
        else:
            factor = values["gpu_price"] / gpu_base
    cost = selfhost_cost(config, tokens_per_month=tokens, hours_per_month=base.hours_per_month)
    selfhost = (
        cost.gpu_monthly * factor * config.hidden_multiplier
        + cost.hidden_monthly
        + base.engineer_hours_per_month * rate
    )
    api = api_monthly_cost(
        base.api, tokens_per_month=tokens, input_share=share, cached_share=base.cached_share
    )
    return selfhost - api


def cheaper_side(diff: float) -> str:
    """Ties go to the API, as in the quote."""
    return "api" if diff >= 0 else "selfhost"


@dataclass(frozen=True, slots=True)
class TornadoBar:
    name: str
    base_value: float
    low_value: float
    high_value: float
    difference_low: float
    difference_high: float
    swing: float
    cheaper_low: str
    cheaper_high: str
    flips_low: bool
    flips_high: bool

    @property
    def flips(self) -> bool:
        return self.flips_low or self.flips_high


@dataclass(frozen=True, slots=True)
class Tornado:
    base_difference: float
    base_cheaper: str
    bars: tuple[TornadoBar, ...]


def tornado(base: SensitivityBase | ComposedSensitivity, swings: Sequence[Swing]) -> Tornado:
    """One bar per swing, sorted by swing (largest first, then by name)."""
    names = [s.name for s in swings]
    if len(set(names)) != len(names):
        raise ScenarioError("sensitivity", "each input at most once")
    base_diff = difference(base)
    base_cheaper = cheaper_side(base_diff)
    bars = []
    for swing in swings:
        value = base.value(swing.name)
        low, high = swing.ends(value)
        d_low = difference(base, **{swing.name: low})
        d_high = difference(base, **{swing.name: high})
        bars.append(
            TornadoBar(
                name=swing.name,
                base_value=value,
                low_value=low,
                high_value=high,
                difference_low=d_low,
                difference_high=d_high,
                swing=abs(d_high - d_low),
                cheaper_low=cheaper_side(d_low),
                cheaper_high=cheaper_side(d_high),
                flips_low=cheaper_side(d_low) != base_cheaper,
                flips_high=cheaper_side(d_high) != base_cheaper,
            )
        )
    bars.sort(key=lambda bar: (-bar.swing, bar.name))
    assert all(math.isfinite(bar.swing) for bar in bars)
    return Tornado(base_diff, base_cheaper, tuple(bars))
