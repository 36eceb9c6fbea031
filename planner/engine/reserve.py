"""Reserve capacity for an availability target: N+k spares, then more regions.

With ``N`` replicas needed, ``k`` spares and independent replicas each up with
probability ``a``, a region serves the load while at least ``N`` of its ``N + k``
replicas are up::

    P(region) = r x sum_{i=N}^{N+k} C(N+k, i) a^i (1 - a)^(N+k-i)

where ``r`` is the region's (site, network, power) own availability. ``R`` regions, each
with the whole ``N + k``, are down only together: ``1 - (1 - P(region))^R``.

:func:`plan_reserve` picks the smallest reserve that meets the target: the fewest spares
in one region, then more regions when spares alone cannot reach it (the region's own
availability caps what spares can do). When a ``cost`` of each candidate is given, the
cheapest candidate that meets the target wins and that order only breaks ties, so a
higher target never comes out cheaper.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

from planner.engine.errors import ScenarioError, require_share
from planner.engine.fleet import require_whole

DEFAULT_MAX_SPARES = 8
DEFAULT_MAX_REGIONS = 4


def deployment_availability(
    *,
    needed: int,
    spares: int,
    replica_availability: float,
    regions: int = 1,
    region_availability: float = 1.0,
) -> float:
    """Probability the deployment serves its load (see the module docstring)."""
    n = require_whole("replicas", needed)
    k = require_whole("spares", spares, minimum=0)
    a = require_share("replica_availability", replica_availability)
    r = require_share("region_availability", region_availability)
    regions = require_whole("regions", regions)
    total = n + k
    at_least_n = _binomial_tail(total, n, a)
    one_region = min(1.0, r * at_least_n)
    down: float = (1.0 - one_region) ** regions
    return 1.0 - down


def _binomial_tail(total: int, least: int, a: float) -> float:
    """P(at least ``least`` of ``total`` independent replicas are up), each up with ``a``.

    Summed from ``total`` down in log space (``C(t, i-1) / C(t, i) = i / (t - i + 1)``),
    so large fleets neither build huge integers nor underflow ``a ** total``.
    """
    if a >= 1.0:
        return 1.0
    if a <= 0.0:
        return 1.0 if least == 0 else 0.0
    step = math.log1p(-a) - math.log(a)
    log_term = total * math.log(a)
    terms = [math.exp(log_term)]
    for up in range(total, least, -1):
        log_term += math.log(up / (total - up + 1)) + step
        terms.append(math.exp(log_term))
    return math.fsum(terms)


@dataclass(frozen=True, slots=True)
class AvailabilityTarget:
    """What the workload needs and what one replica (and one region) delivers."""

    target: float
    replica_availability: float
    region_availability: float = 1.0
    max_spares: int = DEFAULT_MAX_SPARES
    max_regions: int = DEFAULT_MAX_REGIONS
    # More spares allowed as the fleet grows: a large fleet loses more replicas at once.
    spares_per_replica: float = 0.0

    def __post_init__(self) -> None:
        require_share("availability_target", self.target)
        require_share("replica_availability", self.replica_availability)
        require_share("region_availability", self.region_availability)
        require_whole("max_spares", self.max_spares, minimum=0)
        require_whole("max_regions", self.max_regions)
        if not math.isfinite(self.spares_per_replica) or self.spares_per_replica < 0:
            raise ScenarioError("spares_per_replica", "must be a number >= 0")

    def spares_limit(self, needed: int) -> int:
        return self.max_spares + math.ceil(self.spares_per_replica * needed)


@dataclass(frozen=True, slots=True)
class ReservePlan:
    needed: int
    spares: int
    regions: int
    availability: float  # with the reserve
    base_availability: float  # N replicas, one region
    target: float

    @property
    def replicas_per_region(self) -> int:
        return self.needed + self.spares

    @property
    def total_replicas(self) -> int:
        return self.regions * (self.needed + self.spares)

    @property
    def reserve_replicas(self) -> int:
        return self.total_replicas - self.needed


ReserveCost = Callable[[int, int], float]  # (regions, replicas per region) -> monthly


@functools.lru_cache(maxsize=65_536)
def _fewest_spares(
    needed: int, regions: int, a: float, r: float, target: float, max_spares: int
) -> tuple[int, float] | None:
    """(spares, availability) of the fewest spares meeting ``target`` in ``regions``.

    More spares in as many regions only cost more, so the first that meets the target
    is the one; cached because every volume of a cost curve asks again.
    """
    for spares in range(max_spares + 1):
        reached = deployment_availability(
            needed=needed,
            spares=spares,
            replica_availability=a,
            regions=regions,
            region_availability=r,
        )
        if reached >= target:
            return spares, reached
    return None


def no_reserve(needed: int) -> ReservePlan:
    return ReservePlan(needed, 0, 1, math.nan, math.nan, math.nan)


def plan_reserve(
    needed: int, target: AvailabilityTarget, *, cost: ReserveCost | None = None
) -> ReservePlan:
    """The reserve that meets ``target.target`` (see the module docstring).

    Raises :class:`ScenarioError` on ``availability_target`` when no candidate within
    ``max_spares`` and ``max_regions`` reaches it.
    """
    needed = require_whole("replicas", needed)
    base = deployment_availability(
        needed=needed,
        spares=0,
        replica_availability=target.replica_availability,
        region_availability=target.region_availability,
    )
    best: tuple[float, int, int, float] | None = None
    max_spares = target.spares_limit(needed)
    for regions in range(1, target.max_regions + 1):
        found = _fewest_spares(
            needed,
            regions,
            target.replica_availability,
            target.region_availability,
            target.target,
            max_spares,
        )
        if found is None:
            continue
        spares, reached = found
        price = 0.0 if cost is None else cost(regions, needed + spares)
        candidate = (price, regions, spares, reached)
        if best is None or candidate[:3] < best[:3]:
            best = candidate
        if cost is None:
            break
    if best is None:
        raise ScenarioError(
            "availability_target",
            f"{target.target} cannot be met with up to {max_spares} spares in up to "
            f"{target.max_regions} regions (replica availability {target.replica_availability}, "
            f"region availability {target.region_availability})",
        )
    _, regions, spares, reached = best
    return ReservePlan(needed, spares, regions, reached, base, target.target)
