"""Energy and carbon of a self-hosted fleet: kWh a month and kg CO2e a month.

One rule for every fleet (and for the owned servers' energy cost line, which prices the
same kWh at the electricity price)::

    kWh = (GPU power x load x GPU-hours + server base power x machine-hours) x PUE / 1000

*GPU power* is one GPU at full load (its TDP); *load* is the share of the GPU-hours
running that the workload keeps busy (the GPUs' idle draw is left to the server base);
*machine-hours* are the rented instance-hours billed or the owned server-hours. The
carbon is the kWh times the grid's intensity (grams CO2e per kWh) of the region the
servers draw from. An API provider publishes no such figure per token, so API options
have none: "unknown", never zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.engine.errors import ScenarioError, require_non_negative

WATT_HOURS_PER_KWH = 1000.0
GRAMS_PER_KG = 1000.0


@dataclass(frozen=True, slots=True)
class PowerDraw:
    """What a rented fleet draws: one GPU at full load, one machine's base, the PUE."""

    gpu_watts: float
    server_base_watts: float = 0.0
    pue: float = 1.0

    def __post_init__(self) -> None:
        require_non_negative("selfhost.gpu_watts", self.gpu_watts)
        require_non_negative("selfhost.server_base_watts", self.server_base_watts)
        if not math.isfinite(self.pue) or self.pue < 1:
            raise ScenarioError("selfhost.pue", "must be a number >= 1")


@dataclass(frozen=True, slots=True)
class GridIntensity:
    """A grid's emissions per kWh consumed, as a source published it for a year."""

    region: str
    g_co2e_per_kwh: float
    year: int | None = None
    source: str = ""

    def __post_init__(self) -> None:
        require_non_negative("grid_g_co2e_per_kwh", self.g_co2e_per_kwh)


@dataclass(frozen=True, slots=True)
class FleetEnergy:
    """A fleet's month of electricity at the expected point."""

    kwh_per_month: float
    kg_co2e_per_month: float | None  # None: no grid intensity for the region
    gpu_load: float  # busy GPU-hours / GPU-hours running
    gpu_hours: float  # GPU-hours running (installed GPUs x their hours)
    machine_hours: float
    power: PowerDraw
    grid: GridIntensity | None


def kwh_per_month(
    *,
    gpu_watts: float,
    gpu_hours: float,
    gpu_load: float,
    server_base_watts: float,
    machine_hours: float,
    pue: float,
) -> float:
    """``(GPU power x load x GPU-hours + server base x machine-hours) x PUE`` in kWh."""
    watt_hours = gpu_watts * gpu_hours * gpu_load + server_base_watts * machine_hours
    return watt_hours * pue / WATT_HOURS_PER_KWH


def kg_co2e(kwh: float, grid: GridIntensity | None) -> float | None:
    """The emissions of ``kwh`` on ``grid`` (None: no intensity known)."""
    return None if grid is None else kwh * grid.g_co2e_per_kwh / GRAMS_PER_KG


def gpu_load(*, busy_gpu_hours: float, gpu_hours: float) -> float:
    """The share of running GPU-hours kept busy, at most 1 (0 with nothing running)."""
    if gpu_hours <= 0:
        return 0.0
    return min(1.0, busy_gpu_hours / gpu_hours)


def fleet_energy(
    power: PowerDraw,
    *,
    gpu_hours: float,
    busy_gpu_hours: float,
    machine_hours: float,
    grid: GridIntensity | None,
) -> FleetEnergy:
    """The kWh and kg CO2e a month of GPUs busy ``busy_gpu_hours`` of ``gpu_hours``."""
    load = gpu_load(busy_gpu_hours=busy_gpu_hours, gpu_hours=gpu_hours)
    kwh = kwh_per_month(
        gpu_watts=power.gpu_watts,
        gpu_hours=gpu_hours,
        gpu_load=load,
        server_base_watts=power.server_base_watts,
        machine_hours=machine_hours,
        pue=power.pue,
    )
    return FleetEnergy(
        kwh_per_month=kwh,
        kg_co2e_per_month=kg_co2e(kwh, grid),
        gpu_load=load,
        gpu_hours=gpu_hours,
        machine_hours=machine_hours,
        power=power,
        grid=grid,
    )
