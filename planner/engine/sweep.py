"""Vectorized sweeps over a grid of scenarios, evaluated in chunks.

The grid is ``volumes x input_shares x utilizations`` (C order: utilization varies
fastest); at every point each API offer and each self-hosted option is priced, so a grid
point carries ``len(api_offers) + len(selfhost_configs)`` costs. Points are numbered
``0 .. size - 1`` so a job queue can split a sweep into ``[start, stop)`` chunks and
:func:`summarize` can stitch them back.

One cost model: a grid point is priced as the composition (:mod:`planner.engine.compose`)
prices the scenario with that volume, input share and, as every self-hosted option's
planned share of measured throughput (its ``Serving.headroom``), that utilization. A
self-hosted option is a :class:`~planner.engine.compose.FleetChoice` (a basic
:class:`~planner.engine.selfhost.SelfHostConfig` becomes a one-GPU rented fleet): the
workload's ``peak_to_average`` sizes the replicas, instances or servers are packed, the
``availability_target`` adds its reserve, and the ``lens`` and ``analysis_months``
choose and spread the lines. Under always-on and window billing a fleet's monthly cost
is ``F(n) + e x V``: a part that depends on the volume only through the replicas it
needs, ``n = max(1, ceil(V x peak / (tps x utilization x serving hours x 3600)))``, and
the GPU energy an owned fleet's tokens take, ``e`` a token
(:func:`~planner.engine.owned.energy_per_token`; 0 for rented fleets). The sweep
computes ``n`` at every point (vectorized, ``Serving.replicas_for``'s arithmetic) and
reads ``F(n)`` from a table priced with the composition's own
:func:`~planner.engine.compose.fleet_cost` once per distinct ``n`` (memoized per spec).

Speed comes from not broadcasting what does not vary: API costs depend on (volume,
share) only, self-host costs on (volume, utilization) only, break-even on (share,
utilization) only and is computed once per spec.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from planner.engine.api import (
    STANDARD_TRAFFIC,
    ApiOffer,
    ApiTraffic,
    _segments,
    uncached_input_share,
)
from planner.engine.compose import (
    FleetChoice,
    OwnedFleet,
    Scenario,
    Span,
    Workload,
    fleet_cost,
    fleet_curve,
    search_limit,
)
from planner.engine.crossover import api_curve, first_win
from planner.engine.errors import (
    ScenarioError,
    require_non_negative,
    require_positive,
    require_share,
)
from planner.engine.fleet import DEFAULT_ANALYSIS_MONTHS, Lens, Serving
from planner.engine.owned import OwnedCost, energy_per_token
from planner.engine.rented import RentedCapacity
from planner.engine.selfhost import (
    FlatMonthly,
    OnDemandRate,
    OwnedHardware,
    Pricing,
    ReservedRate,
    SelfHostConfig,
    SpotRate,
)
from planner.engine.units import HOURS_PER_MONTH, SECONDS_PER_HOUR, TOKENS_PER_MTOK

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
SelfHostOption = SelfHostConfig | FleetChoice

# Above this many replica counts not yet priced in one chunk, a fleet without a reserve
# is priced by its affine form in machines (see _FleetTable); with a reserve every count
# is priced exactly.
EXACT_COUNTS_PER_CHUNK = 4_096
# Break-even blocks: at most this many (share x replica step) cells at a time, over at
# most this many shares.
BREAKEVEN_BLOCK_CELLS = 1 << 20
BREAKEVEN_ROWS = 4_096


def _axis(name: str, values: Sequence[float] | FloatArray) -> FloatArray:
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if array.size == 0:
        raise ScenarioError(name, "needs at least one value")
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise ScenarioError(name, "must be non-negative numbers")
    return array


def _price_of(pricing: Pricing) -> float:
    """The one price :meth:`FleetChoice.at` sets on ``pricing``."""
    match pricing:
        case OnDemandRate() | ReservedRate():
            return pricing.hourly
        case SpotRate():
            # compose._priced sets the spot hourly (allowance kept): the base spot price.
            if pricing.hourly is not None:
                return pricing.hourly
            assert pricing.on_demand_hourly is not None
            assert pricing.discount is not None
            return pricing.on_demand_hourly * (1.0 - pricing.discount)
        case FlatMonthly():
            return pricing.monthly
        case OwnedHardware():
            return pricing.purchase_price
    raise ScenarioError("selfhost.pricing", f"unknown pricing {pricing!r}")


def fleet_of_config(
    config: SelfHostConfig, *, one_off: float = 0.0, peak_to_average: float = 1.0
) -> FleetChoice:
    """A basic self-host config as the composition's fleet: one GPU a replica and an
    instance, the config's utilization as the headroom, its hidden monthly as the flat
    costs and ``one_off`` as the implementation spread over the analysis period."""
    rented = RentedCapacity(
        pricing=config.pricing,
        serving=Serving(
            tokens_per_second=config.tokens_per_second,
            headroom=config.utilization,
            peak_to_average=peak_to_average,
        ),
        billing=config.billing,
        hidden_multiplier=config.hidden_multiplier,
        other_monthly=config.hidden_monthly,
        implementation_one_off=one_off,
        name=config.name,
    )
    return FleetChoice(
        name=config.name,
        fleet=rented,
        price=Span.of(_price_of(config.pricing)),
        tokens_per_second=Span.of(config.tokens_per_second),
        other_monthly=Span.of(config.hidden_monthly),
    )


def _with_peak(option: FleetChoice, peak_to_average: float) -> FleetChoice:
    fleet = option.fleet
    serving = dataclasses.replace(fleet.serving, peak_to_average=peak_to_average)
    if isinstance(fleet, OwnedFleet):
        return dataclasses.replace(option, fleet=OwnedFleet(fleet.finance, serving))
    return dataclasses.replace(option, fleet=dataclasses.replace(fleet, serving=serving))


@dataclass(frozen=True, eq=False)
class SweepSpec:
    """Axes as arrays, the options priced at every point, and the workload's facts.

    ``selfhost_configs`` are composition fleets (:class:`FleetChoice`) or basic configs
    (:class:`SelfHostConfig`, whose ``one_off_costs`` give their implementation one-off);
    ``peak_to_average`` is the workload's and replaces every fleet's own.
    """

    volumes: FloatArray
    input_shares: FloatArray
    utilizations: FloatArray
    api_offers: tuple[ApiOffer, ...]
    selfhost_configs: tuple[SelfHostOption, ...]
    cached_share: float = 0.0
    hours_per_month: float = HOURS_PER_MONTH
    # One-off costs (implementation, migration) per basic self-host config, spread over
    # the analysis period; empty means none (a FleetChoice carries its own).
    one_off_costs: tuple[float, ...] = ()
    analysis_months: float = DEFAULT_ANALYSIS_MONTHS
    peak_to_average: float = 1.0
    availability_target: float | None = None
    lens: Lens = Lens.FULL
    # How the API tokens are bought (service tiers, cache writes, long contexts).
    traffic: ApiTraffic = STANDARD_TRAFFIC
    fleets: tuple[FleetChoice, ...] = field(init=False, repr=False)
    # Tables computed once (not an argument: dataclasses.replace must not share them).
    _prepared: dict[str, object] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "volumes", _axis("volumes", self.volumes))
        object.__setattr__(self, "input_shares", _axis("input_shares", self.input_shares))
        object.__setattr__(self, "utilizations", _axis("utilizations", self.utilizations))
        if np.any(self.input_shares > 1):
            raise ScenarioError("input_shares", "must be between 0 and 1")
        if np.any((self.utilizations <= 0) | (self.utilizations > 1)):
            raise ScenarioError("utilizations", "must be greater than 0 and at most 1")
        uncached_input_share(cached_share=self.cached_share, traffic=self.traffic)
        require_positive("hours_per_month", self.hours_per_month)
        if not self.api_offers:
            raise ScenarioError("api", "needs at least one API offer")
        if not self.selfhost_configs:
            raise ScenarioError("selfhost", "needs at least one self-host config")
        require_positive("analysis_months", self.analysis_months)
        if not math.isfinite(self.peak_to_average) or self.peak_to_average < 1:
            raise ScenarioError("peak_to_average", "must be a number >= 1")
        if self.availability_target is not None:
            require_share("availability_target", self.availability_target)
        object.__setattr__(self, "lens", Lens(self.lens))
        if self.one_off_costs:
            if len(self.one_off_costs) != len(self.selfhost_configs):
                raise ScenarioError("one_off_costs", "needs one amount per self-host config")
            for index, amount in enumerate(self.one_off_costs):
                require_non_negative(f"selfhost[{index}].implementation_one_off", amount)
        fleets = []
        for index, config in enumerate(self.selfhost_configs):
            if isinstance(config, SelfHostConfig):
                one_off = self.one_off_costs[index] if self.one_off_costs else 0.0
                option = fleet_of_config(config, one_off=one_off)
            else:
                option = config
            if option.scale_to_zero:
                raise ScenarioError(
                    f"selfhost[{index}].billing", "sweeps price always-on or window billing"
                )
            fleets.append(_with_peak(option, self.peak_to_average))
        object.__setattr__(self, "fleets", tuple(fleets))

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.volumes.size, self.input_shares.size, self.utilizations.size)

    @property
    def size(self) -> int:
        v, s, u = self.shape
        return v * s * u

    @property
    def option_names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.api_offers) + tuple(c.name for c in self.fleets)

    def scenario(self, *, tokens_per_month: float = 0.0) -> Scenario:
        """The composition's scenario of this spec's workload facts and fleets (names
        made unique: a scenario refuses duplicates; the tables price one fleet each)."""
        return Scenario(
            workload=Workload(
                tokens_per_month=tokens_per_month, availability_target=self.availability_target
            ),
            options=tuple(
                dataclasses.replace(f, name=f"{i}:{f.name}") for i, f in enumerate(self.fleets)
            ),
            hours_per_month=self.hours_per_month,
            lens=self.lens,
            analysis_months=self.analysis_months,
            monte_carlo_samples=0,
            search_crossings=False,
        )

    def with_axes(
        self,
        *,
        volumes: FloatArray | None = None,
        input_shares: FloatArray | None = None,
        utilizations: FloatArray | None = None,
    ) -> SweepSpec:
        """The same options and workload over other axes (the fleet tables are shared)."""
        spec = SweepSpec(
            volumes=self.volumes if volumes is None else volumes,
            input_shares=self.input_shares if input_shares is None else input_shares,
            utilizations=self.utilizations if utilizations is None else utilizations,
            api_offers=self.api_offers,
            selfhost_configs=self.selfhost_configs,
            cached_share=self.cached_share,
            hours_per_month=self.hours_per_month,
            one_off_costs=self.one_off_costs,
            analysis_months=self.analysis_months,
            peak_to_average=self.peak_to_average,
            availability_target=self.availability_target,
            lens=self.lens,
            traffic=self.traffic,
        )
        spec._prepared["tables"] = self.tables()
        return spec

    def tables(self) -> tuple[_FleetTable, ...]:
        cached = self._prepared.get("tables")
        if cached is None:
            scenario = self.scenario()
            cached = tuple(_FleetTable(fleet, scenario) for fleet in self.fleets)
            self._prepared["tables"] = cached
        assert isinstance(cached, tuple)
        return cached

    def prepared(self) -> _Prepared:
        cached = self._prepared.get("prepared")
        if cached is None:
            cached = _prepare(self)
            self._prepared["prepared"] = cached
        assert isinstance(cached, _Prepared)
        return cached


class _FleetTable:
    """``F(n)``: a fleet's monthly cost when ``n`` replicas are needed, memoized.

    Priced with :func:`~planner.engine.compose.fleet_cost` at a volume inside step ``n``
    (the cost of an always-on or window fleet depends on the volume only through ``n``,
    and not on the headroom either: that only changes ``n``). Without a reserve the cost
    is affine in the machines the packing takes, ``b + a x machines(n)``; that form
    prices counts in bulk when a chunk needs thousands not yet priced.
    """

    def __init__(self, fleet: FleetChoice, scenario: Scenario) -> None:
        self.fleet = fleet
        self.scenario = scenario
        self.memo: dict[int, float] = {}
        expected = fleet.corner("expected")
        serving = expected.serving
        hours = (
            expected.serving_hours(scenario.hours_per_month)
            if isinstance(expected, RentedCapacity)
            else scenario.hours_per_month
        )
        self.serving_hours = hours
        self.step = serving.replica_capacity(hours=hours) / serving.peak_to_average
        self.has_reserve = scenario.workload.availability_target is not None
        one = (
            expected.pack(1)
            if isinstance(expected, RentedCapacity)
            else expected.finance.pack(1, serving)
        )
        self.replicas_per_unit = one.replicas_per_unit
        self.units_per_replica = one.units_per_replica
        # F(n) leaves out the GPU energy an owned fleet's tokens take: e x V, added per point.
        self.energy_per_token = (
            energy_per_token(expected.finance, serving) if isinstance(expected, OwnedFleet) else 0.0
        )
        self._affine: tuple[float, float] | None = None
        self._dense: FloatArray = np.empty(0)

    def exact(self, n: int) -> float:
        found = self.memo.get(n)
        if found is None:
            cost = None
            for inside in (0.5, 0.25, 0.75):
                cost = fleet_cost(self.fleet, (n - inside) * self.step, self.scenario)
                if cost.replicas == n:
                    break
            assert cost is not None
            assert cost.replicas == n, "a volume of every replica count"
            fixed = cost.fixed_monthly if isinstance(cost, OwnedCost) else cost.monthly
            found = self.memo[n] = fixed
        return found

    def upto(self, count: int) -> FloatArray:
        """``F(1) .. F(count)`` as an array (cached and grown as needed)."""
        dense = self._dense
        if dense.size < count:
            grown = np.array([self.exact(n) for n in range(dense.size + 1, count + 1)])
            dense = self._dense = np.concatenate((dense, grown))
        return dense[:count]

    def units(self, n: IntArray) -> IntArray:
        return -(-n // self.replicas_per_unit) * self.units_per_replica

    def affine(self, n: IntArray) -> FloatArray:
        if self._affine is None:
            far = self.replicas_per_unit * 1000 + 1
            units = self.units(np.array([1, far], dtype=np.int64))
            f1, f2 = self.exact(1), self.exact(far)
            slope = (f2 - f1) / float(units[1] - units[0])
            self._affine = (f1 - slope * float(units[0]), slope)
        base, slope = self._affine
        return base + slope * self.units(n).astype(np.float64)

    def costs(self, n: IntArray) -> FloatArray:
        """``F`` at every replica count of ``n`` (any shape)."""
        unique, inverse = np.unique(n, return_inverse=True)
        missing = [int(k) for k in unique if int(k) not in self.memo]
        if not self.has_reserve and len(missing) > EXACT_COUNTS_PER_CHUNK:
            values = np.array([self.memo.get(int(k), math.nan) for k in unique])
            unknown = np.isnan(values)
            values[unknown] = self.affine(unique[unknown])
        else:
            values = np.array([self.exact(int(k)) for k in unique])
        return values[inverse].reshape(n.shape)


@dataclass(frozen=True, eq=False)
class _Prepared:
    """Small per-axis tables computed once with the scalar functions."""

    flat_offers: IntArray  # offers without tiers
    flat_prices: FloatArray  # (S, len(flat_offers)) blended price per 1M
    tiered: tuple[
        tuple[int, FloatArray, FloatArray, FloatArray], ...
    ]  # (offer, starts, ends, prices (S, K))
    planned: FloatArray  # (U, C) tokens a replica serves at the peak (Serving.replica_capacity)


def _prepare(spec: SweepSpec) -> _Prepared:
    shares = spec.input_shares
    flat = [i for i, offer in enumerate(spec.api_offers) if not offer.tiers]
    flat_prices = np.empty((shares.size, len(flat)))
    tiered = []
    for column, index in enumerate(flat):
        for row, share in enumerate(shares):
            ((_, _, price),) = _segments(
                spec.api_offers[index],
                input_share=float(share),
                cached_share=spec.cached_share,
                traffic=spec.traffic,
            )
            flat_prices[row, column] = price
    for index, offer in enumerate(spec.api_offers):
        if not offer.tiers:
            continue
        per_share = [
            _segments(
                offer,
                input_share=float(share),
                cached_share=spec.cached_share,
                traffic=spec.traffic,
            )
            for share in shares
        ]
        starts = np.array([start for start, _, _ in per_share[0]])
        ends = np.array([end for _, end, _ in per_share[0]])
        prices = np.array([[price for _, _, price in segs] for segs in per_share])
        tiered.append((index, starts, ends, prices))
    tables = spec.tables()
    tps = np.array([t.fleet.corner("expected").serving.tokens_per_second for t in tables])
    hours = np.array([t.serving_hours for t in tables])
    # Serving.replica_capacity's product, in its order: tps x headroom x hours x 3600.
    planned = tps[None, :] * spec.utilizations[:, None] * hours[None, :] * SECONDS_PER_HOUR
    return _Prepared(
        flat_offers=np.array(flat, dtype=np.int64),
        flat_prices=flat_prices,
        tiered=tuple(tiered),
        planned=planned,
    )


@dataclass(frozen=True, eq=False)
class SweepChunkResult:
    """Costs at grid points ``[start, stop)``.

    ``cheapest`` indexes :attr:`SweepSpec.option_names` (API offers first; ties go to the
    earlier option). ``breakeven`` has shape ``(shares, utilizations, offers, configs)``:
    it does not depend on volume; NaN where unreachable (empty when not asked for).
    """

    start: int
    stop: int
    api_monthly: FloatArray  # (n, offers)
    selfhost_monthly: FloatArray  # (n, configs)
    replicas: FloatArray  # (n, configs), whole numbers: needed at the peak
    cheapest: IntArray  # (n,)
    breakeven: FloatArray  # (S, U, offers, configs)


def _api_block(prep: _Prepared, spec: SweepSpec, volumes: FloatArray) -> FloatArray:
    """API monthly cost, shape (nv, S, O)."""
    out = np.empty((volumes.size, spec.input_shares.size, len(spec.api_offers)))
    if prep.flat_offers.size:
        costs = volumes[:, None, None] * prep.flat_prices[None, :, :] / TOKENS_PER_MTOK
        out[:, :, prep.flat_offers] = costs
    for index, starts, ends, prices in prep.tiered:
        total = np.zeros((volumes.size, spec.input_shares.size))
        for k in range(starts.size):
            billed = np.clip(np.minimum(volumes, ends[k]) - starts[k], 0.0, None)
            total += billed[:, None] * prices[None, :, k] / TOKENS_PER_MTOK
        out[:, :, index] = total
    return out


def _replicas(volumes: FloatArray, peak: float, planned: FloatArray) -> IntArray:
    """``Serving.replicas_for`` at every volume: ``max(1, ceil(V x peak / planned))``."""
    return np.maximum(1.0, np.ceil(volumes * peak / planned)).astype(np.int64)


def _step_ends(counts: IntArray, peak: float, planned: float) -> FloatArray:
    """The last whole token each replica count serves: the largest ``V`` with
    ``_replicas(V) <= n``. ``floor(n x planned / peak)`` can land a token either side of
    it in floats, so each end is moved until the replicas arithmetic itself agrees."""
    last: FloatArray = np.floor(counts * planned / peak)
    for _ in range(3):
        last = np.where(_replicas(last, peak, np.array(planned)) > counts, last - 1, last)
        last = np.where(_replicas(last + 1, peak, np.array(planned)) <= counts, last + 1, last)
    return last


def _selfhost_block(
    prep: _Prepared, spec: SweepSpec, volumes: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Self-host monthly cost and replicas, shape (nv, U, C)."""
    replicas = _replicas(volumes[:, None, None], spec.peak_to_average, prep.planned[None, :, :])
    cost = np.empty(replicas.shape)
    for column, table in enumerate(spec.tables()):
        cost[:, :, column] = table.costs(replicas[:, :, column])
        if table.energy_per_token:
            # OwnedCost.monthly's sum: the fixed part, then the tokens' GPU energy.
            cost[:, :, column] += (volumes * table.energy_per_token)[:, None]
    return cost, replicas.astype(np.float64)


def breakeven_limits(spec: SweepSpec) -> FloatArray:
    """How far the break-even is searched at each utilization: the composition's
    :func:`~planner.engine.compose.search_limit` for the grid's largest volume and the
    smallest replica step at that utilization."""
    steps = spec.prepared().planned / spec.peak_to_average  # (U, C)
    largest = float(spec.volumes.max())
    return np.array([float(search_limit(largest, float(step.min()))) for step in steps])


def _api_at(prep: _Prepared, offer: int, shares: IntArray, volumes: FloatArray) -> FloatArray:
    """One offer's monthly cost at ``volumes`` (row ``i`` at input share ``shares[i]``;
    shape (rows,) or (rows, k)): the sum :func:`~planner.engine.api.api_monthly_cost`
    makes, in its order."""

    def per_row(values: FloatArray) -> FloatArray:
        return values if volumes.ndim == 1 else values[:, None]

    for column, index in enumerate(prep.flat_offers):
        if index == offer:
            return volumes * per_row(prep.flat_prices[shares, column]) / TOKENS_PER_MTOK
    for index, starts, ends, prices in prep.tiered:
        if index == offer:
            total = np.zeros(volumes.shape)
            for k in range(starts.size):
                billed = np.clip(np.minimum(volumes, ends[k]) - starts[k], 0.0, None)
                total += billed * per_row(prices[shares, k]) / TOKENS_PER_MTOK
            return total
    raise AssertionError(offer)


def _api_grid(prep: _Prepared, offer: int, shares: IntArray, volumes: FloatArray) -> FloatArray:
    """:func:`_api_at` at the same volumes for every share, shape (shares, volumes): the
    billed tokens of each tier are worked out once per volume (the same figures)."""
    for column, index in enumerate(prep.flat_offers):
        if index == offer:
            price: FloatArray = prep.flat_prices[shares, column][:, None]
            return volumes[None, :] * price / TOKENS_PER_MTOK
    for index, starts, ends, prices in prep.tiered:
        if index == offer:
            total = np.zeros((shares.size, volumes.size))
            for k in range(starts.size):
                billed = np.clip(np.minimum(volumes, ends[k]) - starts[k], 0.0, None)
                total += billed[None, :] * prices[shares, k][:, None] / TOKENS_PER_MTOK
            return total
    raise AssertionError(offer)


def _no_more(fleet: FloatArray, api: FloatArray) -> NDArray[np.bool_]:
    """:func:`~planner.engine.crossover.costs_no_more`, elementwise."""
    scale = np.maximum(np.maximum(1.0, np.abs(fleet)), np.abs(api))
    return fleet - api <= 1e-13 * scale


def breakeven_grid(spec: SweepSpec) -> FloatArray:
    """First volume where each fleet costs no more than each API offer, per (share,
    utilization, offer, config); NaN when none does up to :func:`breakeven_limits`.

    The composition's definition (:func:`~planner.engine.crossover.win_intervals`): the
    first whole token ``V`` with ``F(n(V)) + e V <= API(V)``, that is ``F(n(V)) <=
    API(V) - e V``: the API bill with every tier's price lowered by ``e``. Where that
    never falls as the volume grows (always for rented fleets, ``e = 0``) and as ``F`` is
    constant within a replica step, the answer lies in the first step ``n`` whose last
    token already wins; within it, a bisection on whole tokens finds the first. Where an
    owned fleet's GPU energy a token costs more than a tier's price, the composition's own
    crossing search answers for those shares. Computed once per spec, in blocks of shares.
    """
    cached = spec._prepared.get("breakeven")
    if isinstance(cached, np.ndarray):
        return cached
    prep = spec.prepared()
    n_s, n_u = spec.input_shares.size, spec.utilizations.size
    n_o, n_c = len(spec.api_offers), len(spec.fleets)
    out = np.full((n_s, n_u, n_o, n_c), np.nan)
    peak = spec.peak_to_average
    tables = spec.tables()
    for j, limit in enumerate(breakeven_limits(spec)):
        for c, table in enumerate(tables):
            planned = prep.planned[j, c]
            steps = int(_replicas(np.array(limit), peak, np.array(planned)))
            counts = np.arange(1, steps + 1, dtype=np.int64)
            last = np.minimum(_step_ends(counts, peak, float(planned)), limit)
            first = np.concatenate(([0.0], last[:-1] + 1))
            live = first <= last
            counts, first, last = counts[live], first[live], last[live]
            if not counts.size:
                continue
            fleet = table.upto(int(counts[-1]))[counts - 1]
            cheapest = float(fleet.min())
            bills = _less_energy(prep, table.energy_per_token)
            for o in range(n_o):
                falling = _falling(bills, o)
                for s in np.flatnonzero(falling):
                    out[s, j, o, c] = _searched(spec, j, o, c, int(s), int(limit))
                # Only shares whose API bill at the limit reaches the cheapest fleet can
                # cross at all (the bill only grows with volume).
                end = np.full(n_s, last[-1])
                maybe = np.flatnonzero(
                    ~falling
                    & _no_more(np.full(n_s, cheapest), _api_at(bills, o, np.arange(n_s), end))
                )
                price = _flat_price(bills, o)
                for low in range(0, maybe.size, BREAKEVEN_ROWS):
                    rows = maybe[low : low + BREAKEVEN_ROWS]
                    at = (
                        _first_step(bills, o, rows, fleet, last)
                        if price is None
                        else _first_flat_step(bills, o, rows, fleet, last, price[rows])
                    )
                    found = at >= 0
                    if found.any():
                        step = at[found]
                        out[rows[found], j, o, c] = _first_token(
                            bills, o, rows[found], fleet[step], first[step], last[step]
                        )
    spec._prepared["breakeven"] = out
    return out


def _less_energy(prep: _Prepared, per_token: float) -> _Prepared:
    """The API bills less an owned fleet's GPU energy, ``API(V) - e V``: the tiers cover
    every token from 0, so every tier's price per 1M falls by ``e x 1M``."""
    if not per_token:
        return prep
    less = per_token * TOKENS_PER_MTOK
    return dataclasses.replace(
        prep,
        flat_prices=prep.flat_prices - less,
        tiered=tuple(
            (index, starts, ends, prices - less) for index, starts, ends, prices in prep.tiered
        ),
    )


def _falling(bills: _Prepared, offer: int) -> NDArray[np.bool_]:
    """Per share: does the offer's bill (less the energy) fall somewhere as volume grows?"""
    price = _flat_price(bills, offer)
    if price is not None:
        return np.asarray(price < 0)
    for index, _starts, _ends, prices in bills.tiered:
        if index == offer:
            return np.asarray((prices < 0).any(axis=1))
    raise AssertionError(offer)


def _searched(spec: SweepSpec, j: int, offer: int, config: int, share: int, limit: int) -> float:
    """The composition's first win of a fleet over an offer at one grid cell (NaN: none),
    with its own crossing search: for a bill that is not monotone in the volume."""
    option = spec.fleets[config]
    fleet = option.fleet
    serving = dataclasses.replace(fleet.serving, headroom=float(spec.utilizations[j]))
    at = (
        OwnedFleet(fleet.finance, serving)
        if isinstance(fleet, OwnedFleet)
        else dataclasses.replace(fleet, serving=serving)
    )
    curve = fleet_curve(dataclasses.replace(option, fleet=at), spec.scenario())
    api = api_curve(
        spec.api_offers[offer],
        input_share=float(spec.input_shares[share]),
        cached_share=spec.cached_share,
        traffic=spec.traffic,
    )
    found = first_win(curve, api, limit=limit).volume
    return math.nan if found is None else float(found)


def _flat_price(prep: _Prepared, offer: int) -> FloatArray | None:
    """The blended price per 1M at every share of an offer without tiers (else None)."""
    for column, index in enumerate(prep.flat_offers):
        if index == offer:
            return prep.flat_prices[:, column]
    return None


def _first_flat_step(
    prep: _Prepared,
    offer: int,
    shares: IntArray,
    fleet: FloatArray,
    last: FloatArray,
    price: FloatArray,
) -> IntArray:
    """:func:`_first_step` for a flat price: step ``n`` wins about where the price reaches
    ``F(n) / last token``, so the running minimum of that ratio locates it at once; the
    exact test confirms it (and the step before it loses), else the scan decides."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(last > 0, fleet * TOKENS_PER_MTOK / last, np.inf)
    lowest = np.minimum.accumulate(ratio)  # non-increasing
    guess = np.searchsorted(-lowest, -price, side="left")  # first step with lowest <= price
    found = np.full(shares.size, -1, dtype=np.int64)
    inside = guess < last.size
    at = np.minimum(guess, last.size - 1)
    wins_at = _no_more(fleet[at], _api_at(prep, offer, shares, last[at]))
    before = np.maximum(at - 1, 0)
    wins_before = (at > 0) & _no_more(fleet[before], _api_at(prep, offer, shares, last[before]))
    sure = inside & wins_at & ~wins_before
    found[sure] = at[sure]
    # No step even close: none wins. The exact test forgives 1e-13 of the larger figure,
    # so the ratio that decides it is taken with that slack (a fleet of a few 1e-13
    # dollars wins against a free API).
    with np.errstate(divide="ignore", invalid="ignore"):
        slack = np.maximum(0.0, fleet - 1e-13 * np.maximum(1.0, fleet))
        lenient = np.where(last > 0, slack * TOKENS_PER_MTOK / last, np.inf).min()
    none = ~inside & (lenient > price * (1 + 1e-9))
    unsure = ~sure & ~none
    if unsure.any():
        found[unsure] = _first_step(prep, offer, shares[unsure], fleet, last)
    return found


def _first_step(
    prep: _Prepared, offer: int, shares: IntArray, fleet: FloatArray, last: FloatArray
) -> IntArray:
    """Per share, the first replica step whose last token wins (-1: none), scanning the
    steps in growing blocks and dropping the shares already decided."""
    found = np.full(shares.size, -1, dtype=np.int64)
    open_ = np.arange(shares.size)
    start, width = 0, 16
    while open_.size and start < last.size:
        stop = min(start + width, last.size)
        bills = _api_grid(prep, offer, shares[open_], last[start:stop])
        wins = _no_more(fleet[None, start:stop], bills)
        hit = wins.any(axis=1)
        found[open_[hit]] = start + np.argmax(wins[hit], axis=1)
        open_ = open_[~hit]
        start, width = stop, min(width * 2, max(16, BREAKEVEN_BLOCK_CELLS // max(1, open_.size)))
    return found


def _first_token(
    prep: _Prepared,
    offer: int,
    shares: IntArray,
    fleet: FloatArray,
    low: FloatArray,
    high: FloatArray,
) -> FloatArray:
    """First whole token in ``[low, high]`` where the API costs no less than ``fleet``
    (it does at ``high``): a flat bill's inverse when the exact test confirms it, else a
    bisection on every row at once."""
    wins = _wins_rows(prep, offer, shares, fleet)
    # The inverse of the bill, confirmed: wins there, and not a token before.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        guess = np.clip(np.ceil(_tokens_for_spend(prep, offer, shares, fleet)), low, high)
    guess = np.where(np.isfinite(guess), guess, high)
    # Rounding may put the inverse a token either side: test the token before it too.
    near = [np.clip(guess + shift, low, high) for shift in (-2.0, -1.0, 0.0, 1.0)]
    won = [wins(v) for v in near]
    out = np.full(guess.shape, np.nan)
    for before, (at, wins_at) in zip(won, zip(near[1:], won[1:], strict=True), strict=False):
        first = np.isnan(out) & wins_at & ((at <= low) | ~before)
        out[first] = at[first]
    rest = np.isnan(out)
    if not rest.any():
        return out
    out[rest] = _bisect(_wins_rows(prep, offer, shares[rest], fleet[rest]), low[rest], high[rest])
    return out


def _tokens_for_spend(
    prep: _Prepared, offer: int, shares: IntArray, spend: FloatArray
) -> FloatArray:
    """:func:`~planner.engine.api.api_tokens_for_spend` per row (inf: never reached); a
    guess the exact test then confirms."""
    price = _flat_price(prep, offer)
    if price is not None:
        return spend * TOKENS_PER_MTOK / price[shares]
    for index, starts, ends, prices in prep.tiered:
        if index == offer:
            rows = prices[shares]  # (rows, K)
            width = np.where(np.isfinite(ends), ends - starts, 0.0)
            cost = width[None, :] * rows / TOKENS_PER_MTOK
            spent = np.concatenate((np.zeros((rows.shape[0], 1)), np.cumsum(cost, axis=1)), 1)
            found = np.full(spend.shape, np.inf)
            for k in range(starts.size - 1, -1, -1):
                reach = (rows[:, k] > 0) & (spent[:, k] <= spend)
                reach &= ~np.isfinite(ends[k]) | (spend <= spent[:, k + 1])
                found = np.where(
                    reach, starts[k] + (spend - spent[:, k]) * TOKENS_PER_MTOK / rows[:, k], found
                )
            return found
    raise AssertionError(offer)


def _wins_rows(
    prep: _Prepared, offer: int, shares: IntArray, fleet: FloatArray
) -> Callable[[FloatArray], NDArray[np.bool_]]:
    """Does each row's fleet cost no more than its API bill at these volumes?"""

    def wins(volumes: FloatArray) -> NDArray[np.bool_]:
        return _no_more(fleet, _api_at(prep, offer, shares, volumes))

    return wins


def _bisect(
    wins: Callable[[FloatArray], NDArray[np.bool_]], low: FloatArray, high: FloatArray
) -> FloatArray:
    """First whole token in ``[low, high]`` where ``wins`` (it does at ``high``)."""
    at_low = wins(low)
    below = low.copy()  # unless the answer is low itself, it is in (below, above]
    above = high.copy()
    while True:
        open_ = (above - below > 1) & ~at_low
        if not open_.any():
            break
        middle = np.floor((below + above) / 2)
        won = wins(middle)
        above = np.where(open_ & won, middle, above)
        below = np.where(open_ & ~won, middle, below)
    return np.where(at_low, low, above)


def evaluate_chunk(
    spec: SweepSpec, start: int, stop: int, *, with_breakeven: bool = True
) -> SweepChunkResult:
    """Evaluate grid points ``[start, stop)`` of the flattened grid.

    ``with_breakeven``: attach :func:`breakeven_grid` (computed once per spec); a job
    queue's chunk tasks, which keep only the cheapest option, leave it out.
    """
    if not 0 <= start <= stop <= spec.size:
        raise ScenarioError("chunk", f"[{start}, {stop}) is outside the grid of {spec.size} points")
    prep = spec.prepared()
    _n_v, n_s, n_u = spec.shape
    per_volume = n_s * n_u
    first = start // per_volume
    last = max(first + 1, -(-stop // per_volume))
    volumes = spec.volumes[first:last]
    offset, count = start - first * per_volume, stop - start

    api = _api_block(prep, spec, volumes)  # (nv, S, O)
    selfhost, replicas = _selfhost_block(prep, spec, volumes)  # (nv, U, C)
    api_arg = np.argmin(api, axis=2)
    api_min = np.take_along_axis(api, api_arg[:, :, None], axis=2)[:, :, 0]
    sh_arg = np.argmin(selfhost, axis=2)
    sh_min = np.take_along_axis(selfhost, sh_arg[:, :, None], axis=2)[:, :, 0]
    cheapest = np.where(
        api_min[:, :, None] <= sh_min[:, None, :],
        api_arg[:, :, None],
        len(spec.api_offers) + sh_arg[:, None, :],
    )

    def flat(block: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        full = np.empty(shape, dtype=block.dtype)
        full[...] = block
        return full.reshape(-1, *shape[3:])[offset : offset + count]

    n_o, n_c = len(spec.api_offers), len(spec.fleets)
    nv = volumes.size
    return SweepChunkResult(
        start=start,
        stop=stop,
        api_monthly=flat(api[:, :, None, :], (nv, n_s, n_u, n_o)),
        selfhost_monthly=flat(selfhost[:, None, :, :], (nv, n_s, n_u, n_c)),
        replicas=flat(replicas[:, None, :, :], (nv, n_s, n_u, n_c)),
        cheapest=flat(cheapest, (nv, n_s, n_u)).astype(np.int64, copy=False),
        breakeven=breakeven_grid(spec) if with_breakeven else np.empty((0, 0, 0, 0)),
    )


def with_analysis_months(spec: SweepSpec, months: float) -> SweepSpec:
    """The same grid over another analysis period (a fresh spec: prepared tables differ)."""
    return SweepSpec(
        volumes=spec.volumes,
        input_shares=spec.input_shares,
        utilizations=spec.utilizations,
        api_offers=spec.api_offers,
        selfhost_configs=spec.selfhost_configs,
        cached_share=spec.cached_share,
        hours_per_month=spec.hours_per_month,
        one_off_costs=spec.one_off_costs,
        analysis_months=months,
        peak_to_average=spec.peak_to_average,
        availability_target=spec.availability_target,
        lens=spec.lens,
        traffic=spec.traffic,
    )


def point_axes(spec: SweepSpec, start: int, stop: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Volume, input share and utilization of each point in ``[start, stop)``."""
    index = np.arange(start, stop)
    v, s, u = np.unravel_index(index, spec.shape)
    return spec.volumes[v], spec.input_shares[s], spec.utilizations[u]


def chunk_bounds(size: int, chunk_size: int) -> list[tuple[int, int]]:
    """``[start, stop)`` pairs covering ``range(size)`` in chunks of ``chunk_size``."""
    if chunk_size <= 0:
        raise ScenarioError("chunk_size", "must be a positive integer")
    return [(start, min(start + chunk_size, size)) for start in range(0, size, chunk_size)]


@dataclass(frozen=True)
class FrontierFlip:
    """Along the volume axis at one (input share, utilization), the cheapest option changes
    between ``volume_below`` and ``volume_above``."""

    input_share: float
    utilization: float
    volume_below: float
    volume_above: float
    from_option: str
    to_option: str


@dataclass(frozen=True, eq=False)
class SweepSummary:
    option_names: tuple[str, ...]
    cheapest: IntArray  # (V, S, U)
    wins: dict[str, int]
    frontier: tuple[FrontierFlip, ...]
    breakeven: FloatArray  # (S, U, offers, configs)


def summarize(spec: SweepSpec, chunks: Sequence[SweepChunkResult]) -> SweepSummary:
    """Stitch chunks (any order, must cover the grid once) into the cheapest-option map and
    the break-even frontier (give volumes ascending for a meaningful frontier)."""
    ordered = sorted(chunks, key=lambda chunk: chunk.start)
    position = 0
    for chunk in ordered:
        if chunk.start != position:
            raise ScenarioError("chunks", f"chunks leave a gap or overlap at point {position}")
        position = chunk.stop
    if position != spec.size:
        raise ScenarioError("chunks", f"chunks cover {position} of {spec.size} points")
    cheapest = np.concatenate([chunk.cheapest for chunk in ordered]).reshape(spec.shape)
    names = spec.option_names
    counts = np.bincount(cheapest.reshape(-1), minlength=len(names))
    flips = []
    changed = np.nonzero(cheapest[1:] != cheapest[:-1])
    for v, s, u in zip(*changed, strict=True):
        flips.append(
            FrontierFlip(
                input_share=float(spec.input_shares[s]),
                utilization=float(spec.utilizations[u]),
                volume_below=float(spec.volumes[v]),
                volume_above=float(spec.volumes[v + 1]),
                from_option=names[cheapest[v, s, u]],
                to_option=names[cheapest[v + 1, s, u]],
            )
        )
    return SweepSummary(
        option_names=names,
        cheapest=cheapest,
        wins={name: int(count) for name, count in zip(names, counts, strict=True)},
        frontier=tuple(flips),
        breakeven=breakeven_grid(spec),
    )
