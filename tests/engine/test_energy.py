"""Energy and carbon of self-hosted fleets, derived by hand in the comments."""

from __future__ import annotations

import pytest

from planner.engine import compose as eng
from planner.engine.energy import (
    GridIntensity,
    PowerDraw,
    fleet_energy,
    gpu_load,
    kg_co2e,
    kwh_per_month,
)
from planner.engine.errors import ScenarioError
from planner.engine.selfhost import Billing, BillingMode
from tests.engine.test_compose import GPT5, owned, rented

WORLD_2022 = GridIntensity("world", 436.0, 2022, "Ember Global Electricity Review 2023")


def test_the_formula() -> None:
    # (700 W x 0.25 x 720 GPU-h + 500 W x 720 h) x 1.2 = (126,000 + 360,000) x 1.2
    # = 583,200 Wh = 583.2 kWh.
    kwh = kwh_per_month(
        gpu_watts=700,
        gpu_hours=720,
        gpu_load=0.25,
        server_base_watts=500,
        machine_hours=720,
        pue=1.2,
    )
    assert kwh == pytest.approx(583.2)
    # 583.2 kWh x 436 g/kWh = 254,275.2 g = 254.2752 kg.
    assert kg_co2e(kwh, WORLD_2022) == pytest.approx(254.2752)
    assert kg_co2e(kwh, None) is None


def test_load_is_capped_and_defined_without_hours() -> None:
    assert gpu_load(busy_gpu_hours=900, gpu_hours=720) == 1.0
    assert gpu_load(busy_gpu_hours=0, gpu_hours=0) == 0.0
    found = fleet_energy(
        PowerDraw(100.0), gpu_hours=10, busy_gpu_hours=5, machine_hours=10, grid=None
    )
    assert found.gpu_load == 0.5
    assert found.kwh_per_month == pytest.approx(0.5)  # 100 W x 5 h


def test_power_draw_names_its_fields() -> None:
    with pytest.raises(ScenarioError) as error:
        PowerDraw(700.0, pue=0.9)
    assert error.value.field == "selfhost.pue"
    with pytest.raises(ScenarioError) as error:
        PowerDraw(-1.0)
    assert error.value.field == "selfhost.gpu_watts"


def _with(choice: eng.FleetChoice, **changes: object) -> eng.FleetChoice:
    import dataclasses

    return dataclasses.replace(choice, **changes)  # type: ignore[arg-type]


def test_one_rented_h100_at_a_quarter_load() -> None:
    # 1e9 tokens/month at 1,500 tok/s planned on all of it: busy replica-hours
    # = 1e9 / (1,500 x 3,600) = 185.185 h. One replica (capacity 3.888B) on one 1-GPU
    # instance always on: 720 GPU-hours running, load 185.185 / 720 = 0.2572.
    # kWh = (700 W x 185.185 h + 500 W x 720 h) x 1.2 / 1000
    #     = (129,629.6 + 360,000) x 1.2 / 1000 = 587.556 kWh;
    # carbon = 587.556 x 436 / 1000 = 256.174 kg CO2e.
    option = _with(rented(), power=PowerDraw(700.0, 500.0, 1.2), grid=WORLD_2022)
    found = eng.compose(eng.Scenario(eng.Workload(1e9), (eng.ApiChoice("GPT-5", GPT5), option)))
    energy = found.option("Rented").energy
    assert energy is not None
    assert energy.gpu_hours == 720
    assert energy.gpu_load == pytest.approx(185.185185 / 720, rel=1e-6)
    assert energy.kwh_per_month == pytest.approx(587.5556, rel=1e-6)
    assert energy.kg_co2e_per_month == pytest.approx(256.1742, rel=1e-6)
    # The API publishes no figure: unknown, not zero.
    assert found.option("GPT-5").energy is None


def test_packed_replicas_leave_idle_gpus_out_of_the_load() -> None:
    # 2e10 tokens, 2-GPU replicas at 90% of 1,500 tok/s: a replica plans
    # 1,500 x 0.9 x 720 x 3,600 = 3.4992B, so ceil(2e10 / 3.4992e9) = 6 replicas, four to
    # an 8-GPU instance: 2 instances, 16 GPUs x 720 h = 11,520 GPU-hours running.
    # The GPUs work the hours the tokens take at the measured rate (the 90% is a planning
    # margin, not slower GPUs): 2e10 / (1,500 x 3,600) = 3,703.704 replica-hours x 2 GPUs
    # = 7,407.41 GPU-hours; load 7,407.41 / 11,520 = 0.643001;
    # kWh = 700 x 7,407.41 / 1000 = 5,185.185.
    option = _with(
        rented(gpus_per_replica=2, gpus_per_instance=8, utilization=0.9),
        power=PowerDraw(700.0),
    )
    found = eng.compose(eng.Scenario(eng.Workload(2e10), (option,)))
    cost = found.option("Rented")
    assert cost.fleet is not None
    assert cost.fleet.machines == 2
    energy = cost.energy
    assert energy is not None
    assert energy.gpu_hours == 11_520
    assert energy.gpu_load == pytest.approx(0.643001, rel=1e-5)
    assert energy.kwh_per_month == pytest.approx(5185.185, rel=1e-6)
    assert energy.kg_co2e_per_month is None  # no grid given


def test_scale_to_zero_runs_only_the_busy_hours() -> None:
    # Scale to zero bills the busy instance-hours plus a 10% warm-up buffer:
    # 185.185 x 1.1 = 203.704 h. GPU energy follows the busy 185.185 h (load
    # 185.185 / 203.704 = 0.909); the 300 W base runs all 203.704 billed hours:
    # kWh = (700 x 185.185 + 300 x 203.704) / 1000 = 129.630 + 61.111 = 190.741.
    option = _with(
        rented(billing=Billing(BillingMode.SCALE_TO_ZERO, buffer_fraction=0.1)),
        power=PowerDraw(700.0, 300.0),
    )
    found = eng.compose(eng.Scenario(eng.Workload(1e9), (option,)))
    energy = found.option("Rented").energy
    assert energy is not None
    assert energy.machine_hours == pytest.approx(203.7037, rel=1e-6)
    assert energy.gpu_load == pytest.approx(1 / 1.1, rel=1e-9)
    assert energy.kwh_per_month == pytest.approx(190.7407, rel=1e-6)


def test_a_rented_gpu_without_a_power_figure_has_no_energy() -> None:
    found = eng.compose(eng.Scenario(eng.Workload(1e9), (rented(),)))
    assert found.option("Rented").energy is None


def test_owned_energy_is_the_kwh_its_energy_line_prices() -> None:
    # One 8-GPU server (one 2-GPU replica carries 3.888B > 1e9). Its GPUs work the hours
    # the tokens take: 1e9 / (1,500 x 3,600) = 185.185 replica-hours x 2 GPUs = 370.370
    # GPU-hours of the 8 x 720 = 5,760 installed (load 0.0643); the 2,000 W base runs all
    # 720 hours. kWh = (700 x 370.370 + 2,000 x 720) x 1.3 / 1000
    # = (259,259.3 + 1,440,000) x 1.3 / 1000 = 2,209.037; at $0.12/kWh the energy line is
    # $265.084; on a 366 g/kWh grid 2,209.037 x 0.366 = 808.508 kg CO2e.
    option = _with(owned(), grid=GridIntensity("us", 366.0, 2023))
    found = eng.compose(eng.Scenario(eng.Workload(1e9), (option,)))
    cost = found.option("Owned")
    assert cost.energy is not None
    assert cost.energy.kwh_per_month == pytest.approx(2209.037, rel=1e-6)
    assert cost.energy.gpu_load == pytest.approx(370.370 / 5760, rel=1e-5)
    assert cost.lines["energy"].expected == pytest.approx(265.0844, rel=1e-6)
    assert cost.energy.kg_co2e_per_month == pytest.approx(808.5076, rel=1e-6)
