"""Owned energy: GPU power x the load the tokens put on it, plus the server's base draw,
x PUE x $/kWh (issue 15), worked by hand.

One 8-GPU server: GPUs of 700 W, a base draw of 1,400 W whatever the load, PUE 1.5 and
$0.12/kWh (x 1.5 = $0.18 per kWh drawn at the server). One 8-GPU replica measured at
3,000 tok/s and planned on 90% of it: 3,000 x 0.9 x 720 h x 3,600 s = 6.9984B tokens a
month. Nothing else is priced, so the monthly cost is the energy line.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from planner.engine.api import ApiOffer, PriceTier
from planner.engine.compose import FleetChoice, OwnedFleet, Scenario, Span, Workload, fleet_curve
from planner.engine.crossover import api_curve, first_win, owned_curve
from planner.engine.errors import ScenarioError
from planner.engine.fleet import Serving
from planner.engine.owned import ServerFinance, energy_per_token, owned_cost
from planner.engine.reserve import AvailabilityTarget
from planner.engine.sweep import SweepSpec, breakeven_grid, breakeven_limits, evaluate_chunk

FINANCE = ServerFinance(
    server_price=0,
    gpus_per_server=8,
    server_base_watts=1_400,
    gpu_tdp_watts=700,
    pue=1.5,
    usd_per_kwh=0.12,
)
SERVING = Serving(3_000, gpus_per_replica=8, headroom=0.9)
PER_KWH = 1.5 * 0.12  # $0.18


def test_an_idle_server_draws_its_base_only() -> None:
    # 1,400 W x 720 h = 1,008 kWh x $0.18 = $181.44; the GPUs do no work.
    found = owned_cost(FINANCE, SERVING, tokens_per_month=0)
    assert found.line("energy") == pytest.approx(181.44)
    assert found.gpu_load == 0.0
    assert found.energy_kwh == pytest.approx(1_008 * 1.5)  # at the meter


def test_the_gpus_draw_for_the_hours_the_tokens_take() -> None:
    # 1B tokens at the measured 3,000 tok/s: 1e9 / (3,000 x 3,600) = 92.59 h of the
    # replica's 8 GPUs = 740.74 GPU-hours x 700 W = 518.52 kWh; with the base's 1,008:
    # 1,526.52 kWh x $0.18 = $274.77. Load: 740.74 / (8 x 720) = 12.86%.
    found = owned_cost(FINANCE, SERVING, tokens_per_month=1e9)
    gpu_hours = 1e9 / (3_000 * 3_600) * 8
    assert found.line("energy") == pytest.approx((1_008 + gpu_hours * 0.7) * PER_KWH)
    assert found.line("energy") == pytest.approx(274.7733, abs=1e-4)
    assert found.gpu_load == pytest.approx(gpu_hours / 5_760)
    assert found.monthly == pytest.approx(found.line("energy"))


def test_at_the_planned_capacity_the_load_is_the_planning_share() -> None:
    # 6.9984B tokens fill the replica as planned: 648 h of work (90% of 720) x 8 GPUs x
    # 700 W = 3,628.8 kWh; (1,008 + 3,628.8) x $0.18 = $834.62.
    found = owned_cost(FINANCE, SERVING, tokens_per_month=6.9984e9)
    assert found.replicas == 1
    assert found.gpu_load == pytest.approx(0.9)
    assert found.line("energy") == pytest.approx(834.624)


def test_a_stated_load_replaces_the_tokens_hours() -> None:
    # gpu_load 1: every installed GPU at full power all month, whatever the volume (the
    # convention before issue 15): (1,400 + 8 x 700) W x 720 h = 5,040 kWh x $0.18.
    full = replace(FINANCE, gpu_load=1.0)
    for volume in (0.0, 1e9, 6.9984e9):
        assert owned_cost(full, SERVING, tokens_per_month=volume).line("energy") == (
            pytest.approx(907.2)
        )
    half = replace(FINANCE, gpu_load=0.5)  # (1,400 + 2,800) x 720 = 3,024 kWh
    assert owned_cost(half, SERVING, tokens_per_month=0).line("energy") == pytest.approx(544.32)
    with pytest.raises(ScenarioError) as error:
        replace(FINANCE, gpu_load=1.5)
    assert error.value.field == "owned.gpu_load"


def test_a_spare_server_stands_idle() -> None:
    # A 99.9% target on replicas up 99% of the time takes one spare server; it draws
    # its 1,008 kWh of base ($181.44) and does no GPU work, so the reserve line is that
    # (nothing else is priced) and the energy line keeps the needed server's figure.
    target = AvailabilityTarget(0.999, replica_availability=0.99)
    found = owned_cost(FINANCE, SERVING, tokens_per_month=1e9, availability=target)
    alone = owned_cost(FINANCE, SERVING, tokens_per_month=1e9)
    assert (found.servers, found.reserve.spares) == (2, 1)
    assert found.line("reserve") == pytest.approx(181.44)
    assert found.line("energy") == pytest.approx(alone.line("energy"))
    assert found.energy_kwh == pytest.approx(alone.energy_kwh + 1_008 * 1.5)
    assert found.gpu_load == pytest.approx(alone.gpu_load / 2)  # 16 GPUs installed


def test_the_crossing_curve_prices_every_volume_as_the_table_does() -> None:
    # The curve keeps the part fixed by the servers per replica count and adds the
    # tokens' GPU energy: exactly OwnedCost.monthly at every volume.
    curve = owned_curve(FINANCE, SERVING)
    for volume in (0, 1, 999_999_999, 1_000_000_000, 6_998_400_000, 6_998_400_001, 5e10):
        assert (
            curve.cost(int(volume)) == owned_cost(FINANCE, SERVING, tokens_per_month=volume).monthly
        )
    # $ per token: 8 GPU-hours / (3,000 x 3,600) x 0.7 kW x $0.18
    assert energy_per_token(FINANCE, SERVING) == pytest.approx(8 / 1.08e7 * 0.7 * PER_KWH)


def _sweep(offer: ApiOffer) -> tuple[SweepSpec, FleetChoice]:
    # A 1-GPU server of $10,000 over 3 years ($277.78 a month) whose GPU, measured at
    # 100 tok/s, spends 700 W x 1.5 x $0.30 per kWh: 1 / (100 x 3,600) h x 0.315 $/h =
    # $0.875 per 1M tokens of energy.
    finance = ServerFinance(
        server_price=10_000, gpus_per_server=1, gpu_tdp_watts=700, pue=1.5, usd_per_kwh=0.3
    )
    option = FleetChoice(
        name="owned",
        fleet=OwnedFleet(finance, Serving(100, headroom=0.9)),
        price=Span.of(10_000),
        tokens_per_second=Span.of(100),
        other_monthly=Span.of(0),
    )
    spec = SweepSpec(
        volumes=np.array([1e8, 1e9]),
        input_shares=np.array([0.5]),
        utilizations=np.array([0.9]),
        api_offers=(offer,),
        selfhost_configs=(option,),
    )
    return spec, option


@pytest.mark.parametrize(
    "offer",
    [
        # $3/M throughout: the bill less the energy ($2.125/M) only grows.
        ApiOffer(input_per_mtok=3.0, output_per_mtok=3.0, name="flat"),
        # $3/M, then $0.50/M from 1B tokens: there the energy costs more than the API,
        # the bill less the energy falls, and the composition's own search answers.
        ApiOffer(
            input_per_mtok=3.0,
            output_per_mtok=3.0,
            tiers=(PriceTier(1e9, input_per_mtok=0.5, output_per_mtok=0.5),),
            name="tiered",
        ),
    ],
    ids=["monotone", "falling"],
)
def test_a_sweep_prices_and_finds_the_break_even_of_owned_energy(offer: ApiOffer) -> None:
    # The fleet costs 277.78 + 0.875 V/M; the API 3 V/M in its first tier: equal at
    # 277.78 / 2.125 = 130,718,954.2M -> the first whole token 130,718,955.
    spec, option = _sweep(offer)
    grid = breakeven_grid(spec)
    assert grid[0, 0, 0, 0] == 130_718_955
    scenario = Scenario(workload=Workload(tokens_per_month=0), options=(option,))
    found = first_win(
        fleet_curve(option, scenario),
        api_curve(offer),
        limit=int(breakeven_limits(spec)[0]),
    )
    assert found.volume == 130_718_955
    # Each point's cost is the table's fixed part plus the tokens' energy, as a plan's.
    chunk = evaluate_chunk(spec, 0, 2, with_breakeven=False)
    for index, volume in enumerate((1e8, 1e9)):
        plan = owned_cost(option.fleet.finance, option.fleet.serving, tokens_per_month=volume)  # type: ignore[union-attr]
        assert chunk.selfhost_monthly[index, 0] == plan.monthly
    assert not math.isnan(grid[0, 0, 0, 0])


def test_monte_carlo_draws_price_each_throughputs_energy() -> None:
    """The Monte Carlo bands price every draw as the table would: with the throughput
    drawn between 1,000 and 3,000 tok/s at 1B tokens, the GPU energy of a draw is
    1e9 / (tps x 3,600) GPU-hours x 8 GPUs x 0.7 kW x $0.18; the draws' percentiles equal
    pricing each draw with owned_cost directly."""
    from planner.engine.compose import ApiChoice, compose

    finance = replace(FINANCE, server_price=100_000)
    option = FleetChoice(
        name="owned",
        fleet=OwnedFleet(finance, SERVING),
        price=Span.of(90_000, 110_000),
        tokens_per_second=Span.of(1_000, 3_000),
        other_monthly=Span.of(0),
    )
    scenario = Scenario(
        workload=Workload(tokens_per_month=1e9),
        options=(ApiChoice(name="api", offer=ApiOffer(output_per_mtok=5.0)), option),
        monte_carlo_samples=400,
        search_crossings=False,
    )
    found = compose(scenario).monte_carlo["owned"]
    rng = np.random.default_rng(scenario.monte_carlo_seed)
    u = rng.uniform(0.0, 1.0, size=(3, scenario.monte_carlo_samples))
    direct = [
        owned_cost(
            replace(finance, server_price=90_000 + 20_000 * a),
            replace(SERVING, tokens_per_second=1_000 + 2_000 * b),
            tokens_per_month=1e9,
        ).monthly
        for a, b in zip(u[0], u[1], strict=True)
    ]
    expected = np.percentile(direct, [10, 50, 90])
    assert found.selfhost == pytest.approx(tuple(expected), rel=1e-9)
