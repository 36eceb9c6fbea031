"""The finance of owning GPU servers over an analysis period (36 months by default).

Servers come from packing replicas (reserve included) into ``gpus_per_server``. Over
``analysis_months`` ``P`` with a useful life ``L = useful_life_years x 12`` months, a
server price ``p``, an installation ``i`` a server and ``A = servers x p``:

* purchases ``ceil(P / L)``: the fleet is replaced when the period outlasts its life;
* installation follows one policy (``installation_policy``):

  - ``capitalised`` (the default): installed cost ``p + i`` is the server's book value,
    depreciated with it over the useful life (the installation to nothing, the hardware
    to its residual value) and inside the cost of capital; there is no separate line;
  - ``expensed``: ``servers x i`` is charged in full at every purchase, over ``P`` (the
    ``installation`` line), and never enters the book value;

* depreciation, straight line to the residual value, over the share of each life used
  inside the period: ``servers x (p (1 - residual) + i) / L`` a month (``i`` only when
  capitalised);
* cost of capital on the average book value: a full life averages the mean of the first
  and last book values, a last life used for a share ``s`` averages
  ``book - (book - residual) s / 2``; weighted by months, times ``rate / 12``;
* maintenance ``A x maintenance_per_year / 12``;
* energy ``(servers x server_base_watts x hours + GPU power x the hours the GPUs work)
  x PUE x $/kWh``: the GPUs work the hours the tokens take at the measured throughput
  (:meth:`~planner.engine.fleet.Serving.working_replica_hours` x GPUs a replica), or,
  when ``gpu_load`` is given, that share of every installed GPU's hours;
* facilities ``servers x per-server monthly + shared monthly``;
* staff ``ops_fte x ops_fte_monthly_cost``;
* implementation, a one-off, over ``P``;
* reserve: what the spares and extra regions add (every line above, recomputed; spares
  stand idle, so they add the servers' base draw and no GPU work).

The hidden-cost multiplier scales the hardware lines (the hardware's depreciation and
capital, maintenance, energy), not the installation. The shared facilities amount,
staff and implementation are counted once, whatever the number of regions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from planner.engine.energy import kwh_per_month
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


class InstallationPolicy(StrEnum):
    CAPITALISED = "capitalised"  # in the book value: depreciated, inside the cost of capital
    EXPENSED = "expensed"  # charged in full at every purchase


@dataclass(frozen=True, slots=True)
class ServerFinance:
    server_price: float
    gpus_per_server: int = 8
    allow_multi_server: bool = False
    installation_per_server: float = 0.0
    installation_policy: InstallationPolicy = InstallationPolicy.CAPITALISED
    useful_life_years: float = 3.0
    residual_value: float = 0.0  # share of the price left at the end of the life
    cost_of_capital: float = 0.0  # a year, on the average book value
    maintenance_per_year: float = 0.0  # share of the acquisition
    server_base_watts: float = 0.0
    gpu_tdp_watts: float = 0.0
    # Average share of the installed GPUs' power drawn; None: the hours the tokens take.
    gpu_load: float | None = None
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
        policies = [policy.value for policy in InstallationPolicy]
        if self.installation_policy not in policies:
            raise ScenarioError(
                "owned.installation_policy", f"must be one of {', '.join(policies)}"
            )
        object.__setattr__(
            self, "installation_policy", InstallationPolicy(self.installation_policy)
        )
        require_positive("owned.useful_life_years", self.useful_life_years)
        require_share("owned.residual_value", self.residual_value)
        require_non_negative("owned.cost_of_capital", self.cost_of_capital)
        require_non_negative("owned.maintenance_per_year", self.maintenance_per_year)
        require_non_negative("owned.server_base_watts", self.server_base_watts)
        require_non_negative("owned.gpu_tdp_watts", self.gpu_tdp_watts)
        if self.gpu_load is not None:
            require_share("owned.gpu_load", self.gpu_load)
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

    @property
    def capitalised_installation(self) -> float:
        """Installation a server adds to its book value (0 when expensed)."""
        if self.installation_policy is InstallationPolicy.CAPITALISED:
            return self.installation_per_server
        return 0.0

    def pack(self, replicas: int, serving: Serving) -> Packing:
        return pack_replicas(
            replicas,
            gpus_per_replica=serving.gpus_per_replica,
            gpus_per_unit=self.gpus_per_server,
            allow_split=self.allow_multi_server,
            field="owned.gpus_per_server",
        )


def energy_per_token(finance: ServerFinance, serving: Serving) -> float:
    """USD of GPU energy one token takes (0 when ``gpu_load`` states the load instead):
    GPU power x the GPU-hours a token takes at the measured throughput x PUE x $/kWh,
    times the hidden multiplier. Linear in the tokens, so the plan, the crossing curves
    and the sweeps multiply the same figure by the volume."""
    if finance.gpu_load is not None:
        return 0.0
    kwh = kwh_per_month(
        gpu_watts=finance.gpu_tdp_watts,
        gpu_hours=serving.working_replica_hours(1.0) * serving.gpus_per_replica,
        gpu_load=1.0,  # these are the hours the GPUs work
        server_base_watts=0.0,
        machine_hours=0.0,
        pue=finance.pue,
    )
    return kwh * finance.usd_per_kwh * finance.hidden_multiplier


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
    acquisition: float  # one purchase of the whole fleet's hardware
    installation_policy: InstallationPolicy
    capitalised: float  # the fleet's first book value: hardware + capitalised installation
    average_book_value: float
    book_value_at_end: float
    gpu_load: float  # average share of the installed GPUs' power drawn
    energy_kwh: float  # a month at the meter (PUE included), reserve included
    lines: tuple[CostLine, ...]
    # ``monthly`` = ``fixed_monthly`` + the GPU energy the tokens take (volume x
    # energy_per_token); the first depends on the volume only through the replicas.
    fixed_monthly: float
    monthly: float  # lines in the lens


@dataclass(frozen=True, slots=True)
class _Cycle:
    purchases: int
    last_share: float
    last_months: float


def _cycle(finance: ServerFinance, months: float) -> _Cycle:
    life = finance.life_months
    # A hair of tolerance so 36 months of a 3-year life is one purchase, not two.
    purchases = max(1, math.ceil(months / life - 1e-9))
    last_months = months - (purchases - 1) * life
    return _Cycle(purchases, last_months / life, last_months)


def _average_book_share(cycle: _Cycle, months: float, life: float, residual: float) -> float:
    """Average book value over the period / first book value, for an asset depreciated
    straight to ``residual`` (a share) over each life."""
    drop = 1.0 - residual
    full_average = 1.0 - drop / 2.0
    last_average = 1.0 - drop * cycle.last_share / 2.0
    return ((cycle.purchases - 1) * life * full_average + cycle.last_months * last_average) / (
        months
    )


def _end_book_share(cycle: _Cycle, residual: float) -> float:
    return 1.0 - (1.0 - residual) * cycle.last_share


def _items(
    finance: ServerFinance, *, servers: int, gpus: int, months: float, hours: float
) -> dict[str, float]:
    """The lines that depend on the volume only through the fleet (every GPU-hour the
    tokens take is added by the caller: :func:`energy_per_token`)."""
    cycle = _cycle(finance, months)
    life = finance.life_months
    acquisition = servers * finance.server_price
    installed = servers * finance.capitalised_installation
    hardware_book = _average_book_share(cycle, months, life, finance.residual_value)
    installation_book = _average_book_share(cycle, months, life, 0.0)
    # The servers' base draw, and the GPUs' only at a stated load (else they are priced by
    # the hours the tokens take: energy_per_token).
    kwh = kwh_per_month(
        gpu_watts=finance.gpu_tdp_watts,
        gpu_hours=gpus * hours,
        gpu_load=finance.gpu_load or 0.0,
        server_base_watts=finance.server_base_watts,
        machine_hours=servers * hours,
        pue=finance.pue,
    )
    hardware = finance.hidden_multiplier
    items = {
        "depreciation": acquisition * (1.0 - finance.residual_value) / life * hardware
        + installed / life,
        "capital": acquisition * hardware_book * finance.cost_of_capital / 12.0 * hardware
        + installed * installation_book * finance.cost_of_capital / 12.0,
        "maintenance": acquisition * finance.maintenance_per_year / 12.0 * hardware,
        "energy": kwh * finance.usd_per_kwh * hardware,
        "facilities": servers * finance.facilities_per_server_monthly
        + finance.facilities_shared_monthly,
        "staff": finance.ops_fte * finance.ops_fte_monthly_cost,
        "installation": servers * finance.installation_per_server * cycle.purchases / months,
        "implementation": finance.implementation_one_off / months,
        "other": finance.other_monthly,
    }
    if finance.installation_policy is InstallationPolicy.CAPITALISED:
        del items["installation"]  # inside depreciation and capital
    return items


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
    fixed = (*cost_lines(lens, base.items()), CostLine("reserve", reserve))
    volume_energy = tokens * energy_per_token(finance, serving)
    lines = tuple(
        CostLine(line.key, line.monthly + volume_energy, line.in_lens)
        if line.key == "energy"
        else line
        for line in fixed
    )
    fixed_monthly = lens_total(fixed)
    packing = finance.pack(plan.replicas_per_region, serving)
    servers = packing.units * plan.regions
    gpus = packing.gpus * plan.regions
    cycle = _cycle(finance, months)
    life = finance.life_months
    acquisition = servers * finance.server_price
    installed = servers * finance.capitalised_installation
    working = serving.working_replica_hours(tokens) * serving.gpus_per_replica
    load = finance.gpu_load if finance.gpu_load is not None else working / (gpus * hours)
    # The fleet's month at the meter: planner/engine/energy.py's one kWh rule.
    energy_kwh = kwh_per_month(
        gpu_watts=finance.gpu_tdp_watts,
        gpu_hours=gpus * hours,
        gpu_load=load,
        server_base_watts=finance.server_base_watts,
        machine_hours=servers * hours,
        pue=finance.pue,
    )
    return OwnedCost(
        name=finance.name,
        lens=lens,
        analysis_months=months,
        replicas=needed,
        reserve=plan,
        servers=servers,
        gpus=gpus,
        purchases=cycle.purchases,
        last_life_share=cycle.last_share,
        acquisition=acquisition,
        installation_policy=finance.installation_policy,
        capitalised=acquisition + installed,
        average_book_value=acquisition
        * _average_book_share(cycle, months, life, finance.residual_value)
        + installed * _average_book_share(cycle, months, life, 0.0),
        book_value_at_end=acquisition * _end_book_share(cycle, finance.residual_value)
        + installed * _end_book_share(cycle, 0.0),
        gpu_load=load,
        energy_kwh=energy_kwh,
        lines=lines,
        fixed_monthly=fixed_monthly,
        monthly=fixed_monthly + volume_energy,
    )
