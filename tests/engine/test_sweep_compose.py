"""A sweep point is the composition at that point (issue 14).

For random specs within the bounds below, every option's monthly cost at a grid point,
its replica count and the cheapest option equal what :func:`compose` gives for the
scenario with that volume, input share and utilization (the fleets' headroom) to the
cent; the sweep's break-even equals the composition's first volume where the fleet costs
no more than the API.

Bounds: 1-3 API offers (output-only, cached prices, graduated tiers, one tier starting
at 0); 1-3 fleets, rented (on-demand, spot, reserved, flat monthly; always-on or window;
multi-GPU replicas packed into instances) or owned (finance, energy, facilities);
throughput 50-5,000 tok/s; hidden multiplier 1-3 and flat costs; peak-to-average 1-3;
no availability target or 0.9-0.999; full or marginal lens; volumes 0-1e11 tokens/month.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.engine.api import ApiOffer, PriceTier
from planner.engine.compose import (
    ApiChoice,
    FleetChoice,
    OwnedFleet,
    Scenario,
    Span,
    Workload,
    compose,
)
from planner.engine.errors import ScenarioError
from planner.engine.fleet import Lens, Serving
from planner.engine.owned import ServerFinance
from planner.engine.rented import RentedCapacity
from planner.engine.selfhost import (
    Billing,
    BillingMode,
    FlatMonthly,
    OnDemandRate,
    ReservedRate,
    SelfHostConfig,
    SpotRate,
)
from planner.engine.sweep import (
    SweepSpec,
    breakeven_grid,
    breakeven_limits,
    evaluate_chunk,
    fleet_of_config,
    point_axes,
)
from tests.engine.strategies import api_offers

CENT = 0.005


@st.composite
def tiered_from_zero(draw: st.DrawFn) -> ApiOffer:
    """An offer whose first tier starts at 0 (it replaces the base prices) and a later one."""
    later = draw(st.floats(1e7, 5e10))
    return ApiOffer(
        input_per_mtok=draw(st.floats(0.05, 5.0)),
        output_per_mtok=draw(st.floats(0.1, 20.0)),
        cached_input_per_mtok=draw(st.floats(0.01, 1.0)),
        tiers=(
            PriceTier(0.0, multiplier=draw(st.floats(0.5, 1.0))),
            PriceTier(later, multiplier=draw(st.floats(0.1, 1.0))),
        ),
        name=f"zero-tier{draw(st.integers(0, 10**6))}",
    )


@st.composite
def serving(draw: st.DrawFn, *, most_gpus: int) -> Serving:
    return Serving(
        tokens_per_second=draw(st.floats(50.0, 5_000.0)),
        gpus_per_replica=draw(st.integers(1, most_gpus)),
        headroom=0.9,  # the grid's utilization replaces it
    )


@st.composite
def rented_fleet(draw: st.DrawFn, index: int) -> FleetChoice:
    serves = draw(serving(most_gpus=4))
    price = draw(st.floats(0.0, 40.0))
    pricing = draw(
        st.sampled_from(
            [
                OnDemandRate(price),
                SpotRate(hourly=price),
                ReservedRate(price),
                FlatMonthly(price * 500),
            ]
        )
    )
    billing = draw(st.sampled_from([Billing(), Billing(BillingMode.WINDOW, window_hours=300.0)]))
    other = draw(st.floats(0.0, 5_000.0))
    name = f"rented{index}"
    fleet = RentedCapacity(
        pricing=pricing,
        serving=serves,
        gpus_per_instance=draw(st.sampled_from([1, 2, 4, 8])),
        allow_multi_instance=True,
        billing=billing,
        hidden_multiplier=draw(st.floats(1.0, 3.0)),
        other_monthly=other,
        ops_fte=draw(st.sampled_from([0.0, 0.25])),
        ops_fte_monthly_cost=12_000.0,
        implementation_one_off=draw(st.floats(0.0, 50_000.0)),
        name=name,
    )
    unit = price * 500 if isinstance(pricing, FlatMonthly) else price
    return FleetChoice(
        name=name,
        fleet=fleet,
        price=Span.of(unit),
        tokens_per_second=Span.of(serves.tokens_per_second),
        other_monthly=Span.of(other),
        replica_availability=draw(st.floats(0.97, 0.999)),
    )


@st.composite
def owned_fleet(draw: st.DrawFn, index: int) -> FleetChoice:
    serves = draw(serving(most_gpus=8))
    other = draw(st.floats(0.0, 5_000.0))
    name = f"owned{index}"
    finance = ServerFinance(
        server_price=draw(st.floats(10_000.0, 400_000.0)),
        gpus_per_server=draw(st.sampled_from([1, 4, 8])),
        allow_multi_server=True,
        installation_per_server=draw(st.floats(0.0, 5_000.0)),
        useful_life_years=draw(st.floats(2.0, 5.0)),
        residual_value=draw(st.floats(0.0, 0.3)),
        cost_of_capital=draw(st.floats(0.0, 0.12)),
        maintenance_per_year=draw(st.floats(0.0, 0.1)),
        server_base_watts=draw(st.floats(0.0, 1_500.0)),
        gpu_tdp_watts=draw(st.floats(0.0, 700.0)),
        pue=draw(st.floats(1.0, 1.6)),
        usd_per_kwh=draw(st.floats(0.0, 0.3)),
        facilities_per_server_monthly=draw(st.floats(0.0, 500.0)),
        facilities_shared_monthly=draw(st.floats(0.0, 2_000.0)),
        ops_fte=draw(st.sampled_from([0.0, 0.5])),
        ops_fte_monthly_cost=15_000.0,
        hidden_multiplier=draw(st.floats(1.0, 2.0)),
        other_monthly=other,
        name=name,
    )
    return FleetChoice(
        name=name,
        fleet=OwnedFleet(finance, serves),
        price=Span.of(finance.server_price),
        tokens_per_second=Span.of(serves.tokens_per_second),
        other_monthly=Span.of(other),
        replica_availability=draw(st.floats(0.97, 0.999)),
    )


@st.composite
def specs(draw: st.DrawFn) -> SweepSpec:
    offers = draw(st.lists(api_offers(), min_size=0, max_size=2))
    offers.append(draw(tiered_from_zero()))
    offers = [dataclasses.replace(o, name=f"{o.name}-{i}") for i, o in enumerate(offers)]
    fleets = [
        draw(st.one_of(rented_fleet(i), owned_fleet(i))) for i in range(draw(st.integers(1, 3)))
    ]
    return SweepSpec(
        volumes=np.array(sorted(draw(st.lists(st.floats(0.0, 1e11), min_size=1, max_size=3)))),
        input_shares=np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=2))),
        utilizations=np.array(draw(st.lists(st.floats(0.05, 1.0), min_size=1, max_size=2))),
        api_offers=tuple(offers),
        selfhost_configs=tuple(fleets),
        cached_share=draw(st.sampled_from([0.0, 0.3])),
        hours_per_month=730.0,
        analysis_months=draw(st.sampled_from([12.0, 36.0, 60.0])),
        peak_to_average=draw(st.floats(1.0, 3.0)),
        availability_target=draw(st.none() | st.floats(0.9, 0.999)),
        lens=draw(st.sampled_from([Lens.FULL, Lens.MARGINAL])),
    )


def scenario_at(
    spec: SweepSpec,
    *,
    volume: float,
    share: float,
    utilization: float,
    offers: tuple[int, ...] | None = None,
    fleets: tuple[int, ...] | None = None,
    limit: int | None = None,
) -> Scenario:
    """The plan-shaped scenario of one grid point, built from the spec's own inputs."""
    chosen_offers = range(len(spec.api_offers)) if offers is None else offers
    chosen_fleets = range(len(spec.selfhost_configs)) if fleets is None else fleets
    options: list[ApiChoice | FleetChoice] = [
        ApiChoice(name=spec.api_offers[o].name, offer=spec.api_offers[o]) for o in chosen_offers
    ]
    for c in chosen_fleets:
        option = spec.selfhost_configs[c]
        assert isinstance(option, FleetChoice)
        fleet = option.fleet
        at = dataclasses.replace(
            fleet.serving, headroom=utilization, peak_to_average=spec.peak_to_average
        )
        fleet = (
            OwnedFleet(fleet.finance, at)
            if isinstance(fleet, OwnedFleet)
            else dataclasses.replace(fleet, serving=at)
        )
        options.append(dataclasses.replace(option, fleet=fleet))
    return Scenario(
        workload=Workload(
            tokens_per_month=volume,
            input_share=share,
            cached_share=spec.cached_share,
            availability_target=spec.availability_target,
        ),
        options=tuple(options),
        hours_per_month=spec.hours_per_month,
        lens=spec.lens,
        analysis_months=spec.analysis_months,
        monte_carlo_samples=0,
        limit_tokens=limit,
        search_crossings=limit is not None,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs(), data=st.data())
def test_a_sweep_point_is_the_composition_at_that_point(
    spec: SweepSpec, data: st.DataObject
) -> None:
    names = spec.option_names
    n_api = len(spec.api_offers)
    for _ in range(3):
        point = data.draw(st.integers(0, spec.size - 1))
        chunk = evaluate_chunk(spec, point, point + 1, with_breakeven=False)
        volume, share, utilization = (float(a[0]) for a in point_axes(spec, point, point + 1))
        found = compose(scenario_at(spec, volume=volume, share=share, utilization=utilization))
        for o in range(n_api):
            expected = found.option(names[o]).monthly.expected
            assert abs(chunk.api_monthly[0, o] - expected) < CENT
        for c in range(len(spec.fleets)):
            option = found.option(names[n_api + c])
            assert option.fleet is not None
            assert chunk.replicas[0, c] == option.fleet.replicas
            assert abs(chunk.selfhost_monthly[0, c] - option.monthly.expected) < CENT, names[
                n_api + c
            ]
        assert names[chunk.cheapest[0]] == found.cheapest


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs(), data=st.data())
def test_the_sweep_breakeven_is_the_compositions_first_crossing(
    spec: SweepSpec, data: st.DataObject
) -> None:
    grid = breakeven_grid(spec)
    limits = breakeven_limits(spec)
    s = data.draw(st.integers(0, spec.input_shares.size - 1))
    u = data.draw(st.integers(0, spec.utilizations.size - 1))
    o = data.draw(st.integers(0, len(spec.api_offers) - 1))
    c = data.draw(st.integers(0, len(spec.fleets) - 1))
    found = compose(
        scenario_at(
            spec,
            volume=float(spec.volumes.max()),
            share=float(spec.input_shares[s]),
            utilization=float(spec.utilizations[u]),
            offers=(o,),
            fleets=(c,),
            limit=int(limits[u]),
        )
    )
    assert found.milestones is not None
    api, fleet = spec.api_offers[o].name, spec.fleets[c].name
    first = found.milestones.pair(fleet, api).volume
    value = grid[s, u, o, c]
    if first is None:
        assert math.isnan(value)
    else:
        assert value == first
        # The first crossing the plan reports for the pair is there (or the fleet is
        # cheaper from the start).
        (pair,) = found.pairs
        to_fleet = [x.volume for x in pair.crossings if x.cheaper_above == fleet]
        assert (
            pair.cheaper_at_start == fleet
            or first in to_fleet
            or first <= min(to_fleet, default=first)
        )


def test_breakeven_beyond_one_replica_is_found() -> None:
    # GPT-5 at $5.625/1M against a $1,440 replica carrying about 1B tokens/month
    # (1,500 tok/s x 0.5 x 720 h / 2 peak-to-average) plus $6,000 a month: one replica
    # ($7,440) never breaks even within its step (the old sweep said NaN).
    gpt5 = ApiOffer(input_per_mtok=1.25, output_per_mtok=10.0, name="gpt-5")
    config = SelfHostConfig(FlatMonthly(1440), 1500, hidden_monthly=6_000, name="a100")
    spec = SweepSpec([1e9], [0.5], [0.5], (gpt5,), (config,), peak_to_average=2.0)
    # Two replicas cost 2,880 + 6,000 = 8,880 = 1,578,666,667 tokens at 5.625/1M; above
    # the first step's 972M, so the crossing is in step 2.
    assert breakeven_grid(spec)[0, 0, 0, 0] == math.ceil(8_880 / 5.625 * 1e6)


def test_peak_and_availability_target_size_the_sweep_fleet() -> None:
    gpt5 = ApiOffer(input_per_mtok=1.25, output_per_mtok=10.0, name="gpt-5")
    config = SelfHostConfig(FlatMonthly(1000), 1000, name="gpu")
    # 1,000 tok/s x 720 h x 3,600 s = 2.592B tokens a month at full utilization.
    plain = SweepSpec([2e9], [0.5], [1.0], (gpt5,), (config,))
    peaked = SweepSpec([2e9], [0.5], [1.0], (gpt5,), (config,), peak_to_average=2.0)
    reserved = SweepSpec(
        [2e9], [0.5], [1.0], (gpt5,), (config,), peak_to_average=2.0, availability_target=0.999
    )
    assert evaluate_chunk(plain, 0, 1).selfhost_monthly[0, 0] == pytest.approx(1000)
    assert evaluate_chunk(peaked, 0, 1).replicas[0, 0] == 2
    assert evaluate_chunk(peaked, 0, 1).selfhost_monthly[0, 0] == pytest.approx(2000)
    # 0.99 replicas: two needed, spares until P(at least 2 up) >= 0.999.
    assert evaluate_chunk(reserved, 0, 1).selfhost_monthly[0, 0] > 2000


def test_an_unreachable_target_names_the_field() -> None:
    gpt5 = ApiOffer(input_per_mtok=1.25, output_per_mtok=10.0, name="gpt-5")
    # Regions up 90% of the time: four of them reach 0.9999 at most.
    fleet = dataclasses.replace(
        fleet_of_config(SelfHostConfig(FlatMonthly(1000), 1000, name="gpu")),
        region_availability=0.9,
    )
    spec = SweepSpec([2e9], [0.5], [1.0], (gpt5,), (fleet,), availability_target=0.99999)
    with pytest.raises(ScenarioError) as error:
        evaluate_chunk(spec, 0, 1)
    assert error.value.field == "availability_target"


def test_a_nearly_free_fleet_breaks_even_with_a_free_api_at_zero() -> None:
    # The crossing test forgives 1e-13 of the larger figure, so a fleet of 1e-15 dollars
    # costs no more than a free API from the first token, in the plan and in the sweep.
    free = ApiOffer(output_per_mtok=0.0, name="free")
    tiny = SelfHostConfig(FlatMonthly(1e-15), 1000, name="tiny")
    spec = SweepSpec([1e9], [0.5], [1.0], (free,), (tiny,))
    found = compose(
        dataclasses.replace(
            scenario_at(spec, volume=1e9, share=0.5, utilization=1.0, offers=(0,), fleets=()),
            options=(ApiChoice(name="free", offer=free), spec.fleets[0]),
            limit_tokens=int(breakeven_limits(spec)[0]),
            search_crossings=True,
        )
    )
    assert found.milestones is not None
    assert found.milestones.pair("tiny", "free").volume == 0
    assert breakeven_grid(spec)[0, 0, 0, 0] == 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs())
def test_many_replica_counts_without_a_reserve_price_as_the_exact_table(
    spec: SweepSpec,
) -> None:
    """Beyond EXACT_COUNTS_PER_CHUNK new counts in a chunk, a fleet without a reserve is
    priced by its affine form in machines: the same figures to the cent."""
    import planner.engine.sweep as sweep_module

    wide = dataclasses.replace(spec, availability_target=None)
    many = wide.with_axes(volumes=np.linspace(0.0, 2e11, 300))
    exact = evaluate_chunk(many, 0, many.size, with_breakeven=False)
    fresh = dataclasses.replace(many)  # a new spec: no tables priced yet
    saved = sweep_module.EXACT_COUNTS_PER_CHUNK
    sweep_module.EXACT_COUNTS_PER_CHUNK = 2
    try:
        affine = evaluate_chunk(fresh, 0, fresh.size, with_breakeven=False)
    finally:
        sweep_module.EXACT_COUNTS_PER_CHUNK = saved
    assert all(len(table.memo) < 10 for table in fresh.tables())  # the affine form priced
    np.testing.assert_allclose(affine.selfhost_monthly, exact.selfhost_monthly, rtol=0, atol=CENT)
