"""Serving physics of one replica: its capacity and latency for a request shape.

A *throughput profile* holds one or more measured points of a replica. A point, at a
stated concurrency ``c`` (sequences in flight on the replica), holds its decode rate
``D`` (output tokens/s, all ``c`` sequences together) and its prefill rate ``P`` (input
tokens/s while prefilling) and, where published, time to first token (TTFT) and time
per output token (TPOT) at their median and p99.

**Capacity (one rule).** A request of ``i`` input and ``o`` output tokens takes
``i / P + o / D`` seconds of the replica's time, so the replica completes
``X = 1 / (i / P + o / D)`` requests a second: ``(i + o) X`` tokens a second of the
workload's shape. A point without ``P`` takes the profile's measured one (prefill is
compute-bound: it changes little with concurrency); a profile that measures none takes
the decode rate at its highest concurrency, so that there every token counts at ``D``:
the all-tokens rule a workload without a shape keeps (``tokens_per_second`` applied to
every token).

**Between measured concurrencies** every figure is interpolated linearly (a decode rate
rises less than linearly with concurrency, so a straight line between two measurements
under-states it: the cautious side). Outside the measured range nothing is extrapolated.

**Latency at concurrency c.** Little's law: with ``c`` requests in flight and ``X``
completing a second, a request spends ``c / X`` seconds end to end (p50). Its first
token comes after its own prefill, ``i / P``; the rest of the time is its ``o`` output
tokens, so TPOT is ``(c / X - i / P) / o``. At ``c = 1`` that is ``1 / D``; at higher
concurrency it includes the other requests' prefills the decode steps wait for.
Published TTFT / TPOT replace the estimates (a published TTFT scaled by the workload's
input tokens over the run's, since prefill time grows with the prompt); the end-to-end
time is then ``TTFT + o x TPOT``. p99: published p99 figures where there are any, else
the median times :data:`P99_OVER_P50`; the end-to-end p99 is ``TTFT p99 + o x TPOT p99``.

**Latency targets** (TTFT, TPOT or end-to-end, each at p99) first lower the
concurrency each replica runs at, within the measured range, to the highest that meets
them (more replicas, each less loaded); only a target missed even at the lowest
measured concurrency excludes the option. The estimate says which targets did either.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

from planner.engine.errors import ScenarioError, require_positive
from planner.engine.shape import RequestShape

# Where a profile publishes no percentile, p99 = median x this factor: a stated planning
# assumption (request lengths and arrivals vary around their averages), replaced by
# measured p99 figures on the profile or on the option wherever they are given.
P99_OVER_P50 = 2.0
# A target search tries every whole concurrency in the measured range, at most this many.
MAX_CONCURRENCY_STEPS = 4_096

TARGET_METRICS = ("ttft_p99", "tpot_p99", "e2e_p99")


def _optional_positive(field: str, value: float | None) -> float | None:
    return None if value is None else require_positive(field, value)


@dataclass(frozen=True, slots=True)
class ProfilePoint:
    """One measurement of a replica (rates are the replica's, all its GPUs together)."""

    decode_tokens_per_second: float
    concurrency: float | None = None  # None: the source does not say
    prefill_tokens_per_second: float | None = None
    ttft_p50_s: float | None = None
    ttft_p99_s: float | None = None
    tpot_p50_s: float | None = None
    tpot_p99_s: float | None = None
    # The run's average input tokens: a published TTFT is scaled by the workload's over it.
    input_tokens: float | None = None

    def __post_init__(self) -> None:
        require_positive("profile.decode_tokens_per_second", self.decode_tokens_per_second)
        if self.concurrency is not None and not (
            math.isfinite(self.concurrency) and self.concurrency >= 1
        ):
            raise ScenarioError("profile.concurrency", "must be a number of at least 1")
        for field in (
            "prefill_tokens_per_second",
            "ttft_p50_s",
            "ttft_p99_s",
            "tpot_p50_s",
            "tpot_p99_s",
            "input_tokens",
        ):
            _optional_positive(f"profile.{field}", getattr(self, field))

    def ttft_for(self, value: float | None, shape: RequestShape) -> float | None:
        """A published TTFT for the workload's prompts (scaled by input tokens if known)."""
        if value is None or self.input_tokens is None:
            return value
        return value * shape.input_tokens / self.input_tokens


@dataclass(frozen=True, slots=True)
class ServingProfile:
    """Measured points of one replica, by rising concurrency."""

    points: tuple[ProfilePoint, ...]

    def __post_init__(self) -> None:
        if not self.points:
            raise ScenarioError("profile", "needs at least one measured point")
        if len(self.points) > 1:
            levels = [p.concurrency for p in self.points]
            if any(c is None for c in levels):
                raise ScenarioError(
                    "profile.concurrency", "every point of a profile of several must state it"
                )
            known = [c for c in levels if c is not None]
            if any(b <= a for a, b in itertools.pairwise(known)):
                raise ScenarioError(
                    "profile.concurrency", "points must be in rising order of concurrency"
                )

    @classmethod
    def of(cls, points: list[ProfilePoint] | tuple[ProfilePoint, ...]) -> ServingProfile:
        """A profile of ``points`` in any order (one point per concurrency)."""
        ordered = sorted(points, key=lambda p: -1.0 if p.concurrency is None else p.concurrency)
        return cls(tuple(ordered))

    @property
    def lowest(self) -> ProfilePoint:
        return self.points[0]

    @property
    def highest(self) -> ProfilePoint:
        return self.points[-1]

    @property
    def fallback_prefill_tokens_per_second(self) -> float:
        """The prefill rate of a point that measured none: the one measured at the highest
        concurrency that did (prefill is compute-bound and changes little with
        concurrency), else the decode rate at the highest measured concurrency (every
        token then counts at the decode rate there)."""
        measured = [p.prefill_tokens_per_second for p in self.points]
        known = [rate for rate in measured if rate is not None]
        return known[-1] if known else self.highest.decode_tokens_per_second

    @property
    def prefill_measured(self) -> bool:
        return any(p.prefill_tokens_per_second is not None for p in self.points)

    def at(self, concurrency: float) -> ProfilePoint:
        """The profile at ``concurrency``: a measured point, or interpolated between two."""
        low, high = self.lowest.concurrency, self.highest.concurrency
        if low is None or high is None:
            raise ScenarioError("concurrency", "the profile states no concurrency")
        if not low - 1e-9 <= concurrency <= high + 1e-9:
            raise ScenarioError(
                "concurrency",
                f"{concurrency:g} is outside the measured range {_range_text(low, high)}: "
                "nothing is extrapolated",
            )
        for a, b in zip(self.points, self.points[1:], strict=False):
            assert a.concurrency is not None
            assert b.concurrency is not None
            if a.concurrency <= concurrency <= b.concurrency:
                return _between(
                    a, b, (concurrency - a.concurrency) / (b.concurrency - a.concurrency)
                )
        return self.points[0]


def _range_text(low: float, high: float) -> str:
    return f"{low:g}" if low == high else f"{low:g}-{high:g}"


def _lerp(a: float | None, b: float | None, u: float) -> float | None:
    if a is None or b is None:
        return None
    return a + (b - a) * u


def _between(a: ProfilePoint, b: ProfilePoint, u: float) -> ProfilePoint:
    """``a`` and ``b`` mixed ``u`` of the way from ``a`` (a published TTFT per input token
    when both runs say their input, so runs of other prompt lengths interpolate)."""
    if u <= 0:
        return a
    if u >= 1:
        return b
    per_token = a.input_tokens is not None and b.input_tokens is not None

    def ttft(pa: float | None, pb: float | None) -> float | None:
        if per_token and pa is not None and pb is not None:
            assert a.input_tokens is not None
            assert b.input_tokens is not None
            return _lerp(pa / a.input_tokens, pb / b.input_tokens, u)
        if a.input_tokens is None and b.input_tokens is None:
            return _lerp(pa, pb, u)
        return None

    decode = _lerp(a.decode_tokens_per_second, b.decode_tokens_per_second, u)
    assert decode is not None
    return ProfilePoint(
        decode_tokens_per_second=decode,
        concurrency=_lerp(a.concurrency, b.concurrency, u),
        prefill_tokens_per_second=_lerp(a.prefill_tokens_per_second, b.prefill_tokens_per_second, u)
        or a.prefill_tokens_per_second
        or b.prefill_tokens_per_second,
        ttft_p50_s=ttft(a.ttft_p50_s, b.ttft_p50_s),
        ttft_p99_s=ttft(a.ttft_p99_s, b.ttft_p99_s),
        tpot_p50_s=_lerp(a.tpot_p50_s, b.tpot_p50_s, u),
        tpot_p99_s=_lerp(a.tpot_p99_s, b.tpot_p99_s, u),
        input_tokens=1.0 if per_token else None,
    )


def tokens_per_second_for_shape(
    *, decode_tokens_per_second: float, prefill_tokens_per_second: float, shape: RequestShape
) -> float:
    """Tokens of the shape one replica serves a second: ``(i + o) / (i / P + o / D)``.

    A replica decoding 1,000 tok/s and prefilling 10,000 tok/s, at 4,000 in / 300 out:
    4,000 / 10,000 + 300 / 1,000 = 0.7 s a request, 4,300 / 0.7 = 6,143 tok/s.
    """
    decode = require_positive("decode_tokens_per_second", decode_tokens_per_second)
    prefill = require_positive("prefill_tokens_per_second", prefill_tokens_per_second)
    return shape.tokens / (shape.input_tokens / prefill + shape.output_tokens / decode)


def phase_rates_of_run(
    *,
    input_tokens_per_second: float,
    output_tokens_per_second: float,
    output_tokens: float,
    ttft_s: float,
    tpot_s: float,
) -> tuple[float, float]:
    """(prefill, decode) rates of a benchmark run that measured both at once.

    A serving benchmark reports the input and output tokens it got through in the same
    seconds, not how those seconds split between prefill and decode. A request spends
    its median TTFT waiting for its first token and ``output x`` median TPOT on the rest,
    so the share of the replica's time in prefill is taken as
    ``s = TTFT / (TTFT + output x TPOT)``: prefill = input tok/s / s, decode = output
    tok/s / (1 - s). At the run's own request shape the capacity rule then gives back
    exactly the run's measured throughput (input / prefill + output / decode = 1 s).
    """
    inputs = require_positive("input_tokens_per_second", input_tokens_per_second)
    outputs = require_positive("output_tokens_per_second", output_tokens_per_second)
    ttft = require_positive("ttft_s", ttft_s)
    decode_time = require_positive("output_tokens", output_tokens) * require_positive(
        "tpot_s", tpot_s
    )
    share = ttft / (ttft + decode_time)
    return inputs / share, outputs / (1.0 - share)


@dataclass(frozen=True, slots=True)
class LatencyTargets:
    """p99 targets in seconds (None: none): first token, per output token, end to end."""

    ttft_p99_s: float | None = None
    tpot_p99_s: float | None = None
    e2e_p99_s: float | None = None

    def __post_init__(self) -> None:
        for name in ("ttft_p99_s", "tpot_p99_s", "e2e_p99_s"):
            _optional_positive(f"latency_targets.{name}", getattr(self, name))

    def items(self) -> Iterator[tuple[str, float]]:
        for metric, value in zip(
            TARGET_METRICS, (self.ttft_p99_s, self.tpot_p99_s, self.e2e_p99_s), strict=True
        ):
            if value is not None:
                yield metric, value


@dataclass(frozen=True, slots=True)
class Latency:
    """Seconds, for one request of the workload's shape."""

    ttft_p50_s: float
    ttft_p99_s: float
    tpot_p50_s: float
    tpot_p99_s: float
    e2e_p50_s: float
    e2e_p99_s: float
    measured: bool  # TTFT and TPOT from published figures (else estimated from rates)

    def p99(self, metric: str) -> float:
        return {
            "ttft_p99": self.ttft_p99_s,
            "tpot_p99": self.tpot_p99_s,
            "e2e_p99": self.e2e_p99_s,
        }[metric]

    def misses(self, targets: LatencyTargets) -> tuple[str, ...]:
        return tuple(metric for metric, target in targets.items() if self.p99(metric) > target)


def estimate_latency(
    point: ProfilePoint, shape: RequestShape, *, fallback_prefill_tokens_per_second: float
) -> Latency | None:
    """Latency of one request at the point's concurrency; None if it states none."""
    c = point.concurrency
    if c is None:
        return None
    prefill = point.prefill_tokens_per_second or fallback_prefill_tokens_per_second
    decode = point.decode_tokens_per_second
    i, o = shape.input_tokens, shape.output_tokens
    end_to_end = c * (i / prefill + o / decode)  # c / X (Little's law)
    ttft_est = i / prefill
    tpot_est = (end_to_end - ttft_est) / o
    ttft50 = point.ttft_for(point.ttft_p50_s, shape)
    tpot50 = point.tpot_p50_s
    measured = ttft50 is not None and tpot50 is not None
    ttft50 = ttft_est if ttft50 is None else ttft50
    tpot50 = tpot_est if tpot50 is None else tpot50
    ttft99 = point.ttft_for(point.ttft_p99_s, shape) or ttft50 * P99_OVER_P50
    tpot99 = point.tpot_p99_s or tpot50 * P99_OVER_P50
    return Latency(
        ttft_p50_s=ttft50,
        ttft_p99_s=ttft99,
        tpot_p50_s=tpot50,
        tpot_p99_s=tpot99,
        e2e_p50_s=ttft50 + o * tpot50,
        e2e_p99_s=ttft99 + o * tpot99,
        measured=measured,
    )


@dataclass(frozen=True, slots=True)
class ServingEstimate:
    """How one replica serves the workload's shape, at the concurrency it runs at."""

    concurrency: float | None  # what each replica runs at (None: the profile states none)
    planned_concurrency: float | None  # before latency targets
    decode_tokens_per_second: float
    prefill_tokens_per_second: float
    prefill_measured: bool  # False: the fallback (decode rate at the highest concurrency)
    tokens_per_second: float  # tokens of the shape a replica serves a second: capacity
    requests_per_second: float
    latency: Latency | None
    limited_by: tuple[str, ...] = ()  # targets that lowered the concurrency
    unmet: tuple[str, ...] = ()  # targets missed even at the lowest measured concurrency

    @property
    def resized(self) -> bool:
        return bool(self.limited_by)


def _estimate(
    profile: ServingProfile, shape: RequestShape, concurrency: float | None
) -> ServingEstimate:
    point = profile.highest if concurrency is None else profile.at(concurrency)
    fallback = profile.fallback_prefill_tokens_per_second
    prefill = point.prefill_tokens_per_second or fallback
    rate = tokens_per_second_for_shape(
        decode_tokens_per_second=point.decode_tokens_per_second,
        prefill_tokens_per_second=prefill,
        shape=shape,
    )
    return ServingEstimate(
        concurrency=point.concurrency,
        planned_concurrency=point.concurrency,
        decode_tokens_per_second=point.decode_tokens_per_second,
        prefill_tokens_per_second=prefill,
        prefill_measured=profile.prefill_measured,
        tokens_per_second=rate,
        requests_per_second=rate / shape.tokens,
        latency=estimate_latency(point, shape, fallback_prefill_tokens_per_second=fallback),
    )


def _candidates(profile: ServingProfile, planned: float) -> list[float]:
    """Concurrencies from ``planned`` down to the lowest measured: every whole one and every
    measured one (at most :data:`MAX_CONCURRENCY_STEPS`, evenly spread beyond that)."""
    low = profile.lowest.concurrency
    assert low is not None
    measured = {p.concurrency for p in profile.points if p.concurrency is not None}
    first, last = math.ceil(low), math.floor(planned)
    whole = list(range(first, last + 1))
    if len(whole) > MAX_CONCURRENCY_STEPS:
        step = len(whole) / MAX_CONCURRENCY_STEPS
        whole = [whole[int(k * step)] for k in range(MAX_CONCURRENCY_STEPS)]
    found = {float(c) for c in whole} | {c for c in measured if c <= planned} | {planned}
    return sorted(found, reverse=True)


def serve(
    profile: ServingProfile,
    shape: RequestShape,
    *,
    targets: LatencyTargets | None = None,
    concurrency: float | None = None,
) -> ServingEstimate:
    """Capacity and latency of one replica for ``shape`` (see the module docstring).

    ``concurrency`` is the one each replica is planned at (default: the highest
    measured); latency ``targets`` may lower it within the measured range.
    """
    targets = targets or LatencyTargets()
    planned_point = _estimate(profile, shape, concurrency)
    planned = planned_point.concurrency
    if planned_point.latency is None or planned is None:
        return planned_point  # no concurrency, no latency estimate: nothing to resize
    missed = planned_point.latency.misses(targets)
    if not missed:
        return planned_point
    chosen: ServingEstimate | None = None
    for level in _candidates(profile, planned):
        estimate = _estimate(profile, shape, level)
        assert estimate.latency is not None
        chosen = estimate
        if not estimate.latency.misses(targets):
            break
    assert chosen is not None
    assert chosen.latency is not None
    unmet = chosen.latency.misses(targets)
    limited = tuple(m for m in missed if m not in unmet) if chosen.concurrency != planned else ()
    return ServingEstimate(
        concurrency=chosen.concurrency,
        planned_concurrency=planned,
        decode_tokens_per_second=chosen.decode_tokens_per_second,
        prefill_tokens_per_second=chosen.prefill_tokens_per_second,
        prefill_measured=chosen.prefill_measured,
        tokens_per_second=chosen.tokens_per_second,
        requests_per_second=chosen.requests_per_second,
        latency=chosen.latency,
        limited_by=limited,
        unmet=unmet,
    )
