"""Sizing a fleet for a load, packing replicas into machines, and cost views (lenses).

A *replica* serves the model once; it needs ``gpus_per_replica`` GPUs. Machines (rented
instances or owned servers) have a fixed number of GPUs, so replicas are packed:
``gpus_per_unit // gpus_per_replica`` replicas share a machine, or a replica larger than
one machine spans ``ceil(gpus_per_replica / gpus_per_unit)`` machines when that is
allowed (multi-node tensor/pipeline parallelism), else the input is refused.

Planning headroom (default: plan on 90% of measured throughput) is applied exactly once,
in :meth:`Serving.replica_capacity`; the peak-to-average ratio then raises the replicas
needed so the fleet carries the peak hour, not the average one.

Two lenses: ``full`` TCO counts everything; ``marginal`` leaves out what is sunk or paid
whatever is served (depreciation, cost of capital, installation, operations staff and
one-off implementation).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from planner.engine.errors import ScenarioError, require_non_negative, require_positive
from planner.engine.units import HOURS_PER_MONTH, SECONDS_PER_HOUR

DEFAULT_HEADROOM = 0.9
DEFAULT_ANALYSIS_MONTHS = 36.0


class Lens(StrEnum):
    FULL = "full"
    MARGINAL = "marginal"


# Line items the marginal lens leaves out.
MARGINAL_EXCLUDES = frozenset(
    {"depreciation", "capital", "installation", "staff", "implementation"}
)


@dataclass(frozen=True, slots=True)
class CostLine:
    """One monthly-equivalent line item; ``in_lens`` says whether ``monthly`` counts it."""

    key: str
    monthly: float
    in_lens: bool = True


def cost_lines(lens: Lens, items: Iterable[tuple[str, float]]) -> tuple[CostLine, ...]:
    """Lines with ``in_lens`` set by the lens (the marginal lens drops the fixed items)."""
    return tuple(
        CostLine(key, value, lens is Lens.FULL or key not in MARGINAL_EXCLUDES)
        for key, value in items
    )


def lens_total(lines: Iterable[CostLine]) -> float:
    return sum(line.monthly for line in lines if line.in_lens)


class ItemizedCost:
    """Line look-ups shared by the fleet cost results (rented and owned)."""

    __slots__ = ()
    lines: tuple[CostLine, ...]

    def line(self, key: str) -> float:
        return sum(item.monthly for item in self.lines if item.key == key)

    @property
    def reserve_monthly(self) -> float:
        return self.line("reserve")


def require_whole(field: str, value: object, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ScenarioError(field, f"must be a whole number >= {minimum}")
    return value


def require_analysis_months(value: float) -> float:
    return require_positive("analysis_months", value)


def require_cost_inputs(
    *, tokens_per_month: float, analysis_months: float, hours_per_month: float, lens: Lens
) -> tuple[float, float, float, Lens]:
    """(tokens, months, hours, lens) checked, for a monthly-equivalent fleet cost."""
    tokens = require_non_negative("tokens_per_month", tokens_per_month)
    months = require_analysis_months(analysis_months)
    hours = require_positive("hours_per_month", hours_per_month)
    return tokens, months, hours, Lens(lens)


@dataclass(frozen=True, slots=True)
class Serving:
    """How one replica serves: measured throughput, GPUs, headroom, traffic shape."""

    tokens_per_second: float
    gpus_per_replica: int = 1
    headroom: float = DEFAULT_HEADROOM
    peak_to_average: float = 1.0

    def __post_init__(self) -> None:
        require_positive("selfhost.tokens_per_second", self.tokens_per_second)
        require_whole("selfhost.gpus_per_replica", self.gpus_per_replica)
        if not math.isfinite(self.headroom) or not 0 < self.headroom <= 1:
            raise ScenarioError(
                "selfhost.headroom", "must be a number greater than 0 and at most 1"
            )
        if not math.isfinite(self.peak_to_average) or self.peak_to_average < 1:
            raise ScenarioError("selfhost.peak_to_average", "must be a number >= 1")

    def replica_capacity(self, *, hours: float = HOURS_PER_MONTH) -> float:
        """Planned tokens one replica serves in ``hours``: measured x headroom (once)."""
        hours = require_positive("hours_per_month", hours)
        return self.tokens_per_second * self.headroom * hours * SECONDS_PER_HOUR

    def replicas_for(self, tokens_per_month: float, *, hours: float = HOURS_PER_MONTH) -> int:
        """``ceil(volume x peak_to_average / planned capacity)``, at least one."""
        volume = require_non_negative("tokens_per_month", tokens_per_month)
        return max(1, math.ceil(volume * self.peak_to_average / self.replica_capacity(hours=hours)))

    def busy_replica_hours(self, tokens_per_month: float) -> float:
        """Replica-hours the volume keeps busy at planned throughput (scale-to-zero bills
        the instances these keep up: ``rented.occupied_instance_hours``)."""
        volume = require_non_negative("tokens_per_month", tokens_per_month)
        return volume / (self.tokens_per_second * self.headroom * SECONDS_PER_HOUR)

    def working_replica_hours(self, tokens_per_month: float) -> float:
        """Replica-hours the volume takes at the measured throughput (no headroom): the
        hours its GPUs actually work, which owned energy charges at full power."""
        volume = require_non_negative("tokens_per_month", tokens_per_month)
        return volume / (self.tokens_per_second * SECONDS_PER_HOUR)


@dataclass(frozen=True, slots=True)
class Packing:
    """Replicas placed on machines of ``gpus_per_unit`` GPUs.

    Exactly one of ``replicas_per_unit`` (replicas share a machine) and
    ``units_per_replica`` (a replica spans machines) is above 1, or both are 1.
    """

    replicas: int
    units: int
    gpus_per_unit: int
    replicas_per_unit: int
    units_per_replica: int

    @property
    def gpus(self) -> int:
        return self.units * self.gpus_per_unit


def pack_replicas(
    replicas: int,
    *,
    gpus_per_replica: int,
    gpus_per_unit: int,
    allow_split: bool,
    field: str,
) -> Packing:
    """Machines for ``replicas``; a replica bigger than a machine only if ``allow_split``.

    8-GPU instances, 2-GPU replicas: 4 per instance, 9 replicas -> 3 instances.
    16-GPU replica on 8-GPU instances, allowed: 2 instances per replica.
    """
    replicas = require_whole("replicas", replicas, minimum=0)
    per_replica = require_whole("selfhost.gpus_per_replica", gpus_per_replica)
    per_unit = require_whole(field, gpus_per_unit)
    if per_replica <= per_unit:
        per = per_unit // per_replica
        return Packing(replicas, -(-replicas // per), per_unit, per, 1)
    if not allow_split:
        raise ScenarioError(
            field,
            f"a replica needs {per_replica} GPUs but a machine has {per_unit}: allow a "
            f"replica to span machines or choose a machine with at least {per_replica} GPUs",
        )
    spans = -(-per_replica // per_unit)
    return Packing(replicas, replicas * spans, per_unit, 1, spans)
