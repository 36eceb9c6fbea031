"""The engine's one door: a whole scenario in, one result out.

Every surface (a plan, ``POST /api/v1/quote``, the CLI, the live preview, forecasts,
sensitivity and the sweeps' reference points) describes its question as a
:class:`Scenario` and reads the :class:`Composition`. There is one cost model:

* an API option costs its tokens at its (tiered, cached) prices, bought as the
  workload's ``traffic`` says (service tiers, cache writes, long contexts: see
  :mod:`~planner.engine.api`), its bill split into parts (``OptionCost.api_parts``);
* a self-hosted option is a *fleet*: replicas sized for the peak hour at the planned
  share of measured throughput (``Serving``: headroom once, peak-to-average on top),
  packed into rented instances or owned servers, with the reserve the availability
  target needs, priced line by line (:mod:`~planner.engine.rented`,
  :mod:`~planner.engine.owned`) and summed in the scenario's lens;
* a hybrid routes a share of the tokens to another option of the scenario (its own cost
  function at the routed volume) and the rest, plus escalations, to a premium API.

Low / expected / high: a fleet's ranged inputs (the hourly or purchase price, the
throughput, the flat monthly costs) are read at their cheap corner, their midpoint and
their dear corner; the cost is monotone in each, so the corners bound it. The crossing
volumes, the volume curves and the Monte Carlo draws price every volume and every draw
with the same cost functions as the table, so no figure can contradict another.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np

from planner.engine.api import (
    STANDARD_TRAFFIC,
    ApiOffer,
    ApiTraffic,
    api_bill,
    api_monthly_cost,
    blended_price_per_mtok,
    uncached_input_share,
)
from planner.engine.crossover import (
    DEFAULT_LIMIT_TOKENS,
    CostCurve,
    Crossovers,
    api_curve,
    crossovers,
    owned_curve,
    rented_curve,
    win_intervals,
)
from planner.engine.energy import FleetEnergy, GridIntensity, PowerDraw, fleet_energy, kg_co2e
from planner.engine.errors import ScenarioError, require_non_negative, require_share
from planner.engine.fleet import DEFAULT_ANALYSIS_MONTHS, CostLine, Lens, Serving
from planner.engine.hybrid import RouteCost, route_cost
from planner.engine.latency import (
    LatencyTargets,
    ServingEstimate,
    ServingProfile,
    serve,
    tokens_per_second_for_shape,
)
from planner.engine.outcome import outcome_cost
from planner.engine.owned import OwnedCost, ServerFinance, energy_per_token, owned_cost
from planner.engine.recommend import (
    DEFAULT_VOLUME_TIERS,
    CostedOption,
    OptionKind,
    QualityFloor,
    Recommendation,
    Situation,
    VolumeTier,
    recommend,
)
from planner.engine.reliability import downtime_hours
from planner.engine.rented import RentedCapacity, RentedCost, rented_cost
from planner.engine.reserve import AvailabilityTarget, ReservePlan, deployment_availability
from planner.engine.roi import EngineeringRoi, engineering_roi
from planner.engine.selfhost import (
    BillingMode,
    FlatMonthly,
    OnDemandRate,
    OwnedHardware,
    Pricing,
    ReservedRate,
    SpotRate,
)
from planner.engine.shape import RequestShape, cost_per_request
from planner.engine.units import (
    DAYS_PER_MONTH,
    HOURS_PER_MONTH,
    SECONDS_PER_HOUR,
    TOKENS_PER_MTOK,
)

CORNERS = ("low", "expected", "high")
OUTCOME_MAX_RETRIES = 3
DEFAULT_SAMPLES = 2_000
DEFAULT_SEED = 20_260_101
CURVE_POINTS = 40
CURVE_SPAN = 10.0  # the volume curve runs from V / 10 to V x 10
# Spares allowed beyond the reserve's fixed eight, per replica needed: a fleet of 100
# replicas may hold 33 spares before the target is called out of reach.
SPARES_PER_REPLICA = 0.25
SEARCH_FLOOR_TOKENS = 10**10
MAX_SEARCH_STEPS = 1_000
SHARE_TOLERANCE = 5e-6


# --- what goes in ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    """A ranged input: ``low`` and ``high`` bound it, ``expected`` is what plans use."""

    low: float
    high: float
    expected: float

    @classmethod
    def of(cls, low: float, high: float | None = None, expected: float | None = None) -> Span:
        high = low if high is None else high
        low, high = min(low, high), max(low, high)
        return cls(low, high, (low + high) / 2.0 if expected is None else expected)

    def at(self, corner: str, *, cost_rises: bool = True) -> float:
        if corner == "expected":
            return self.expected
        cheap = corner == "low"
        return self.low if cheap == cost_rises else self.high

    def lerp(self, u: float) -> float:
        return self.low + (self.high - self.low) * u

    def scaled(self, factor: float) -> Span:
        return Span(self.low * factor, self.high * factor, self.expected * factor)

    def shifted(self, amount: float) -> Span:
        return Span(self.low + amount, self.high + amount, self.expected + amount)


@dataclass(frozen=True, slots=True)
class Workload:
    tokens_per_month: float
    input_share: float = 0.5
    cached_share: float = 0.0
    days_per_month: float = DAYS_PER_MONTH
    availability_target: float | None = None
    downtime_cost_per_hour: float = 0.0
    latency_p99_target_s: float | None = None  # end to end
    has_idle_gpu_fleet: bool = False
    data_must_stay_in_network: bool = False
    needs_finetuning: bool = False
    has_mlops_team: bool = False
    open_model_meets_accuracy: bool = False
    # How the API tokens are bought: service tiers, cache writes, long contexts.
    traffic: ApiTraffic = STANDARD_TRAFFIC
    # At least a share of a reference model's benchmark score (see recommend.QualityFloor).
    quality_floor: QualityFloor | None = None
    # Average tokens of one request. With a shape the input share follows from it, costs
    # are also counted per request and self-hosted capacity and latency follow from it
    # (:mod:`~planner.engine.latency`); without one, throughput counts for every token.
    request_shape: RequestShape | None = None
    ttft_p99_target_s: float | None = None
    tpot_p99_target_s: float | None = None

    def __post_init__(self) -> None:
        require_non_negative("tokens_per_month", self.tokens_per_month)
        require_share("input_share", self.input_share)
        require_share("cached_share", self.cached_share)
        uncached_input_share(cached_share=self.cached_share, traffic=self.traffic)
        if self.availability_target is not None:
            require_share("availability_target", self.availability_target)
        require_non_negative("downtime_cost_per_hour", self.downtime_cost_per_hour)
        LatencyTargets(self.ttft_p99_target_s, self.tpot_p99_target_s, None)  # checks them
        if self.request_shape is not None:
            derived = self.request_shape.input_share
            # A stored share keeps 5 decimals; anything further off contradicts the shape.
            if abs(self.input_share - derived) > SHARE_TOLERANCE:
                raise ScenarioError(
                    "input_share",
                    f"follows from the request shape: input / (input + output) = {derived:.5f}",
                )
            object.__setattr__(self, "input_share", derived)

    def with_input_share(self, share: float) -> Workload:
        """The workload at another input share. With a request shape the share follows
        from it, so the shape changes instead: the same tokens a request, split at
        ``share`` (each side at least one token)."""
        shape = self.request_shape
        if shape is None:
            return dataclasses.replace(self, input_share=share)
        share = require_share("input_share", share)
        inputs = min(shape.tokens - 1.0, max(1.0, shape.tokens * share))
        reshaped = RequestShape(inputs, shape.tokens - inputs)
        return dataclasses.replace(self, request_shape=reshaped, input_share=reshaped.input_share)

    @property
    def latency_targets(self) -> LatencyTargets:
        return LatencyTargets(
            self.ttft_p99_target_s, self.tpot_p99_target_s, self.latency_p99_target_s
        )


@dataclass(frozen=True, slots=True)
class ApiChoice:
    name: str
    offer: ApiOffer
    availability: float = 0.999
    p99_latency_s: float | None = None
    success_rate: float | None = None  # None: unknown
    quality_score: float | None = None  # on the workload's quality benchmark; None: unknown


@dataclass(frozen=True, slots=True)
class OwnedFleet:
    """Owned servers and how a replica serves on them."""

    finance: ServerFinance
    serving: Serving

    @property
    def name(self) -> str:
        return self.finance.name


Fleet = RentedCapacity | OwnedFleet


@dataclass(frozen=True, slots=True)
class FleetChoice:
    """A self-hosted option at its expected point, and the spans of its ranged inputs.

    ``price`` is the rented instance's hourly (or flat monthly) or the owned server's
    price; ``tokens_per_second`` one replica's measured throughput; ``other_monthly`` the
    flat hidden, labor and other costs. ``fleet`` carries the expected values of all three.

    With a ``profile`` and a workload that states its request shape, the composition
    first works out how a replica serves that shape (:func:`resolve_serving`): the
    concurrency it runs at, its tokens/s for the shape and its latency. The spans then
    hold tokens/s of the shape, ``serving`` the estimate. ``p99_latency_s`` is a figure
    measured for the option (it wins over the estimate); ``catalog_p99_latency_s`` is
    used where nothing better is known.
    """

    name: str
    fleet: Fleet
    price: Span
    tokens_per_second: Span
    other_monthly: Span
    replica_availability: float = 0.99
    region_availability: float = 1.0
    p99_latency_s: float | None = None
    success_rate: float | None = None
    # The engineers' hours x rate inside ``other_monthly`` (expected), for case 7.
    engineering_monthly: float = 0.0
    quality_score: float | None = None
    # A rented fleet's power draw (None: no GPU power known, so no energy figure); an
    # owned fleet's comes from its finance (server base, GPU TDP, PUE).
    power: PowerDraw | None = None
    grid: GridIntensity | None = None  # the servers' grid (None: no carbon figure)
    # Serving physics: the measured profile (decode rates ranged as ``tokens_per_second``
    # at its planned concurrency), a concurrency the option states, the catalog's p99.
    profile: ServingProfile | None = None
    concurrency: float | None = None
    catalog_p99_latency_s: float | None = None
    serving: ServingEstimate | None = None  # set by resolve_serving

    @property
    def latency_p99_s(self) -> float | None:
        """End-to-end p99: measured for the option, else estimated, else the catalog's."""
        if self.p99_latency_s is not None:
            return self.p99_latency_s
        if self.serving is not None and self.serving.latency is not None:
            return self.serving.latency.e2e_p99_s
        return self.catalog_p99_latency_s

    @property
    def kind(self) -> str:
        return "owned" if isinstance(self.fleet, OwnedFleet) else "rented"

    @property
    def scale_to_zero(self) -> bool:
        return (
            isinstance(self.fleet, RentedCapacity)
            and self.fleet.billing.mode is BillingMode.SCALE_TO_ZERO
        )

    def at(self, *, price: float, tokens_per_second: float, other_monthly: float) -> Fleet:
        """The fleet with its three ranged inputs set."""
        fleet = self.fleet
        serving = dataclasses.replace(_serving(fleet), tokens_per_second=tokens_per_second)
        if isinstance(fleet, OwnedFleet):
            finance = dataclasses.replace(
                fleet.finance, server_price=price, other_monthly=other_monthly
            )
            return OwnedFleet(finance, serving)
        return dataclasses.replace(
            fleet,
            pricing=_priced(fleet.pricing, price),
            serving=serving,
            other_monthly=other_monthly,
        )

    def corner(self, corner: str) -> Fleet:
        return self.at(
            price=self.price.at(corner),
            tokens_per_second=self.tokens_per_second.at(corner, cost_rises=False),
            other_monthly=self.other_monthly.at(corner),
        )


@dataclass(frozen=True, slots=True)
class HybridChoice:
    """``routed_share`` of the tokens to the option named ``cheap``, the rest to ``premium``."""

    name: str
    premium: ApiOffer
    cheap: str
    routed_share: float
    escalation_rate: float = 0.0
    availability: float = 0.999
    p99_latency_s: float | None = None
    success_rate: float | None = None
    quality_score: float | None = None  # the premium model's; the route takes the lower


Choice = ApiChoice | FleetChoice | HybridChoice


@dataclass(frozen=True, slots=True)
class Scenario:
    workload: Workload
    options: tuple[Choice, ...]
    hours_per_month: float = HOURS_PER_MONTH
    lens: Lens = Lens.FULL
    analysis_months: float = DEFAULT_ANALYSIS_MONTHS
    volume_tiers: tuple[VolumeTier, ...] = DEFAULT_VOLUME_TIERS
    monte_carlo_samples: int = DEFAULT_SAMPLES
    monte_carlo_seed: int = DEFAULT_SEED
    limit_tokens: int | None = None  # None: search_limit() of the workload and fleets
    curve_points: int = CURVE_POINTS
    search_crossings: bool = True  # forecasts and sensitivity need the costs only

    def __post_init__(self) -> None:
        if not self.options:
            raise ScenarioError("options", "a scenario needs at least one option")
        names = [option.name for option in self.options]
        if len(set(names)) != len(names):
            raise ScenarioError("options", "option names must be unique")
        by_name = {option.name: option for option in self.options}
        for option in self.options:
            if isinstance(option, HybridChoice):
                cheap = by_name.get(option.cheap)
                if cheap is None or isinstance(cheap, HybridChoice):
                    raise ScenarioError(
                        "cheap_option", f"{option.name}: name an API or self-host option"
                    )
                require_share("routed_share", option.routed_share)
                require_share("escalation_rate", option.escalation_rate)


# --- what comes out --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Corners:
    low: float
    expected: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"low": self.low, "expected": self.expected, "high": self.high}


@dataclass(frozen=True, slots=True)
class FleetSize:
    """The fleet an option runs at the expected point."""

    replicas: int  # needed at peak
    spares: int
    regions: int
    total_replicas: int
    gpus: int
    machines: int  # rented instances or owned servers, reserve included
    capacity_tokens_per_month: float  # average volume the needed replicas carry
    billed_hours: float  # instance-hours (rented) or server-hours (owned) a month
    reserve: ReservePlan | None
    reserve_note: str | None = None


@dataclass(frozen=True, slots=True)
class Engineering:
    """Case 7: the API spend a self-hosted option saves against what its engineers cost."""

    vs: str
    roi: EngineeringRoi


@dataclass(frozen=True, slots=True)
class OptionCost:
    name: str
    kind: str  # api | rented | owned | hybrid
    monthly: Corners
    lines: dict[str, Corners]  # in the lens; api: "api"; hybrid: "cheap_route", "premium_api"
    excluded_lines: dict[str, float]  # expected figures the lens leaves out
    availability: float
    downtime_hours: float
    downtime_cost: float
    cost_per_mtok: float | None
    success_rate: float | None
    cost_per_successful_mtok: float | None
    cost_per_request: float | None = None  # with a request shape
    p99_latency_s: float | None = None  # end to end, the figure the recommendation reads
    serving: ServingEstimate | None = None  # self-hosted with a profile and a shape
    fleet: FleetSize | None = None
    route: RouteCost | None = None
    detail: RentedCost | OwnedCost | None = None
    engineering: Engineering | None = None  # self-hosted options vs the cheapest API
    # API options: the expected bill by part (api.API_PARTS), summing to monthly.expected.
    api_parts: dict[str, float] | None = None
    # Among the options with a known success rate, 1 = the cheapest per successful
    # outcome; None for an unknown rate (never ranked as if it always succeeded).
    outcome_rank: int | None = None
    quality_score: float | None = None
    quality_share: float | None = None  # of the workload's reference score
    energy: FleetEnergy | None = None  # self-hosted fleets with a known power draw


@dataclass(frozen=True, slots=True)
class Crossing:
    """At ``volume`` tokens/month the cheaper of the pair changes to ``cheaper_above``."""

    volume: int
    cheaper_above: str
    cheaper_below: str


@dataclass(frozen=True, slots=True)
class PairCrossings:
    a: str
    b: str
    crossings: tuple[Crossing, ...]
    cheaper_at_start: str
    cheaper_at_limit: str
    limit: int
    error: str | None = None


@dataclass(frozen=True, slots=True)
class MonteCarlo:
    vs: str
    samples: int
    seed: int
    api: tuple[float, float, float]  # P10, P50, P90
    selfhost: tuple[float, float, float]
    p_selfhost_cheaper: float


@dataclass(frozen=True, slots=True)
class Composition:
    scenario: Scenario
    options: tuple[OptionCost, ...]
    limit_tokens: int  # how far the crossings were searched
    pairs: tuple[PairCrossings, ...]
    milestones: Crossovers | None
    milestones_error: str | None
    curve_volumes: tuple[int, ...]
    curves: dict[str, tuple[float, ...]]
    monte_carlo: dict[str, MonteCarlo]
    recommendation: Recommendation
    cheapest: str | None
    cost_functions: dict[str, Callable[[float], float]]
    part_functions: dict[str, Callable[[float], tuple[float, float]]]
    # Names by cost per successful outcome (known success rates only), and the rest.
    outcome_ranking: tuple[str, ...] = ()
    outcome_unranked: tuple[str, ...] = ()

    def parts_at(self, name: str, tokens_per_month: float) -> tuple[float, float]:
        """A self-hosted option's (hardware part, the rest) of its monthly cost at a volume."""
        return self.part_functions[name](tokens_per_month)

    def cost_at(self, name: str, tokens_per_month: float) -> float:
        """An option's expected monthly cost at another volume, with the same cost model."""
        return self.cost_functions[name](tokens_per_month)

    def option(self, name: str) -> OptionCost:
        for option in self.options:
            if option.name == name:
                return option
        raise KeyError(name)


# --- the composition -------------------------------------------------------------------


def resolve_serving(option: FleetChoice, w: Workload) -> FleetChoice:
    """The option with how a replica serves the workload's request shape worked out.

    Without a profile or a shape (or once resolved) the option is returned as it is:
    its tokens/s count for every token. Otherwise :func:`~planner.engine.latency.serve`
    picks the concurrency (the planned one, lowered by latency targets where the profile
    measures lower ones) and the spans become tokens/s of the shape there: each corner's
    decode rate keeps its ratio to the expected one (an unmeasured prefill rate, the
    decode rate at the highest concurrency, moves with it).
    """
    shape = w.request_shape
    if option.serving is not None or option.profile is None or shape is None:
        return option
    targets = w.latency_targets
    if option.p99_latency_s is not None:
        # A measured end-to-end p99 is the option's: checked as it is, never resized.
        targets = dataclasses.replace(targets, e2e_p99_s=None)
    estimate = serve(option.profile, shape, targets=targets, concurrency=option.concurrency)
    span = option.tokens_per_second

    def rate(corner: str) -> float:
        factor = span.at(corner, cost_rises=False) / span.expected
        prefill = (
            estimate.prefill_tokens_per_second
            if estimate.prefill_measured
            else estimate.prefill_tokens_per_second * factor
        )
        return tokens_per_second_for_shape(
            decode_tokens_per_second=estimate.decode_tokens_per_second * factor,
            prefill_tokens_per_second=prefill,
            shape=shape,
        )

    low, high = rate("low"), rate("high")
    rates = Span(min(low, high), max(low, high), estimate.tokens_per_second)
    resolved = dataclasses.replace(option, tokens_per_second=rates, serving=estimate)
    fleet = resolved.at(
        price=option.price.expected,
        tokens_per_second=rates.expected,
        other_monthly=option.other_monthly.expected,
    )
    return dataclasses.replace(resolved, fleet=fleet)


def resolve_scenario(scenario: Scenario) -> Scenario:
    """``scenario`` with every self-hosted option's serving resolved (idempotent)."""
    options = tuple(
        resolve_serving(option, scenario.workload) if isinstance(option, FleetChoice) else option
        for option in scenario.options
    )
    if all(a is b for a, b in zip(options, scenario.options, strict=True)):
        return scenario
    return dataclasses.replace(scenario, options=options)


def compose(scenario: Scenario) -> Composition:
    """Price every option of ``scenario`` with one cost model (see the module docstring).

    The composition's ``scenario`` is the one priced: self-hosted options' serving
    resolved for the workload's request shape (:func:`resolve_scenario`).
    """
    scenario = resolve_scenario(scenario)
    w = scenario.workload
    tokens = w.tokens_per_month
    hours = scenario.hours_per_month
    curves: dict[str, CostCurve] = {}
    costs: dict[str, OptionCost] = {}
    cost_fns: dict[str, Callable[[float, str], float]] = {}

    for option in scenario.options:
        if isinstance(option, ApiChoice):
            costs[option.name], cost_fns[option.name] = _api_option(option, w, hours)
            curves[option.name] = dataclasses.replace(
                api_curve(
                    option.offer,
                    input_share=w.input_share,
                    cached_share=w.cached_share,
                    traffic=w.traffic,
                ),
                name=option.name,
            )
        elif isinstance(option, FleetChoice):
            costs[option.name], cost_fns[option.name], curves[option.name] = _fleet_option(
                option, scenario
            )
    for option in scenario.options:
        if isinstance(option, HybridChoice):
            costs[option.name], curves[option.name] = _hybrid_option(
                option, w, hours, cost_fns[option.cheap], curves[option.cheap]
            )

    for cost in costs.values():
        if not all(math.isfinite(x) for x in cost.monthly.as_dict().values()):
            # Inputs valid one by one can still overflow together (1e308 tokens x a price).
            raise OverflowError(f"{cost.name}: the monthly cost is too large to compute")
    ordered = _with_engineering(scenario, tuple(costs[option.name] for option in scenario.options))
    ordered = _with_quality(scenario, ordered)
    ordered, ranking, unranked = _with_outcome_ranks(ordered)
    recommendation = _recommend(scenario, ordered)
    allowed = [c for c in ordered if c.name not in recommendation.excluded]
    cheapest = min(allowed, key=lambda c: c.monthly.expected, default=None)
    milestones: Crossovers | None = None
    milestones_error: str | None = None
    pairs: tuple[PairCrossings, ...] = ()
    limit = _limit(scenario)
    if scenario.search_crossings:
        try:
            milestones = crossovers(list(curves.values()), limit=limit)
        except ScenarioError as exc:
            milestones_error = exc.message
        pairs = _pairs(list(curves.values()), limit, milestones)
    volumes = curve_volumes(tokens, points=scenario.curve_points)
    return Composition(
        scenario=scenario,
        options=ordered,
        limit_tokens=limit,
        pairs=pairs,
        milestones=milestones,
        milestones_error=milestones_error,
        curve_volumes=volumes,
        curves={name: tuple(curve.cost(v) for v in volumes) for name, curve in curves.items()},
        monte_carlo=_monte_carlo(scenario, ordered),
        recommendation=recommendation,
        cheapest=None if cheapest is None else cheapest.name,
        cost_functions={name: _expected(curve) for name, curve in curves.items()},
        part_functions={
            option.name: _parts(option, scenario)
            for option in scenario.options
            if isinstance(option, FleetChoice)
        },
        outcome_ranking=ranking,
        outcome_unranked=unranked,
    )


def _with_outcome_ranks(
    costs: tuple[OptionCost, ...],
) -> tuple[tuple[OptionCost, ...], tuple[str, ...], tuple[str, ...]]:
    """Rank by cost per successful outcome only the options whose success rate is known.

    An unknown rate stays unknown: the option is listed as unranked, never placed as if
    it always succeeded. A known rate of 0 never succeeds and ranks last. Without a
    volume there is no cost per token to rank. Ties keep the scenario's order.
    """
    known = [c for c in costs if c.success_rate is not None and c.cost_per_mtok is not None]

    def per_outcome(cost: OptionCost) -> float:
        found = cost.cost_per_successful_mtok
        return math.inf if found is None else found

    ranking = tuple(c.name for c in sorted(known, key=per_outcome))
    rank = {name: i for i, name in enumerate(ranking, start=1)}
    ranked = tuple(dataclasses.replace(c, outcome_rank=rank.get(c.name)) for c in costs)
    return ranked, ranking, tuple(c.name for c in costs if c.name not in rank)


def quality_score(option: Choice, by_name: dict[str, Choice]) -> float | None:
    """An option's score on the quality benchmark; a hybrid serves part of its requests
    with its cheap option, so it scores the lower of the two (unknown if either is)."""
    if isinstance(option, HybridChoice):
        cheap = by_name[option.cheap].quality_score
        if option.quality_score is None or cheap is None:
            return None
        return min(option.quality_score, cheap) if option.routed_share > 0 else option.quality_score
    return option.quality_score


def _with_quality(scenario: Scenario, costs: tuple[OptionCost, ...]) -> tuple[OptionCost, ...]:
    floor = scenario.workload.quality_floor
    by_name = {option.name: option for option in scenario.options}
    out = []
    for cost in costs:
        score = quality_score(by_name[cost.name], by_name)
        share = None if floor is None else floor.share(score)
        out.append(dataclasses.replace(cost, quality_score=score, quality_share=share))
    return tuple(out)


# The lines a hardware price decline lowers; the rest (staff, facilities, other) stays.
HARDWARE_LINES = frozenset(
    {"compute", "reserve", "depreciation", "capital", "maintenance", "energy"}
)


def _parts(option: FleetChoice, scenario: Scenario) -> Callable[[float], tuple[float, float]]:
    fleet = option.corner("expected")
    target = _availability_target(option, scenario.workload)

    def parts(volume: float) -> tuple[float, float]:
        cost = _fleet_cost(fleet, volume, scenario, target)
        hardware = sum(
            line.monthly for line in cost.lines if line.in_lens and line.key in HARDWARE_LINES
        )
        return hardware, cost.monthly - hardware

    return parts


def _expected(curve: CostCurve) -> Callable[[float], float]:
    return lambda volume: curve.cost(round(volume))


def search_limit(tokens_per_month: float, replica_step_tokens: float | None = None) -> int:
    """How far crossings are searched: 100x the workload, at least 10B and at most 1T a
    month, and at most :data:`MAX_SEARCH_STEPS` steps of the smallest replica (never less
    than one): the search prices every replica step, and a replica of a few tokens/s
    would otherwise take 200,000 of them.
    """
    limit = min(DEFAULT_LIMIT_TOKENS, max(SEARCH_FLOOR_TOKENS, 100 * tokens_per_month))
    if replica_step_tokens is not None and replica_step_tokens > 0:
        limit = max(
            math.ceil(replica_step_tokens), min(limit, MAX_SEARCH_STEPS * replica_step_tokens)
        )
    return int(limit)


def _replica_step(option: Choice, scenario: Scenario) -> float | None:
    """Tokens a month between two replica steps of a fleet's cost (None: no steps).

    A hybrid steps every ``step / routed_share`` tokens of its cheap route, never finer
    than that route, which is itself an option of the scenario: it adds no smaller step.
    """
    if not isinstance(option, FleetChoice):
        return None
    serving = _serving(option.fleet)
    hours = _serving_hours(option.fleet, scenario)
    return serving.replica_capacity(hours=hours) / serving.peak_to_average


def _limit(scenario: Scenario) -> int:
    if scenario.limit_tokens is not None:
        return scenario.limit_tokens
    steps = [
        step for option in scenario.options if (step := _replica_step(option, scenario)) is not None
    ]
    return search_limit(scenario.workload.tokens_per_month, min(steps, default=None))


def curve_volumes(tokens: float, *, points: int = CURVE_POINTS) -> tuple[int, ...]:
    """``points`` whole-token volumes log-spaced from tokens / 10 to tokens x 10 (>= 1M)."""
    center = max(tokens, 1e6)
    low, high = math.log10(center / CURVE_SPAN), math.log10(center * CURVE_SPAN)
    step = (high - low) / (points - 1)
    return tuple(round(10 ** (low + i * step)) for i in range(points))


def _per_mtok(monthly: float, tokens: float) -> float | None:
    return None if tokens <= 0 else monthly / tokens * TOKENS_PER_MTOK


def _outcome(per_mtok: float | None, rate: float | None) -> float | None:
    """Cost per 1M tokens of successful work (retries, then a person); unknown rate: None."""
    if per_mtok is None or rate is None or rate <= 0:
        return None
    found = outcome_cost(
        cost_per_attempt=per_mtok, success_rate=rate, max_retries=OUTCOME_MAX_RETRIES
    )
    return found.cost_per_task / max(1e-12, 1.0 - found.human_share)


def _option_cost(
    *,
    name: str,
    kind: str,
    monthly: Corners,
    lines: dict[str, Corners],
    availability: float,
    scenario_hours: float,
    w: Workload,
    success_rate: float | None,
    excluded_lines: dict[str, float] | None = None,
    **extra: object,
) -> OptionCost:
    down = downtime_hours(availability, hours_per_month=scenario_hours)
    per_mtok = _per_mtok(monthly.expected, w.tokens_per_month)
    per_request = (
        None
        if w.request_shape is None
        else cost_per_request(
            monthly_cost=monthly.expected,
            tokens_per_month=w.tokens_per_month,
            shape=w.request_shape,
        )
    )
    return OptionCost(
        name=name,
        kind=kind,
        monthly=monthly,
        lines=lines,
        excluded_lines=excluded_lines or {},
        availability=availability,
        downtime_hours=down,
        downtime_cost=down * w.downtime_cost_per_hour,
        cost_per_mtok=per_mtok,
        success_rate=success_rate,
        cost_per_successful_mtok=_outcome(per_mtok, success_rate),
        cost_per_request=per_request,
        **extra,  # type: ignore[arg-type]
    )


def _api_option(
    option: ApiChoice, w: Workload, hours: float
) -> tuple[OptionCost, Callable[[float, str], float]]:
    def cost(volume: float, corner: str = "expected") -> float:
        return api_monthly_cost(
            option.offer,
            tokens_per_month=volume,
            input_share=w.input_share,
            cached_share=w.cached_share,
            traffic=w.traffic,
        )

    bill = api_bill(
        option.offer,
        tokens_per_month=w.tokens_per_month,
        input_share=w.input_share,
        cached_share=w.cached_share,
        traffic=w.traffic,
    )
    monthly = bill.monthly
    flat = Corners(monthly, monthly, monthly)
    return (
        _option_cost(
            name=option.name,
            kind="api",
            monthly=flat,
            lines={"api": flat},
            availability=option.availability,
            scenario_hours=hours,
            w=w,
            success_rate=option.success_rate,
            api_parts=bill.parts,
            p99_latency_s=option.p99_latency_s,
        ),
        cost,
    )


def _serving(fleet: Fleet) -> Serving:
    return fleet.serving


def _priced(pricing: Pricing, price: float) -> Pricing:
    match pricing:
        case OnDemandRate() | ReservedRate():
            return dataclasses.replace(pricing, hourly=price)
        case SpotRate():
            return SpotRate(hourly=price, interruption_allowance=pricing.interruption_allowance)
        case FlatMonthly():
            return FlatMonthly(price)
        case OwnedHardware():
            return dataclasses.replace(pricing, purchase_price=price)
    raise ScenarioError("selfhost.pricing", f"unknown pricing {pricing!r}")


def _availability_target(option: FleetChoice, w: Workload) -> AvailabilityTarget | None:
    if w.availability_target is None or option.scale_to_zero:
        return None
    return AvailabilityTarget(
        target=w.availability_target,
        replica_availability=option.replica_availability,
        region_availability=option.region_availability,
        spares_per_replica=SPARES_PER_REPLICA,
    )


def _fleet_cost(
    fleet: Fleet, volume: float, scenario: Scenario, target: AvailabilityTarget | None
) -> RentedCost | OwnedCost:
    common = {
        "tokens_per_month": volume,
        "lens": scenario.lens,
        "analysis_months": scenario.analysis_months,
        "availability": target,
        "hours_per_month": scenario.hours_per_month,
    }
    if isinstance(fleet, OwnedFleet):
        return owned_cost(fleet.finance, fleet.serving, **common)  # type: ignore[arg-type]
    return rented_cost(fleet, **common)  # type: ignore[arg-type]


def fleet_cost(
    option: FleetChoice, tokens_per_month: float, scenario: Scenario
) -> RentedCost | OwnedCost:
    """A self-hosted option's expected cost at a volume: the figure the table shows.

    ``scenario`` gives the lens, analysis period, hours and the workload's availability
    target (its options are not read). The sweeps price their replica-count tables here.
    """
    option = resolve_serving(option, scenario.workload)
    target = _availability_target(option, scenario.workload)
    return _fleet_cost(option.corner("expected"), tokens_per_month, scenario, target)


def fleet_curve(option: FleetChoice, scenario: Scenario) -> CostCurve:
    """A self-hosted option's expected cost curve, as the crossing search prices it.

    ``scenario`` gives the lens, analysis period, hours and availability target (its
    options are not read); the sweeps search the break-even on it where theirs cannot.
    """
    target = _availability_target(option, scenario.workload)
    return _fleet_curve(option.corner("expected"), scenario, target, option.name)


def _fleet_curve(
    fleet: Fleet, scenario: Scenario, target: AvailabilityTarget | None, name: str
) -> CostCurve:
    common = {
        "lens": scenario.lens,
        "analysis_months": scenario.analysis_months,
        "availability": target,
        "hours_per_month": scenario.hours_per_month,
    }
    if isinstance(fleet, OwnedFleet):
        curve = owned_curve(fleet.finance, fleet.serving, **common)  # type: ignore[arg-type]
    else:
        curve = rented_curve(fleet, **common)  # type: ignore[arg-type]
    return dataclasses.replace(curve, name=name)


def _fleet_option(
    option: FleetChoice, scenario: Scenario
) -> tuple[OptionCost, Callable[[float, str], float], CostCurve]:
    w = scenario.workload
    hours = scenario.hours_per_month
    target = _availability_target(option, w)
    fleets = {corner: option.corner(corner) for corner in CORNERS}

    curve = _fleet_curve(fleets["expected"], scenario, target, option.name)

    def cost(volume: float, corner: str = "expected") -> float:
        if corner == "expected" and option.kind == "owned":
            # Fixed by the servers plus the GPU energy the volume takes: the curve's
            # memo and the volume itself (not rounded: a hybrid routes a share of it).
            return cast(Callable[[float], float], curve.cost)(volume)
        if corner == "expected" and not option.scale_to_zero:
            # Always-on and window fleets cost the same at every volume of a replica
            # count: the curve's memo answers.
            return curve.cost(math.ceil(volume))
        return _fleet_cost(fleets[corner], volume, scenario, target).monthly

    found = {
        corner: _fleet_cost(fleets[corner], w.tokens_per_month, scenario, target)
        for corner in CORNERS
    }
    expected = found["expected"]
    keys = list(dict.fromkeys(line.key for line in expected.lines))
    lines = {
        key: Corners(*(_in_lens(found[c].lines, key) for c in CORNERS))
        for key in keys
        if any(line.in_lens for line in expected.lines if line.key == key)
    }
    excluded = {
        line.key: line.monthly for line in expected.lines if not line.in_lens and line.monthly
    }
    serving = _serving(fleets["expected"])
    window = (
        fleets["expected"].serving_hours(hours)
        if isinstance(fleets["expected"], RentedCapacity)
        else hours
    )
    reserve = expected.reserve if not math.isnan(expected.reserve.target) else None
    if reserve is not None:
        availability = reserve.availability
    else:
        availability = deployment_availability(
            needed=expected.replicas,
            spares=0,
            replica_availability=option.replica_availability,
            region_availability=option.region_availability,
        )
    if isinstance(expected, RentedCost):
        machines, billed = expected.instances, expected.billed_instance_hours
    else:
        machines, billed = expected.servers, expected.servers * hours
    size = FleetSize(
        replicas=expected.replicas,
        spares=expected.reserve.spares,
        regions=expected.reserve.regions,
        total_replicas=expected.reserve.total_replicas,
        gpus=expected.gpus,
        machines=machines,
        capacity_tokens_per_month=expected.replicas
        * serving.replica_capacity(hours=window)
        / serving.peak_to_average,
        billed_hours=billed,
        reserve=reserve,
        reserve_note="scale_to_zero_no_reserve"
        if w.availability_target is not None and option.scale_to_zero
        else None,
    )
    result = _option_cost(
        name=option.name,
        kind=option.kind,
        monthly=Corners(*(found[c].monthly for c in CORNERS)),
        lines=lines,
        excluded_lines=excluded,
        availability=availability,
        scenario_hours=hours,
        w=w,
        success_rate=option.success_rate,
        fleet=size,
        detail=expected,
        energy=_energy(option, fleets["expected"], expected, w.tokens_per_month, hours),
        p99_latency_s=option.latency_p99_s,
        serving=option.serving,
    )
    return result, cost, curve


def _energy(
    option: FleetChoice,
    fleet: Fleet,
    cost: RentedCost | OwnedCost,
    tokens: float,
    hours: float,
) -> FleetEnergy | None:
    """The fleet's month of electricity (:mod:`planner.engine.energy`), or None when no
    power figure is known (a rented GPU without a TDP; owned servers drawing 0 W).

    The GPUs work the hours the tokens take at the measured throughput
    (``Serving.working_replica_hours``), over the GPU-hours the fleet runs.
    """
    serving = fleet.serving
    if isinstance(fleet, OwnedFleet):
        finance = fleet.finance
        if not (finance.gpu_tdp_watts or finance.server_base_watts):
            return None
        # The owned fleet's own kWh: the figure its energy line prices.
        assert isinstance(cost, OwnedCost)
        return FleetEnergy(
            kwh_per_month=cost.energy_kwh,
            kg_co2e_per_month=kg_co2e(cost.energy_kwh, option.grid),
            gpu_load=cost.gpu_load,
            gpu_hours=cost.gpus * hours,
            machine_hours=cost.servers * hours,
            power=PowerDraw(finance.gpu_tdp_watts, finance.server_base_watts, finance.pue),
            grid=option.grid,
        )
    if option.power is None:
        return None
    assert isinstance(cost, RentedCost)
    return fleet_energy(
        option.power,
        gpu_hours=cost.billed_instance_hours * fleet.gpus_per_instance,
        busy_gpu_hours=serving.working_replica_hours(tokens) * serving.gpus_per_replica,
        machine_hours=cost.billed_instance_hours,
        grid=option.grid,
    )


def _in_lens(lines: Sequence[CostLine], key: str) -> float:
    return sum(line.monthly for line in lines if line.key == key and line.in_lens)


def _hybrid_option(
    option: HybridChoice,
    w: Workload,
    hours: float,
    cheap_cost: Callable[[float, str], float],
    cheap_curve: CostCurve,
) -> tuple[OptionCost, CostCurve]:
    # api_curve prices exactly as api_monthly_cost does, without re-checking each call.
    # The curve is typed for whole tokens; a route's share of them is fractional, priced
    # by the same sum.
    premium_cost = cast(
        Callable[[float], float],
        api_curve(
            option.premium,
            input_share=w.input_share,
            cached_share=w.cached_share,
            traffic=w.traffic,
        ).cost,
    )

    def route(volume: float, corner: str) -> RouteCost:
        return route_cost(
            tokens_per_month=volume,
            routed_share=option.routed_share,
            escalation_rate=option.escalation_rate,
            premium_cost=premium_cost,
            cheap_cost=lambda v: cheap_cost(v, corner),
        )

    routes = {corner: route(w.tokens_per_month, corner) for corner in CORNERS}
    result = _option_cost(
        name=option.name,
        kind="hybrid",
        monthly=Corners(*(routes[c].monthly for c in CORNERS)),
        lines={
            "cheap_route": Corners(*(routes[c].cheap_monthly for c in CORNERS)),
            "premium_api": Corners(*(routes[c].premium_monthly for c in CORNERS)),
        },
        availability=option.availability,
        scenario_hours=hours,
        w=w,
        success_rate=option.success_rate,
        route=routes["expected"],
        p99_latency_s=option.p99_latency_s,
    )
    r, e = option.routed_share, option.escalation_rate
    premium_share = 1.0 - r + e * r

    def curve_cost(volume: int) -> float:
        # route_cost's arithmetic, unchecked: the crossing search calls this thousands
        # of times with volumes it made itself.
        cheap_tokens = volume * r
        premium_tokens = volume * (1.0 - r) + cheap_tokens * e
        return cheap_cost(cheap_tokens, "expected") + premium_cost(premium_tokens)

    def breakpoints(limit: int) -> list[int]:
        # The cheap route steps where r V crosses its own breakpoints; the premium API's
        # tiers where (1 - r + e r) V crosses them.
        points: list[int] = []
        if r > 0:
            points += [
                v
                for b in cheap_curve.breakpoints(math.ceil(limit * r))
                for v in (math.floor(b / r), math.floor(b / r) + 1)
            ]
        if premium_share > 0:
            points += [
                v
                for tier in option.premium.tiers
                for v in (
                    math.floor(tier.from_tokens / premium_share),
                    math.floor(tier.from_tokens / premium_share) + 1,
                )
            ]
        return points

    return result, CostCurve(option.name, "hybrid", curve_cost, breakpoints)


def _pairs(
    curves: list[CostCurve], limit: int, found: Crossovers | None
) -> tuple[PairCrossings, ...]:
    """Every volume in ``[0, limit]`` where the cheaper of two options changes.

    The win sets come from the milestones' pairwise search when it ran; a pair is only
    searched again when that search failed as a whole (one curve with too many steps).
    """
    out = []
    for i, a in enumerate(curves):
        for b in curves[i + 1 :]:
            try:
                if found is not None:
                    wins = list(found.pair(a.name, b.name).intervals)
                    loses = list(found.pair(b.name, a.name).intervals)
                else:
                    wins = win_intervals(a, b, limit=limit)  # a costs no more than b
                    loses = win_intervals(b, a, limit=limit)
            except ScenarioError as exc:
                out.append(PairCrossings(a.name, b.name, (), "", "", limit, exc.message))
                continue
            out.append(_pair_crossings(a.name, b.name, wins, loses, limit))
    return tuple(out)


def _pair_crossings(
    a: str, b: str, a_wins: list[tuple[int, int]], b_wins: list[tuple[int, int]], limit: int
) -> PairCrossings:
    """Where the cheaper of the pair changes hands.

    ``a_wins`` / ``b_wins`` are the whole-token volumes where each costs no more than the
    other. A crossing is where the other option becomes strictly cheaper; its volume is
    the first volume from which the new winner costs no more (a tie at the crossing
    volume belongs to the new winner: costs are equal there, and it wins right after).
    """
    a_strict = _minus(a_wins, b_wins)
    b_strict = _minus(b_wins, a_wins)
    events = sorted([(lo, hi, a) for lo, hi in a_strict] + [(lo, hi, b) for lo, hi in b_strict])
    no_more = {a: a_wins, b: b_wins}
    crossings: list[Crossing] = []
    last: str | None = None
    last_end = -1
    for low, high, winner in events:
        if last is not None and winner != last:
            start = next(lo for lo, hi in no_more[winner] if lo <= low <= hi)
            crossings.append(Crossing(max(start, last_end + 1), winner, last))
        last, last_end = winner, high
    first = events[0][2] if events else a
    final = events[-1][2] if events else a
    return PairCrossings(a, b, tuple(crossings), first, final, limit)


def _minus(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Whole-token intervals of ``a`` not in ``b`` (both sorted and disjoint)."""
    out: list[tuple[int, int]] = []
    for low, high in a:
        start = low
        for b_low, b_high in b:
            if b_high < start or b_low > high:
                continue
            if b_low > start:
                out.append((start, b_low - 1))
            start = max(start, b_high + 1)
            if start > high:
                break
        if start <= high:
            out.append((start, high))
    return out


def _with_engineering(scenario: Scenario, costs: tuple[OptionCost, ...]) -> tuple[OptionCost, ...]:
    """Each self-hosted option's engineering ROI against the cheapest API option.

    Engineering is the engineers' hours (in the flat costs) plus the operations staff
    line; the API spend saved is the API's cost less the rest of the option's cost.
    """
    apis = [c for c in costs if c.kind == "api"]
    if not apis:
        return costs
    api = min(apis, key=lambda c: c.monthly.expected)
    by_name = {option.name: option for option in scenario.options}
    out = []
    for cost in costs:
        choice = by_name[cost.name]
        if isinstance(choice, FleetChoice):
            staff = cost.lines["staff"].expected if "staff" in cost.lines else 0.0
            engineering = choice.engineering_monthly + staff
            saved = api.monthly.expected - (cost.monthly.expected - engineering)
            roi = engineering_roi(
                api_spend_saved_monthly=max(0.0, saved),
                engineering_cost_monthly=engineering,
                upfront_cost=_one_off(choice.fleet),
            )
            cost = dataclasses.replace(cost, engineering=Engineering(api.name, roi))
        out.append(cost)
    return tuple(out)


def _one_off(fleet: Fleet) -> float:
    if isinstance(fleet, OwnedFleet):
        return fleet.finance.implementation_one_off
    return fleet.implementation_one_off


def _recommend(scenario: Scenario, costs: Sequence[OptionCost]) -> Recommendation:
    w = scenario.workload
    situation = Situation(
        tokens_per_month=w.tokens_per_month,
        has_idle_gpu_fleet=w.has_idle_gpu_fleet,
        data_must_stay_in_network=w.data_must_stay_in_network,
        needs_deep_finetuning=w.needs_finetuning,
        has_mlops_team=w.has_mlops_team,
        open_model_meets_accuracy=w.open_model_meets_accuracy,
        p99_latency_target_s=w.latency_p99_target_s,
        days_per_month=w.days_per_month,
        quality=w.quality_floor,
        ttft_p99_target_s=w.ttft_p99_target_s,
        tpot_p99_target_s=w.tpot_p99_target_s,
    )
    by_name = {option.name: option for option in scenario.options}
    options = []
    for cost in costs:
        choice = by_name[cost.name]
        in_network: bool | None = None
        if isinstance(choice, HybridChoice):
            cheap = by_name[choice.cheap]
            kind = OptionKind.API if isinstance(cheap, ApiChoice) else OptionKind.SELFHOST
            in_network = False  # the premium share leaves the network
        elif isinstance(choice, ApiChoice):
            kind = OptionKind.API
        else:
            kind = OptionKind.SELFHOST
        serving = cost.serving
        latency = None if serving is None else serving.latency
        options.append(
            CostedOption(
                name=cost.name,
                kind=kind,
                monthly=cost.monthly.expected,
                p99_latency_s=cost.p99_latency_s,
                keeps_data_in_network=in_network,
                quality_score=cost.quality_score,
                ttft_p99_s=None if latency is None else latency.ttft_p99_s,
                tpot_p99_s=None if latency is None else latency.tpot_p99_s,
                resized_for=() if serving is None else serving.limited_by,
                concurrency=None if serving is None else serving.concurrency,
                planned_concurrency=None if serving is None else serving.planned_concurrency,
            )
        )
    return recommend(situation, options, tiers=scenario.volume_tiers or DEFAULT_VOLUME_TIERS)


def _monte_carlo(scenario: Scenario, costs: Sequence[OptionCost]) -> dict[str, MonteCarlo]:
    """Each self-hosted option against the cheapest API option, over seeded draws.

    A draw places the price, the throughput and the flat monthly costs uniformly within
    their spans and prices that fleet with the same cost function as the table. For a
    given replica count the fleet cost is linear in the price and the flat costs, so each
    replica count is priced exactly at both ends of the price span and the draws in
    between are interpolated (an owned fleet's GPU energy, which follows the hours the
    tokens take, is scaled by each draw's throughput); scale-to-zero fleets, whose cost
    follows the throughput itself, are priced draw by draw.
    """
    apis = [c for c in costs if c.kind == "api"]
    if not apis or scenario.monte_carlo_samples <= 0:
        return {}
    api = min(apis, key=lambda c: c.monthly.expected)
    api_monthly = api.monthly.expected
    w = scenario.workload
    out = {}
    by_name = {option.name: option for option in scenario.options}
    for cost in costs:
        choice = by_name[cost.name]
        if not isinstance(choice, FleetChoice):
            continue
        rng = np.random.default_rng(scenario.monte_carlo_seed)
        u = rng.uniform(0.0, 1.0, size=(3, scenario.monte_carlo_samples))
        target = _availability_target(choice, w)
        span = choice.price
        tps = (
            choice.tokens_per_second.low
            + (choice.tokens_per_second.high - choice.tokens_per_second.low) * u[1]
        )
        other = (
            choice.other_monthly.low + (choice.other_monthly.high - choice.other_monthly.low) * u[2]
        )
        price = span.low + (span.high - span.low) * u[0]
        if choice.scale_to_zero:
            values = np.array(
                [
                    _fleet_cost(
                        choice.at(
                            price=float(p), tokens_per_second=float(t), other_monthly=float(o)
                        ),
                        w.tokens_per_month,
                        scenario,
                        target,
                    ).monthly
                    for p, t, o in zip(price, tps, other, strict=True)
                ]
            )
        else:
            serving = _serving(choice.fleet)
            hours = _serving_hours(choice.fleet, scenario)
            # Serving.replicas_for over every draw at once.
            planned = tps * serving.headroom * hours * SECONDS_PER_HOUR
            replicas = np.maximum(
                1, np.ceil(w.tokens_per_month * serving.peak_to_average / planned)
            ).astype(np.int64)
            values = np.empty(scenario.monte_carlo_samples)
            for count in np.unique(replicas):
                at = replicas == count
                sample_tps = float(tps[np.argmax(at)])  # any draw of this replica count
                low, high = (
                    _fleet_cost(
                        choice.at(price=end, tokens_per_second=sample_tps, other_monthly=0.0),
                        w.tokens_per_month,
                        scenario,
                        target,
                    ).monthly
                    for end in (span.low, span.high)
                )
                values[at] = low + (high - low) * u[0][at] + other[at]
                if isinstance(choice.fleet, OwnedFleet):
                    # Owned GPU energy follows the hours the tokens take, which vary as
                    # 1 / throughput within a replica count.
                    fleet = choice.at(
                        price=span.low, tokens_per_second=sample_tps, other_monthly=0.0
                    )
                    assert isinstance(fleet, OwnedFleet)
                    energy = w.tokens_per_month * energy_per_token(fleet.finance, fleet.serving)
                    values[at] += energy * (sample_tps / tps[at] - 1.0)
        p10, p50, p90 = (float(x) for x in np.percentile(values, [10, 50, 90]))
        out[cost.name] = MonteCarlo(
            vs=api.name,
            samples=scenario.monte_carlo_samples,
            seed=scenario.monte_carlo_seed,
            api=(api_monthly, api_monthly, api_monthly),
            selfhost=(p10, p50, p90),
            p_selfhost_cheaper=float(np.mean(values < api_monthly)),
        )
    return out


def _serving_hours(fleet: Fleet, scenario: Scenario) -> float:
    if isinstance(fleet, RentedCapacity):
        return fleet.serving_hours(scenario.hours_per_month)
    return scenario.hours_per_month


def blended_per_mtok(option: ApiChoice | HybridChoice, w: Workload) -> float:
    offer = option.offer if isinstance(option, ApiChoice) else option.premium
    return blended_price_per_mtok(
        offer, input_share=w.input_share, cached_share=w.cached_share, traffic=w.traffic
    )


__all__ = [
    "ApiChoice",
    "Composition",
    "Corners",
    "Crossing",
    "FleetChoice",
    "FleetEnergy",
    "GridIntensity",
    "HybridChoice",
    "OptionCost",
    "OwnedFleet",
    "PairCrossings",
    "PowerDraw",
    "QualityFloor",
    "Scenario",
    "Span",
    "Workload",
    "compose",
    "curve_volumes",
    "fleet_cost",
    "fleet_curve",
    "resolve_scenario",
    "resolve_serving",
]
