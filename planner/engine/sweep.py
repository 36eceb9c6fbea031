"""Vectorized sweeps over a grid of scenarios, evaluated in chunks.

The grid is ``volumes x input_shares x utilizations`` (C order: utilization varies
fastest); at every point each API offer and each self-host config is priced, so a grid
point carries ``len(api_offers) + len(selfhost_configs)`` costs. Points are numbered
``0 .. size - 1`` so a job queue can split a sweep into ``[start, stop)`` chunks and
:func:`summarize` can stitch them back.

The analysis period is a scalar of the spec (``analysis_months``, 36 by default): it
spreads each config's ``one_off_costs`` over the months; vary it with one spec per
period (:func:`with_analysis_months`), each as cheap as before.

Speed comes from not broadcasting what does not vary: API costs depend on (volume,
share) only, self-host costs on (volume, utilization) only, break-even on (share,
utilization) only. Per-share prices and per-utilization capacities are taken from the
scalar functions, so results equal the scalar path (the tests hold them to 1e-9).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from planner.engine.api import ApiOffer, _segments
from planner.engine.errors import (
    ScenarioError,
    require_non_negative,
    require_positive,
    require_share,
)
from planner.engine.fleet import DEFAULT_ANALYSIS_MONTHS
from planner.engine.selfhost import BillingMode, SelfHostConfig
from planner.engine.units import HOURS_PER_MONTH, TOKENS_PER_MTOK

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def _axis(name: str, values: Sequence[float] | FloatArray) -> FloatArray:
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if array.size == 0:
        raise ScenarioError(name, "needs at least one value")
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise ScenarioError(name, "must be non-negative numbers")
    return array


@dataclass(frozen=True, eq=False)
class SweepSpec:
    """Axes as arrays plus the options priced at every point."""

    volumes: FloatArray
    input_shares: FloatArray
    utilizations: FloatArray
    api_offers: tuple[ApiOffer, ...]
    selfhost_configs: tuple[SelfHostConfig, ...]
    cached_share: float = 0.0
    hours_per_month: float = HOURS_PER_MONTH
    # One-off costs (implementation, migration) per self-host config, spread over the
    # analysis period as a fixed monthly amount; empty means none (the period is moot).
    one_off_costs: tuple[float, ...] = ()
    analysis_months: float = DEFAULT_ANALYSIS_MONTHS
    _prepared: dict[str, object] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "volumes", _axis("volumes", self.volumes))
        object.__setattr__(self, "input_shares", _axis("input_shares", self.input_shares))
        object.__setattr__(self, "utilizations", _axis("utilizations", self.utilizations))
        if np.any(self.input_shares > 1):
            raise ScenarioError("input_shares", "must be between 0 and 1")
        if np.any((self.utilizations <= 0) | (self.utilizations > 1)):
            raise ScenarioError("utilizations", "must be greater than 0 and at most 1")
        require_share("cached_share", self.cached_share)
        if not self.api_offers:
            raise ScenarioError("api", "needs at least one API offer")
        if not self.selfhost_configs:
            raise ScenarioError("selfhost", "needs at least one self-host config")
        require_positive("analysis_months", self.analysis_months)
        if self.one_off_costs:
            if len(self.one_off_costs) != len(self.selfhost_configs):
                raise ScenarioError("one_off_costs", "needs one amount per self-host config")
            for index, amount in enumerate(self.one_off_costs):
                require_non_negative(f"selfhost[{index}].implementation_one_off", amount)
        for index, config in enumerate(self.selfhost_configs):
            if config.billing.mode is BillingMode.SCALE_TO_ZERO:
                raise ScenarioError(
                    f"selfhost[{index}].billing", "sweeps price always-on or window billing"
                )

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.volumes.size, self.input_shares.size, self.utilizations.size)

    @property
    def size(self) -> int:
        v, s, u = self.shape
        return v * s * u

    @property
    def option_names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.api_offers) + tuple(c.name for c in self.selfhost_configs)

    def prepared(self) -> _Prepared:
        cached = self._prepared.get("prepared")
        if cached is None:
            cached = _prepare(self)
            self._prepared["prepared"] = cached
        assert isinstance(cached, _Prepared)
        return cached


@dataclass(frozen=True, eq=False)
class _Prepared:
    """Small per-axis tables computed once with the scalar functions."""

    flat_offers: IntArray  # offers without tiers
    flat_prices: FloatArray  # (S, len(flat_offers)) blended price per 1M
    tiered: tuple[
        tuple[int, FloatArray, FloatArray, FloatArray], ...
    ]  # (offer, starts, ends, prices (S, K))
    capacity: FloatArray  # (U, C) tokens per month per replica
    replica_gpu: FloatArray  # (C,) GPU cost of one replica
    multiplier: FloatArray  # (C,)
    hidden: FloatArray  # (C,)


def _prepare(spec: SweepSpec) -> _Prepared:
    shares = spec.input_shares
    flat = [i for i, offer in enumerate(spec.api_offers) if not offer.tiers]
    flat_prices = np.empty((shares.size, len(flat)))
    tiered = []
    for column, index in enumerate(flat):
        for row, share in enumerate(shares):
            ((_, _, price),) = _segments(
                spec.api_offers[index], input_share=float(share), cached_share=spec.cached_share
            )
            flat_prices[row, column] = price
    for index, offer in enumerate(spec.api_offers):
        if not offer.tiers:
            continue
        per_share = [
            _segments(offer, input_share=float(share), cached_share=spec.cached_share)
            for share in shares
        ]
        starts = np.array([start for start, _, _ in per_share[0]])
        ends = np.array([end for _, end, _ in per_share[0]])
        prices = np.array([[price for _, _, price in segs] for segs in per_share])
        tiered.append((index, starts, ends, prices))
    hours = spec.hours_per_month
    capacity = np.array(
        [
            [
                c.with_utilization(float(u)).capacity_tokens_per_month(hours_per_month=hours)
                for c in spec.selfhost_configs
            ]
            for u in spec.utilizations
        ]
    )
    return _Prepared(
        flat_offers=np.array(flat, dtype=np.int64),
        flat_prices=flat_prices,
        tiered=tuple(tiered),
        capacity=capacity,
        replica_gpu=np.array(
            [c.replica_monthly(hours_per_month=hours) for c in spec.selfhost_configs]
        ),
        multiplier=np.array([c.hidden_multiplier for c in spec.selfhost_configs]),
        hidden=np.array([c.hidden_monthly for c in spec.selfhost_configs])
        + (np.array(spec.one_off_costs) / spec.analysis_months if spec.one_off_costs else 0.0),
    )


@dataclass(frozen=True, eq=False)
class SweepChunkResult:
    """Costs at grid points ``[start, stop)``.

    ``cheapest`` indexes :attr:`SweepSpec.option_names` (API offers first; ties go to the
    earlier option). ``breakeven`` has shape ``(shares, utilizations, offers, configs)``:
    it does not depend on volume; NaN where unreachable.
    """

    start: int
    stop: int
    api_monthly: FloatArray  # (n, offers)
    selfhost_monthly: FloatArray  # (n, configs)
    replicas: FloatArray  # (n, configs), whole numbers
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


def _selfhost_block(prep: _Prepared, volumes: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Self-host monthly cost and replicas, shape (nv, U, C)."""
    replicas = np.maximum(1.0, np.ceil(volumes[:, None, None] / prep.capacity[None, :, :]))
    cost = replicas * prep.replica_gpu * prep.multiplier + prep.hidden
    return cost, replicas


def breakeven_grid(spec: SweepSpec) -> FloatArray:
    """Break-even tokens/month for each (share, utilization, offer, config); NaN if none.

    Mirrors :func:`planner.engine.breakeven.breakeven_volume` for one replica, ties
    included: a break-even exactly at a replica's capacity is reachable.
    """
    prep = spec.prepared()
    shares, offers = spec.input_shares.size, len(spec.api_offers)
    fixed = prep.replica_gpu * prep.multiplier + prep.hidden  # (C,)
    tokens = np.full((shares, offers, fixed.size), np.nan)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for column, index in enumerate(prep.flat_offers):
            price = prep.flat_prices[:, column][:, None]
            tokens[:, index, :] = np.where(price > 0, fixed * TOKENS_PER_MTOK / price, np.nan)
        for index, starts, ends, prices in prep.tiered:
            found = np.full((shares, fixed.size), np.nan)
            spent = np.zeros((shares, 1))
            for k in range(starts.size):
                price = prices[:, k][:, None]
                candidate = np.maximum(
                    ((fixed - spent) * TOKENS_PER_MTOK + price * starts[k]) / price, starts[k]
                )
                hit = np.isnan(found) & (price > 0) & (candidate < ends[k])
                found = np.where(hit, candidate, found)
                if np.isfinite(ends[k]):
                    spent = spent + (ends[k] - starts[k]) * price / TOKENS_PER_MTOK
            tokens[:, index, :] = found
    tokens[:, :, fixed == 0] = 0.0
    api_free = np.ones((shares, offers), dtype=bool)
    if prep.flat_offers.size:
        api_free[:, prep.flat_offers] = prep.flat_prices == 0
    for index, _, _, prices in prep.tiered:
        api_free[:, index] = np.all(prices == 0, axis=1)
    tokens[api_free] = np.nan
    grid = np.broadcast_to(
        tokens[:, None, :, :], (shares, spec.utilizations.size, offers, fixed.size)
    )
    capacity = prep.capacity[None, :, None, :]
    return np.where(grid > capacity, np.nan, grid)


def evaluate_chunk(spec: SweepSpec, start: int, stop: int) -> SweepChunkResult:
    """Evaluate grid points ``[start, stop)`` of the flattened grid."""
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
    selfhost, replicas = _selfhost_block(prep, volumes)  # (nv, U, C)
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

    n_o, n_c = len(spec.api_offers), len(spec.selfhost_configs)
    nv = volumes.size
    return SweepChunkResult(
        start=start,
        stop=stop,
        api_monthly=flat(api[:, :, None, :], (nv, n_s, n_u, n_o)),
        selfhost_monthly=flat(selfhost[:, None, :, :], (nv, n_s, n_u, n_c)),
        replicas=flat(replicas[:, None, :, :], (nv, n_s, n_u, n_c)),
        cheapest=flat(cheapest, (nv, n_s, n_u)).astype(np.int64, copy=False),
        breakeven=breakeven_grid(spec),
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
