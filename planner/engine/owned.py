"""The finance of owning GPU servers over an analysis period (36 months by default).

Servers come from packing replicas (reserve included) into ``gpus_per_server``. Over
``analysis_months`` ``P`` with a useful life ``L = useful_life_years x 12`` months and
``A = servers x server_price``:

* purchases ``ceil(P / L)``: the fleet is replaced when the period outlasts its life;
* depreciation, straight line to the residual value, over the share of each life used
  inside the period: ``A (1 - residual) x P / L`` in all, ``A (1 - residual) / L`` a month;
* cost of capital on the average book value: each full life averages
  ``A (1 + residual) / 2``; a last life used for a share ``s`` averages
  ``A - A (1 - residual) s / 2``; weighted by months, times ``rate / 12``;
* maintenance ``A x maintenance_per_year / 12``;
* energy: the kWh of :func:`energy_use` (every installed GPU at its TDP and each
  server's base power, all month, x PUE) x $/kWh;
* facilities ``servers x per-server monthly + shared monthly``;
* staff ``ops_fte x ops_fte_monthly_cost``;
* installation ``servers x installation_per_server`` at every purchase, over ``P``;
* implementation, a one-off, over ``P``;
* reserve: what the spares and extra regions add (every line above, recomputed).

Installation is expensed (not added to the book value). The shared facilities amount,
staff and implementation are counted once, whatever the number of regions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.engine.energy import FleetEnergy, GridIntensity, PowerDraw, fleet_energy
from planner.engine.errors import (
    ScenarioError,
    require_non_negative,
    require_positive,
    require_share,
)
from planner.engine.fleet import (
    DEFAULT_ANALYSIS_MONTHS,
    CostLine,
    ItemizedCost,
    Lens,
    Packing,
    Serving,
    cost_lines,
    lens_total,
    pack_replicas,
    require_cost_inputs,
    require_whole,
)
from planner.engine.reserve import AvailabilityTarget, ReservePlan, no_reserve, plan_reserve
from planner.engine.units import HOURS_PER_MONTH

MONTHS_PER_YEAR = 12.0


@dataclass(frozen=True, slots=True)
class ServerFinance:
    server_price: float
    gpus_per_server: int = 8
    allow_multi_server: bool = False
    installation_per_server: float = 0.0
    useful_life_years: float = 3.0
    residual_value: float = 0.0  # share of the price left at the end of the life
    cost_of_capital: float = 0.0  # a year, on the average book value
    maintenance_per_year: float = 0.0  # share of the acquisition
    server_base_watts: float = 0.0
    gpu_tdp_watts: float = 0.0
    pue: float = 1.0
    usd_per_kwh: float = 0.0
    facilities_per_server_monthly: float = 0.0
    facilities_shared_monthly: float = 0.0
    ops_fte: float = 0.0
    ops_fte_monthly_cost: float = 0.0
    implementation_one_off: float = 0.0
    # The plan's hidden costs: a multiplier on the hardware lines (depreciation, capital,
    # maintenance, energy) and a flat monthly amount (hidden items, labor, other).
    hidden_multiplier: float = 1.0
    other_monthly: float = 0.0
    name: str = "owned"

    def __post_init__(self) -> None:
        require_non_negative("owned.server_price", self.server_price)
        require_whole("owned.gpus_per_server", self.gpus_per_server)
        require_non_negative("owned.installation_per_server", self.installation_per_server)
        require_positive("owned.useful_life_years", self.useful_life_years)
        require_share("owned.residual_value", self.residual_value)
        require_non_negative("owned.cost_of_capital", self.cost_of_capital)
        require_non_negative("owned.maintenance_per_year", self.maintenance_per_year)
        require_non_negative("owned.server_base_watts", self.server_base_watts)
        require_non_negative("owned.gpu_tdp_watts", self.gpu_tdp_watts)
        if not math.isfinite(self.pue) or self.pue < 1:
            raise ScenarioError("owned.pue", "must be a number >= 1")
        require_non_negative("owned.usd_per_kwh", self.usd_per_kwh)
        require_non_negative(
            "owned.facilities_per_server_monthly", self.facilities_per_server_monthly
        )
        require_non_negative("owned.facilities_shared_monthly", self.facilities_shared_monthly)
        require_non_negative("owned.ops_fte", self.ops_fte)
        require_non_negative("owned.ops_fte_monthly_cost", self.ops_fte_monthly_cost)
        require_non_negative("owned.implementation_one_off", self.implementation_one_off)
        if not math.isfinite(self.hidden_multiplier) or self.hidden_multiplier < 1.0:
            raise ScenarioError("selfhost.hidden_multiplier", "must be a number >= 1")
        require_non_negative("selfhost.other_monthly", self.other_monthly)

    @property
    def life_months(self) -> float:
        return self.useful_life_years * MONTHS_PER_YEAR

    def pack(self, replicas: int, serving: Serving) -> Packing:
        return pack_replicas(
            replicas,
            gpus_per_replica=serving.gpus_per_replica,
            gpus_per_unit=self.gpus_per_server,
            allow_split=self.allow_multi_server,
            field="owned.gpus_per_server",
        )


@dataclass(frozen=True, slots=True)
class OwnedCost(ItemizedCost):
    name: str
    lens: Lens
    analysis_months: float
    replicas: int  # needed for the load at peak
    reserve: ReservePlan
    servers: int  # all regions, reserve included
    gpus: int
    purchases: int  # 1 + replacements inside the period
    last_life_share: float  # share of the last purchase's life used inside the period
    acquisition: float  # one purchase of the whole fleet
    average_book_value: float
    book_value_at_end: float
    lines: tuple[CostLine, ...]
    monthly: float  # lines in the lens


@dataclass(frozen=True, slots=True)
class _Cycle:
    purchases: int
    last_share: float
    average_book_share: float  # average book value / acquisition
    end_book_share: float


def _cycle(finance: ServerFinance, months: float) -> _Cycle:
    life = finance.life_months
    # A hair of tolerance so 36 months of a 3-year life is one purchase, not two.
    purchases = max(1, math.ceil(months / life - 1e-9))
    last_months = months - (purchases - 1) * life
    share = last_months / life
    drop = 1.0 - finance.residual_value
    full_average = 1.0 - drop / 2.0
    last_average = 1.0 - drop * share / 2.0
    average = ((purchases - 1) * life * full_average + last_months * last_average) / months
    return _Cycle(purchases, share, average, 1.0 - drop * share)


def energy_use(
    finance: ServerFinance,
    *,
    servers: int,
    gpus: int,
    hours: float,
    grid: GridIntensity | None = None,
) -> FleetEnergy:
    """The servers' month of electricity: the one kWh figure the energy line prices and
    the plan reports (:func:`planner.engine.energy.fleet_energy`); installed GPUs count
    at their TDP for every hour (load 1)."""
    gpu_hours = gpus * hours
    return fleet_energy(
        PowerDraw(finance.gpu_tdp_watts, finance.server_base_watts, finance.pue),
        gpu_hours=gpu_hours,
        busy_gpu_hours=gpu_hours,
        machine_hours=servers * hours,
        grid=grid,
    )


def _items(
    finance: ServerFinance, *, servers: int, gpus: int, months: float, hours: float
) -> dict[str, float]:
    cycle = _cycle(finance, months)
    acquisition = servers * finance.server_price
    kwh = energy_use(finance, servers=servers, gpus=gpus, hours=hours).kwh_per_month
    hardware = finance.hidden_multiplier
    return {
        "depreciation": acquisition
        * (1.0 - finance.residual_value)
        / finance.life_months
        * hardware,
        "capital": acquisition
        * cycle.average_book_share
        * finance.cost_of_capital
        / 12.0
        * hardware,
        "maintenance": acquisition * finance.maintenance_per_year / 12.0 * hardware,
        "energy": kwh * finance.usd_per_kwh * hardware,
        "facilities": servers * finance.facilities_per_server_monthly
        + finance.facilities_shared_monthly,
        "staff": finance.ops_fte * finance.ops_fte_monthly_cost,
        "installation": servers * finance.installation_per_server * cycle.purchases / months,
        "implementation": finance.implementation_one_off / months,
        "other": finance.other_monthly,
    }


def owned_cost(
    finance: ServerFinance,
    serving: Serving,
    *,
    tokens_per_month: float,
    lens: Lens = Lens.FULL,
    analysis_months: float = DEFAULT_ANALYSIS_MONTHS,
    availability: AvailabilityTarget | None = None,
    hours_per_month: float = HOURS_PER_MONTH,
) -> OwnedCost:
    """Monthly-equivalent cost of owning the servers that serve ``tokens_per_month``."""
    tokens, months, hours, lens = require_cost_inputs(
        tokens_per_month=tokens_per_month,
        analysis_months=analysis_months,
        hours_per_month=hours_per_month,
        lens=lens,
    )
    needed = serving.replicas_for(tokens, hours=hours)

    def items(regions: int, per_region: int) -> dict[str, float]:
        packing = finance.pack(per_region, serving)
        return _items(
            finance,
            servers=packing.units * regions,
            gpus=packing.gpus * regions,
            months=months,
            hours=hours,
        )

    def priced(regions: int, per_region: int) -> float:
        return lens_total(cost_lines(lens, items(regions, per_region).items()))

    plan = (
        no_reserve(needed)
        if availability is None
        else plan_reserve(needed, availability, cost=priced)
    )
    base = items(1, needed)
    reserve = priced(plan.regions, plan.replicas_per_region) - priced(1, needed)
    lines = (*cost_lines(lens, base.items()), CostLine("reserve", reserve))
    packing = finance.pack(plan.replicas_per_region, serving)
    servers = packing.units * plan.regions
    cycle = _cycle(finance, months)
    acquisition = servers * finance.server_price
    return OwnedCost(
        name=finance.name,
        lens=lens,
        analysis_months=months,
        replicas=needed,
        reserve=plan,
        servers=servers,
        gpus=packing.gpus * plan.regions,
        purchases=cycle.purchases,
        last_life_share=cycle.last_share,
        acquisition=acquisition,
        average_book_value=acquisition * cycle.average_book_share,
        book_value_at_end=acquisition * cycle.end_book_share,
        lines=lines,
        monthly=lens_total(lines),
    )
