"""First winning volume: where one option first costs no more than another, exactly.

Cost curves over whole-token monthly volumes ``0 .. limit`` (1 trillion by default) are
piecewise linear: the API through its volume tiers, self-hosting a fixed cost plus a
step at every replica (plus a slope and a cap under scale-to-zero). Each curve lists the
volumes where a new linear piece starts (:attr:`CostCurve.breakpoints`, with a token or
two either side of every computed boundary so float rounding cannot hide one). Between
the merged breakpoints both curves are linear, so where ``a <= b`` is one interval of the
piece, found with a binary search on whole tokens using the real cost functions.

The answer is the full set of volumes where the challenger wins, as intervals, so a
result never hides a later step that makes the win false: :class:`FirstWin` gives the
first winning volume, whether the win holds up to the limit, the volume where it is lost
again if it is, and the volume from which it wins for good (if it does below the limit).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from planner.engine.api import STANDARD_TRAFFIC, ApiOffer, ApiTraffic, _segments
from planner.engine.errors import ScenarioError
from planner.engine.fleet import DEFAULT_ANALYSIS_MONTHS, Lens, Serving, require_whole
from planner.engine.owned import ServerFinance, energy_per_token, owned_cost
from planner.engine.rented import RentedCapacity, rented_cost
from planner.engine.reserve import AvailabilityTarget
from planner.engine.selfhost import BillingMode
from planner.engine.units import HOURS_PER_MONTH, TOKENS_PER_MTOK, format_tokens

DEFAULT_LIMIT_TOKENS = 10**12
MAX_STEPS = 200_000

Interval = tuple[int, int]  # inclusive whole-token volumes


@dataclass(frozen=True, eq=False)
class CostCurve:
    """A monthly cost as a function of whole tokens a month, linear between breakpoints."""

    name: str
    kind: str  # "api", "rented", "owned" or anything else
    cost: Callable[[int], float]
    breakpoints: Callable[[int], Sequence[int]] = field(default=lambda limit: ())


def _around(x: float) -> tuple[int, ...]:
    """Whole tokens around a computed boundary: pieces of one token absorb rounding."""
    base = math.floor(x)
    return (base - 1, base, base + 1, base + 2)


def api_curve(
    offer: ApiOffer,
    *,
    input_share: float = 0.5,
    cached_share: float = 0.0,
    traffic: ApiTraffic = STANDARD_TRAFFIC,
) -> CostCurve:
    # The tier segments once, then the same sum as api_monthly_cost (bit for bit).
    segments = _segments(offer, input_share=input_share, cached_share=cached_share, traffic=traffic)

    def cost(volume: int) -> float:
        total = 0.0
        for start, end, price in segments:
            if volume <= start:
                break
            total += (min(volume, end) - start) * price / TOKENS_PER_MTOK
        return total

    def breakpoints(limit: int) -> list[int]:
        return [v for tier in offer.tiers for v in _around(tier.from_tokens)]

    return CostCurve(offer.name, "api", cost, breakpoints)


def step_curve(
    name: str, *, fixed: float, step_cost: float, step_tokens: float, kind: str = "selfhost"
) -> CostCurve:
    """``fixed + step_cost x max(1, ceil(volume / step_tokens))``: a replica per step."""
    if not step_tokens > 0:
        raise ScenarioError("step_tokens", "must be a positive number")

    def cost(volume: int) -> float:
        return fixed + step_cost * max(1, math.ceil(volume / step_tokens))

    def breakpoints(limit: int) -> list[int]:
        return _step_points(name, step_tokens, limit)

    return CostCurve(name, kind, cost, breakpoints)


def _step_points(name: str, step_tokens: float, limit: int) -> list[int]:
    steps = math.ceil(limit / step_tokens)
    if steps > MAX_STEPS:
        raise ScenarioError(
            "limit_tokens",
            f"{name} takes more than {MAX_STEPS:,} replica steps up to "
            f"{format_tokens(limit)} tokens/month: lower the limit",
        )
    return [v for j in range(1, steps + 1) for v in _around(j * step_tokens)]


def rented_curve(
    capacity: RentedCapacity,
    *,
    lens: Lens = Lens.FULL,
    analysis_months: float = DEFAULT_ANALYSIS_MONTHS,
    availability: AvailabilityTarget | None = None,
    hours_per_month: float = HOURS_PER_MONTH,
) -> CostCurve:
    serving = capacity.serving
    window = capacity.serving_hours(hours_per_month)
    step = serving.replica_capacity(hours=window) / serving.peak_to_average
    scale_to_zero = capacity.billing.mode is BillingMode.SCALE_TO_ZERO

    def exact(volume: int) -> float:
        return rented_cost(
            capacity,
            tokens_per_month=volume,
            lens=lens,
            analysis_months=analysis_months,
            availability=availability,
            hours_per_month=hours_per_month,
        ).monthly

    memo: dict[int, float] = {}
    # Serving.replicas_for's arithmetic, without re-checking its inputs at every volume.
    planned = serving.replica_capacity(hours=window)

    def cost(volume: int) -> float:
        if scale_to_zero:
            return exact(volume)
        # Always-on and window costs depend on the volume only through the replicas.
        replicas = max(1, math.ceil(volume * serving.peak_to_average / planned))
        if replicas not in memo:
            memo[replicas] = exact(volume)
        return memo[replicas]

    def breakpoints(limit: int) -> list[int]:
        points = _step_points(capacity.name, step, limit)
        if scale_to_zero:
            points.extend(_scale_to_zero_points(capacity, limit, hours_per_month))
        return points

    exact(0)
    return CostCurve(capacity.name, "rented", cost, breakpoints)


def _scale_to_zero_points(capacity: RentedCapacity, limit: int, hours: float) -> list[int]:
    """Where the scale-to-zero bill changes slope (see ``rented.occupied_instance_hours``).

    The occupied instance-hours are linear in the volume between the volumes where the
    average number of busy replicas ``c`` is whole; the bill stops growing where
    ``occupied x (1 + buffer)`` reaches the fleet's instances all month, a fleet that
    itself steps with the replicas needed.
    """
    serving = capacity.serving
    per_token = serving.busy_replica_hours(1.0) / hours  # busy replicas per token/month
    buffer = 1.0 + capacity.billing.buffer_fraction
    points: list[int] = []
    for k in range(math.ceil(limit * per_token) + 1):
        low, high = k / per_token, (k + 1) / per_token
        points.extend(_around(low))
        a, b = capacity.pack(k).units, capacity.pack(k + 1).units
        if b == a:
            continue
        first = serving.replicas_for(min(low, limit), hours=hours)
        last = serving.replicas_for(min(high, limit), hours=hours)
        for replicas in range(first, last + 1):
            cap = capacity.pack(replicas).units / buffer
            share = (cap - a) / (b - a)
            if 0.0 < share < 1.0:
                points.extend(_around((k + share) / per_token))
    return points


def owned_curve(
    finance: ServerFinance,
    serving: Serving,
    *,
    lens: Lens = Lens.FULL,
    analysis_months: float = DEFAULT_ANALYSIS_MONTHS,
    availability: AvailabilityTarget | None = None,
    hours_per_month: float = HOURS_PER_MONTH,
) -> CostCurve:
    step = serving.replica_capacity(hours=hours_per_month) / serving.peak_to_average
    memo: dict[int, float] = {}
    planned = serving.replica_capacity(hours=hours_per_month)
    per_token = energy_per_token(finance, serving)

    def cost(volume: int) -> float:
        # OwnedCost.monthly's sum: the part fixed by the replicas, then the GPU energy
        # the tokens take (linear in them, so the pieces between steps stay linear).
        replicas = max(1, math.ceil(volume * serving.peak_to_average / planned))
        if replicas not in memo:
            memo[replicas] = owned_cost(
                finance,
                serving,
                tokens_per_month=volume,
                lens=lens,
                analysis_months=analysis_months,
                availability=availability,
                hours_per_month=hours_per_month,
            ).fixed_monthly
        return memo[replicas] + volume * per_token

    def breakpoints(limit: int) -> list[int]:
        return _step_points(finance.name, step, limit)

    cost(0)
    return CostCurve(finance.name, "owned", cost, breakpoints)


def costs_no_more(a: float, b: float) -> bool:
    """``a <= b`` up to float noise (1e-13 of the larger figure, far below a token's price)."""
    return a - b <= 1e-13 * max(1.0, abs(a), abs(b))


def win_intervals(challenger: CostCurve, incumbent: CostCurve, *, limit: int) -> list[Interval]:
    """Every whole-token volume in ``[0, limit]`` where ``challenger`` costs no more."""
    limit = require_whole("limit_tokens", limit)
    starts = sorted(
        {0}
        | {
            v
            for curve in (challenger, incumbent)
            for v in curve.breakpoints(limit)
            if 0 <= v <= limit
        }
    )

    def wins(volume: int) -> bool:
        return costs_no_more(challenger.cost(volume), incumbent.cost(volume))

    intervals: list[Interval] = []

    def add(low: int, high: int) -> None:
        if intervals and intervals[-1][1] + 1 >= low:
            intervals[-1] = (intervals[-1][0], high)
        else:
            intervals.append((low, high))

    for index, low in enumerate(starts):
        high = starts[index + 1] - 1 if index + 1 < len(starts) else limit
        first = wins(low)
        last = first if high == low else wins(high)
        if first and last:
            add(low, high)
        elif first:  # wins at the start of the piece, loses by its end
            add(low, _search(wins, low, high, want=False) - 1)
        elif last:
            add(_search(wins, low, high, want=True), high)
    return intervals


def _search(wins: Callable[[int], bool], low: int, high: int, *, want: bool) -> int:
    """First volume in ``(low, high]`` where ``wins`` is ``want`` (it is at ``high``)."""
    while high - low > 1:
        middle = (low + high) // 2
        if wins(middle) == want:
            high = middle
        else:
            low = middle
    return high


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        low, high = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if low <= high:
            out.append((low, high))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def union(sets: Iterable[Sequence[Interval]]) -> list[Interval]:
    out: list[Interval] = []
    for low, high in sorted(interval for intervals in sets for interval in intervals):
        if out and out[-1][1] + 1 >= low:
            out[-1] = (out[-1][0], max(out[-1][1], high))
        else:
            out.append((low, high))
    return out


@dataclass(frozen=True, slots=True)
class FirstWin:
    """Where ``challenger`` first costs no more than ``incumbent``, and whether it lasts."""

    challenger: str
    incumbent: str
    volume: int | None
    holds_to_limit: bool
    lost_at: int | None
    wins_for_good_from: int | None
    limit: int
    intervals: tuple[Interval, ...]

    @property
    def reason(self) -> str:
        limit = format_tokens(self.limit)
        if self.volume is None:
            return f"{self.challenger} never costs no more than {self.incumbent} up to {limit} tokens/month"
        head = (
            f"{self.challenger} costs no more than {self.incumbent} from "
            f"{format_tokens(self.volume)} tokens/month"
        )
        if self.holds_to_limit:
            return f"{head}, and stays so up to {limit} tokens/month"
        assert self.lost_at is not None
        tail = (
            f"wins for good from {format_tokens(self.wins_for_good_from)}"
            if self.wins_for_good_from is not None
            else f"does not win for good below {limit}"
        )
        return f"{head}, but is dearer again at {format_tokens(self.lost_at)} ({tail})"


def first_win_from(
    intervals: Sequence[Interval], *, challenger: str, incumbent: str, limit: int
) -> FirstWin:
    if not intervals:
        return FirstWin(challenger, incumbent, None, False, None, None, limit, ())
    first_low, first_high = intervals[0]
    holds = first_high == limit
    for_good = intervals[-1][0] if intervals[-1][1] == limit else None
    return FirstWin(
        challenger=challenger,
        incumbent=incumbent,
        volume=first_low,
        holds_to_limit=holds,
        lost_at=None if holds else first_high + 1,
        wins_for_good_from=for_good,
        limit=limit,
        intervals=tuple(intervals),
    )


def first_win(
    challenger: CostCurve, incumbent: CostCurve, *, limit: int = DEFAULT_LIMIT_TOKENS
) -> FirstWin:
    """The first whole-token volume where ``challenger`` costs no more than ``incumbent``."""
    return first_win_from(
        win_intervals(challenger, incumbent, limit=limit),
        challenger=challenger.name,
        incumbent=incumbent.name,
        limit=limit,
    )


MILESTONES: tuple[tuple[str, str, str | None], ...] = (
    # (milestone, challengers' kind, incumbents' kind or None for every other option)
    ("rented_beats_api", "rented", "api"),
    ("owned_beats_api", "owned", "api"),
    ("rented_cheapest_overall", "rented", None),
    ("owned_cheapest_overall", "owned", None),
)


@dataclass(frozen=True, slots=True)
class Crossovers:
    pairs: tuple[FirstWin, ...]  # every ordered pair (challenger, incumbent)
    milestones: dict[str, FirstWin]  # only those whose kinds are present

    def pair(self, challenger: str, incumbent: str) -> FirstWin:
        for item in self.pairs:
            if (item.challenger, item.incumbent) == (challenger, incumbent):
                return item
        raise KeyError((challenger, incumbent))


def crossovers(curves: Sequence[CostCurve], *, limit: int = DEFAULT_LIMIT_TOKENS) -> Crossovers:
    """Pairwise first wins and the milestones ("rented beats API", ...).

    A milestone's challengers win where *some* challenger costs no more than every
    incumbent: the union over challengers of the intersection of their pairwise sets.
    """
    names = [curve.name for curve in curves]
    if len(set(names)) != len(names):
        raise ScenarioError("options", "option names must be unique")
    sets = {
        (x.name, y.name): win_intervals(x, y, limit=limit)
        for x in curves
        for y in curves
        if x is not y
    }
    pairs = tuple(
        first_win_from(found, challenger=x, incumbent=y, limit=limit)
        for (x, y), found in sets.items()
    )
    milestones: dict[str, FirstWin] = {}
    for milestone, kind, against in MILESTONES:
        challengers = [c for c in curves if c.kind == kind]
        incumbents = [c for c in curves if (c.kind == against if against else True)]
        if not challengers or not any(i.kind != kind for i in incumbents):
            continue
        per_challenger = []
        for challenger in challengers:
            found: list[Interval] = [(0, limit)]
            for incumbent in incumbents:
                if incumbent is not challenger:
                    found = intersect(found, sets[(challenger.name, incumbent.name)])
            per_challenger.append(found)
        milestones[milestone] = first_win_from(
            union(per_challenger),
            challenger=kind,
            incumbent=against or "every other option",
            limit=limit,
        )
    return Crossovers(pairs, milestones)
