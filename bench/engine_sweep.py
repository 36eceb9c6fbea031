"""Sweep throughput: vectorized chunks vs a plain-Python loop over the scalar functions.

Run: OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 .venv/bin/python bench/engine_sweep.py

A grid point is one (volume, input share, utilization) with every API offer and every
self-host config priced at it, the replicas step applied and the cheapest option picked.

Then a 1M-point sweep (100 volumes x 101 shares x 100 utilizations) timed from a fresh
spec, twice: with the basic configs, and with the composition's fleet model in full
(peak-to-average 1.5, a 99.9% availability target, multi-GPU replicas packed into 8-GPU
spot instances, an owned 8-GPU server): the chunk (replica-count tables priced on first
use) and the break-even grid (once per spec) separately.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planner.engine.api import ApiOffer, PriceTier, api_monthly_cost  # noqa: E402
from planner.engine.compose import FleetChoice, OwnedFleet, Span  # noqa: E402
from planner.engine.fleet import Serving  # noqa: E402
from planner.engine.owned import ServerFinance  # noqa: E402
from planner.engine.rented import RentedCapacity  # noqa: E402
from planner.engine.selfhost import (  # noqa: E402
    FlatMonthly,
    OnDemandRate,
    SelfHostConfig,
    SpotRate,
    selfhost_cost,
)
from planner.engine.sweep import (  # noqa: E402
    SweepSpec,
    breakeven_grid,
    chunk_bounds,
    evaluate_chunk,
    point_axes,
)

OFFERS = (
    ApiOffer(input_per_mtok=1.25, output_per_mtok=10.0, name="GPT-5"),
    ApiOffer(input_per_mtok=0.27, output_per_mtok=1.10, name="DeepSeek V3.2"),
    ApiOffer(output_per_mtok=0.25, name="DeepSeek V4 Flash (output-only)"),
    ApiOffer(
        input_per_mtok=0.15,
        output_per_mtok=0.60,
        name="Gemini 2.5 Flash (tiered, hypothetical)",
        tiers=(PriceTier(1e9, multiplier=0.8), PriceTier(10e9, multiplier=0.6)),
    ),
)
CONFIGS = (
    SelfHostConfig(FlatMonthly(1440), 1500, name="A100 80GB"),
    SelfHostConfig(FlatMonthly(1440), 1500, hidden_monthly=1800, name="A100 + hidden"),
    SelfHostConfig(OnDemandRate(3.5), 2243, hidden_multiplier=1.5, name="H100 x1.5"),
)
CHUNK = 1_000_000
_SPOT = RentedCapacity(
    pricing=SpotRate(hourly=16.0),
    serving=Serving(tokens_per_second=2400, gpus_per_replica=2),
    gpus_per_instance=8,
    hidden_multiplier=1.3,
    other_monthly=1500,
    implementation_one_off=20_000,
    name="H100 x2 spot",
)
_OWNED = ServerFinance(
    server_price=250_000,
    gpus_per_server=8,
    installation_per_server=2_000,
    cost_of_capital=0.08,
    maintenance_per_year=0.05,
    server_base_watts=1_500,
    gpu_tdp_watts=700,
    pue=1.3,
    usd_per_kwh=0.12,
    facilities_per_server_monthly=300,
    name="8x H100 owned",
)
FLEETS = (
    CONFIGS[0],
    FleetChoice("H100 x2 spot", _SPOT, Span.of(16.0), Span.of(2400.0), Span.of(1500.0)),
    FleetChoice(
        "8x H100 owned",
        OwnedFleet(_OWNED, Serving(tokens_per_second=9000, gpus_per_replica=8)),
        Span.of(250_000.0),
        Span.of(9000.0),
        Span.of(0.0),
    ),
)


def million(*, fleet_model: bool) -> SweepSpec:
    """A fresh 1.01M-point spec (no tables priced yet)."""
    axes = (np.geomspace(1e6, 1e11, 100), np.linspace(0.0, 1.0, 101), np.linspace(0.1, 1.0, 100))
    if not fleet_model:
        return SweepSpec(*axes, OFFERS, CONFIGS)
    return SweepSpec(*axes, OFFERS, FLEETS, peak_to_average=1.5, availability_target=0.999)


def timed_million(*, fleet_model: bool, repeats: int = 3) -> tuple[float, float]:
    """(chunk seconds, break-even seconds), best of ``repeats``, each from a fresh spec."""
    chunk = breakeven = float("inf")
    for _ in range(repeats):
        spec = million(fleet_model=fleet_model)
        began = time.perf_counter()
        evaluate_chunk(spec, 0, spec.size, with_breakeven=False)
        middle = time.perf_counter()
        breakeven_grid(spec)
        chunk = min(chunk, middle - began)
        breakeven = min(breakeven, time.perf_counter() - middle)
    return chunk, breakeven


def spec_of(volumes: int, shares: int, utilizations: int) -> SweepSpec:
    return SweepSpec(
        np.geomspace(1e6, 1e11, volumes),
        np.linspace(0.0, 1.0, shares),
        np.linspace(0.1, 1.0, utilizations),
        OFFERS,
        CONFIGS,
    )


def vectorized(spec: SweepSpec, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        for start, stop in chunk_bounds(spec.size, CHUNK):
            evaluate_chunk(spec, start, stop)
        best = min(best, time.perf_counter() - began)
    return spec.size / best


def scalar(spec: SweepSpec) -> tuple[float, list[int]]:
    volume, share, utilization = point_axes(spec, 0, spec.size)
    volume, share, utilization = volume.tolist(), share.tolist(), utilization.tolist()
    cheapest = []
    began = time.perf_counter()
    for v, s, u in zip(volume, share, utilization, strict=True):
        costs = [api_monthly_cost(o, tokens_per_month=v, input_share=s) for o in OFFERS]
        costs += [selfhost_cost(c.with_utilization(u), tokens_per_month=v).monthly for c in CONFIGS]
        cheapest.append(costs.index(min(costs)))
    return spec.size / (time.perf_counter() - began), cheapest


def main() -> None:
    big = spec_of(1000, 101, 100)
    small = spec_of(20, 11, 10)
    vector_rate = vectorized(big)
    scalar_rate, scalar_cheapest = scalar(small)
    check = evaluate_chunk(small, 0, small.size).cheapest.tolist()
    options = len(OFFERS) + len(CONFIGS)
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}, one thread")
    print(f"options per point: {len(OFFERS)} API offers (1 tiered) + {len(CONFIGS)} self-host")
    print(
        f"vectorized: {big.size:,} points in chunks of {CHUNK:,}: {vector_rate / 1e6:.1f} M points/s"
    )
    print(f"            ({vector_rate * options / 1e6:.0f} M option evaluations/s)")
    print(f"scalar loop: {small.size:,} points: {scalar_rate:,.0f} points/s")
    print(f"             (extrapolated to {big.size:,} points: {big.size / scalar_rate:,.0f} s)")
    print(f"speedup: {vector_rate / scalar_rate:,.0f}x")
    print(f"cheapest option agrees on the small grid: {check == scalar_cheapest}")
    for fleet_model, label in ((False, "basic configs"), (True, "fleet model")):
        chunk, breakeven = timed_million(fleet_model=fleet_model)
        print(
            f"1.01M points, {label}: chunk {chunk:.3f} s ({1.01 / chunk:.1f} M points/s), "
            f"break-even grid {breakeven:.3f} s, total {chunk + breakeven:.3f} s"
        )


if __name__ == "__main__":
    main()
