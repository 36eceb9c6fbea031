"""Ranges instead of point figures: low / expected / high, and Monte Carlo.

Every published figure may be a ``[low, high]`` range. :func:`estimate` evaluates a
scalar function at the midpoint and at every corner of the ranged inputs, so for costs
(monotone in each input) low and high are the true bounds. :func:`monte_carlo` draws
inputs with a seeded NumPy ``Generator`` (uniform or triangular around the midpoint),
so the same seed gives the same answer.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from planner.engine.errors import ScenarioError
from planner.engine.units import HOURS_PER_MONTH, SECONDS_PER_HOUR, TOKENS_PER_MTOK

Distribution = Literal["uniform", "triangular"]
MAX_RANGED_INPUTS = 12  # 2^12 corner evaluations


@dataclass(frozen=True, slots=True)
class Range:
    low: float
    high: float

    def __post_init__(self) -> None:
        if not (np.isfinite(self.low) and np.isfinite(self.high)) or self.low > self.high:
            raise ScenarioError("range", f"[{self.low}, {self.high}] is not a range (low <= high)")

    @property
    def expected(self) -> float:
        return (self.low + self.high) / 2.0

    @classmethod
    def of(cls, value: float | Range | Sequence[float]) -> Range:
        """A point figure ``x`` becomes ``[x, x]``; a pair becomes a range."""
        if isinstance(value, Range):
            return value
        if isinstance(value, int | float):
            return cls(float(value), float(value))
        low, high = value
        return cls(float(low), float(high))


Figure = float | Range


@dataclass(frozen=True, slots=True)
class Estimate:
    low: float
    expected: float
    high: float


def estimate(fn: Callable[..., float], /, **inputs: Figure) -> Estimate:
    """``fn`` at the midpoints, and min / max over all corners of the ranged inputs."""
    ranges = {name: Range.of(value) for name, value in inputs.items()}
    ranged = [name for name, r in ranges.items() if r.low != r.high]
    if len(ranged) > MAX_RANGED_INPUTS:
        raise ScenarioError(ranged[MAX_RANGED_INPUTS], f"at most {MAX_RANGED_INPUTS} ranged inputs")
    midpoint = {name: r.expected for name, r in ranges.items()}
    expected = fn(**midpoint)
    values = [expected]
    for corner in itertools.product((0, 1), repeat=len(ranged)):
        point = dict(midpoint)
        for name, side in zip(ranged, corner, strict=True):
            point[name] = ranges[name].high if side else ranges[name].low
        values.append(fn(**point))
    return Estimate(low=min(values), expected=expected, high=max(values))


def draw(
    figure: Figure, *, samples: int, rng: np.random.Generator, distribution: Distribution
) -> NDArray[np.float64]:
    r = Range.of(figure)
    if r.low == r.high:
        return np.full(samples, r.low)
    if distribution == "uniform":
        return rng.uniform(r.low, r.high, samples)
    if distribution == "triangular":
        return rng.triangular(r.low, r.expected, r.high, samples)
    raise ScenarioError("distribution", "must be 'uniform' or 'triangular'")


def monte_carlo(
    fn: Callable[..., Mapping[str, NDArray[np.float64]]],
    inputs: Mapping[str, Figure],
    *,
    samples: int = 10_000,
    seed: int = 0,
    distribution: Distribution = "uniform",
) -> dict[str, NDArray[np.float64]]:
    """Draw every input (in the order given) and call the vectorized ``fn`` once."""
    if samples <= 0:
        raise ScenarioError("samples", "must be a positive integer")
    rng = np.random.default_rng(seed)
    drawn = {
        name: draw(value, samples=samples, rng=rng, distribution=distribution)
        for name, value in inputs.items()
    }
    return dict(fn(**drawn))


@dataclass(frozen=True, slots=True)
class Percentiles:
    p10: float
    p50: float
    p90: float
    mean: float

    @classmethod
    def of(cls, values: NDArray[np.float64]) -> Percentiles:
        p10, p50, p90 = np.percentile(values, [10, 50, 90])
        return cls(float(p10), float(p50), float(p90), float(np.mean(values)))


@dataclass(frozen=True, slots=True)
class MonteCarloQuote:
    samples: int
    seed: int
    api_monthly: Percentiles
    selfhost_monthly: Percentiles
    p_selfhost_cheaper: float


def _quote_arrays(
    *,
    tokens_per_month: NDArray[np.float64],
    input_share: NDArray[np.float64],
    api_input_per_mtok: NDArray[np.float64] | None = None,
    api_output_per_mtok: NDArray[np.float64],
    selfhost_monthly: NDArray[np.float64],
    tokens_per_second: NDArray[np.float64],
    utilization: NDArray[np.float64],
    hidden_monthly: NDArray[np.float64],
    hidden_multiplier: NDArray[np.float64],
    hours_per_month: NDArray[np.float64],
) -> dict[str, NDArray[np.float64]]:
    if api_input_per_mtok is None:
        price = api_output_per_mtok
    else:
        price = input_share * api_input_per_mtok + (1.0 - input_share) * api_output_per_mtok
    api = tokens_per_month * price / TOKENS_PER_MTOK
    capacity = tokens_per_second * hours_per_month * SECONDS_PER_HOUR * utilization
    replicas = np.maximum(1.0, np.ceil(tokens_per_month / capacity))
    selfhost = replicas * selfhost_monthly * hidden_multiplier + hidden_monthly
    return {"api_monthly": api, "selfhost_monthly": selfhost}


def monte_carlo_quote(
    *,
    tokens_per_month: Figure,
    api_output_per_mtok: Figure,
    selfhost_monthly: Figure,
    tokens_per_second: Figure,
    api_input_per_mtok: Figure | None = None,
    input_share: Figure = 0.5,
    utilization: Figure = 1.0,
    hidden_monthly: Figure = 0.0,
    hidden_multiplier: Figure = 1.0,
    hours_per_month: Figure = HOURS_PER_MONTH,
    samples: int = 10_000,
    seed: int = 0,
    distribution: Distribution = "uniform",
) -> MonteCarloQuote:
    """P10/P50/P90 of the API and self-host monthly cost, and P(self-hosting is cheaper)."""
    inputs: dict[str, Figure] = {
        "tokens_per_month": tokens_per_month,
        "input_share": input_share,
        "api_output_per_mtok": api_output_per_mtok,
        "selfhost_monthly": selfhost_monthly,
        "tokens_per_second": tokens_per_second,
        "utilization": utilization,
        "hidden_monthly": hidden_monthly,
        "hidden_multiplier": hidden_multiplier,
        "hours_per_month": hours_per_month,
    }
    if api_input_per_mtok is not None:
        inputs["api_input_per_mtok"] = api_input_per_mtok
    low_utilization = Range.of(utilization).low
    if low_utilization <= 0 or Range.of(utilization).high > 1:
        raise ScenarioError("utilization", "must be greater than 0 and at most 1")
    out = monte_carlo(_quote_arrays, inputs, samples=samples, seed=seed, distribution=distribution)
    api, selfhost = out["api_monthly"], out["selfhost_monthly"]
    return MonteCarloQuote(
        samples=samples,
        seed=seed,
        api_monthly=Percentiles.of(api),
        selfhost_monthly=Percentiles.of(selfhost),
        p_selfhost_cheaper=float(np.mean(selfhost < api)),
    )
