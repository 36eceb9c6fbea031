"""What an API offer costs for a month of tokens.

Prices are per 1M tokens. The blended price at input share ``s`` is
``s x input + (1 - s) x output``; the input side itself blends the cached-input rate
over the ``cached_share`` of input tokens and the cache-write rate over the
``cache_write_share`` (:class:`ApiTraffic`) of input tokens written to the provider's
cache (an offer without a cache-write price charges a write as plain input). Offers that
publish only an output price (``input_per_mtok=None``) are priced at that rate on *all*
tokens.

Volume discounts are graduated tiers: tokens between a tier's ``from_tokens`` and the
next tier's are charged at that tier's prices, like income-tax brackets.

How the workload buys its tokens (:class:`ApiTraffic`, all shares default to 0: the
offer's standard prices, exactly as before):

* **Service tiers.** ``batch_share`` / ``priority_share`` / ``flex_share`` of the tokens
  are bought on that tier (:class:`ServiceTier`: its restated prices); the rest on the
  standard one. A price the tier does not restate is the standard price; a tier the
  offer does not sell is bought at standard prices (and counted as standard).
* **Context tiers.** A request whose input exceeds a :class:`ContextTier`'s
  ``above_tokens`` pays that tier's prices on *all* its tokens (the highest tier it
  exceeds; unrestated prices stay standard). The workload states the share of its tokens
  that travel in requests above some input lengths (:class:`ContextShare`); a tier at
  ``T`` reads the share stated at the smallest stated length at or above ``T`` (none: 0),
  so a request is never counted above a threshold the workload did not say it exceeds.
* **Both.** A batch request above a context threshold pays the context tier's price
  times the service tier's ratio to standard for that price (batch halves the
  long-context price as it halves the standard one).
* **Volume tiers** scale every variant of a price by the ratio they apply to its
  standard price.

Worked figure (Claude Sonnet 4.5 on Bedrock, LiteLLM 1.110.2: input $3, output $15,
cache read $0.30, cache write $3.75; batch $1.50 / $7.50; above 200K input tokens $6 /
$22.50 / $0.60 / $7.50): 100M tokens a month, 80% input, half of it read from the cache
and 10% written to it, 40% batch, 25% of the tokens in requests above 200K. Per 1M
tokens 0.32 are uncached input, 0.40 cache reads, 0.08 cache writes, 0.20 output:

====================  ====================================================  =======
cell (weight)         0.32 I + 0.40 C + 0.08 W + 0.20 O                      $/1M
====================  ====================================================  =======
standard (0.45)       0.32 x 3 + 0.40 x 0.30 + 0.08 x 3.75 + 0.20 x 15        4.38
batch (0.30)          0.32 x 1.5 + 0.40 x 0.30 + 0.08 x 3.75 + 0.20 x 7.5     2.40
long (0.15)           0.32 x 6 + 0.40 x 0.60 + 0.08 x 7.5 + 0.20 x 22.5       7.26
batch, long (0.10)    0.32 x 3 + 0.40 x 0.60 + 0.08 x 7.5 + 0.20 x 11.25      4.05
====================  ====================================================  =======

Blended: 0.45 x 4.38 + 0.30 x 2.40 + 0.15 x 7.26 + 0.10 x 4.05 = $4.185 per 1M, so
$418.50 a month. The bill's parts (:func:`api_bill`): standard 0.6 x (0.96 + 3) =
$237.60, batch 0.4 x (0.48 + 1.5) = $79.20, cache reads 0.12 -> $12.00, cache writes
0.30 -> $30.00, long-context surcharge 0.15 x 2.88 + 0.10 x 1.65 = $59.70.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from planner.engine.errors import ScenarioError, require_non_negative, require_share
from planner.engine.units import TOKENS_PER_MTOK

SERVICE_TIERS = ("batch", "priority", "flex")
# The parts of an API bill (:func:`api_bill`), in the order they are shown.
API_PARTS = (
    "api_standard",
    "api_batch",
    "api_priority",
    "api_flex",
    "api_cache_read",
    "api_cache_write",
    "api_long_context",
)
_PRICE_FIELDS = (
    "input_per_mtok",
    "output_per_mtok",
    "cached_input_per_mtok",
    "cache_write_per_mtok",
)
# Shares that should sum to at most 1 may overshoot by a float's rounding.
_SUM_SLACK = 1e-9


@dataclass(frozen=True, slots=True)
class PriceTier:
    """Prices from ``from_tokens`` (per month) upward until the next tier.

    Either explicit per-1M prices or a ``multiplier`` on the offer's base prices
    (0.8 = 20% off). Explicit prices win where given.
    """

    from_tokens: float
    multiplier: float = 1.0
    input_per_mtok: float | None = None
    output_per_mtok: float | None = None
    cached_input_per_mtok: float | None = None

    def __post_init__(self) -> None:
        require_non_negative("tiers.from_tokens", self.from_tokens)
        require_non_negative("tiers.multiplier", self.multiplier)
        for name in ("input_per_mtok", "output_per_mtok", "cached_input_per_mtok"):
            value = getattr(self, name)
            if value is not None:
                require_non_negative(f"tiers.{name}", value)


def _check_prices(field: str, tier: object) -> None:
    for name in _PRICE_FIELDS:
        value = getattr(tier, name)
        if value is not None:
            require_non_negative(f"{field}.{name}", value)


@dataclass(frozen=True, slots=True)
class ServiceTier:
    """The same model bought on another service tier: ``batch`` (asynchronous, usually
    half price), ``priority`` (dearer) or ``flex`` (cheaper, slower). ``None``: the
    standard price."""

    name: str
    input_per_mtok: float | None = None
    output_per_mtok: float | None = None
    cached_input_per_mtok: float | None = None
    cache_write_per_mtok: float | None = None

    def __post_init__(self) -> None:
        if self.name not in SERVICE_TIERS:
            raise ScenarioError("api.service_tiers", f"unknown tier {self.name!r}")
        _check_prices(f"api.service_tiers.{self.name}", self)


@dataclass(frozen=True, slots=True)
class ContextTier:
    """The prices of a request whose input exceeds ``above_tokens`` (on all its tokens).
    ``None``: the standard price."""

    above_tokens: int
    input_per_mtok: float | None = None
    output_per_mtok: float | None = None
    cached_input_per_mtok: float | None = None
    cache_write_per_mtok: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.above_tokens, bool) or not isinstance(self.above_tokens, int):
            raise ScenarioError("api.context_tiers.above_tokens", "must be a whole number")
        if self.above_tokens <= 0:
            raise ScenarioError("api.context_tiers.above_tokens", "must be positive")
        _check_prices("api.context_tiers", self)


@dataclass(frozen=True, slots=True)
class ContextShare:
    """``share`` of the month's tokens travel in requests whose input exceeds
    ``above_tokens``."""

    above_tokens: int
    share: float

    def __post_init__(self) -> None:
        if isinstance(self.above_tokens, bool) or not isinstance(self.above_tokens, int):
            raise ScenarioError("long_context_shares.above_tokens", "must be a whole number")
        if self.above_tokens <= 0:
            raise ScenarioError("long_context_shares.above_tokens", "must be positive")
        require_share("long_context_shares.share", self.share)


@dataclass(frozen=True, slots=True)
class ApiTraffic:
    """How a workload buys its API tokens beyond the input/cached mix (see the module
    docstring). ``cache_write_share`` is a share of the *input* tokens; the service
    shares and the long-context shares are shares of all tokens."""

    cache_write_share: float = 0.0
    batch_share: float = 0.0
    priority_share: float = 0.0
    flex_share: float = 0.0
    long_context_shares: tuple[ContextShare, ...] = ()

    def __post_init__(self) -> None:
        require_share("cache_write_share", self.cache_write_share)
        for name in SERVICE_TIERS:
            require_share(f"{name}_share", getattr(self, f"{name}_share"))
        if sum(self.service_share(name) for name in SERVICE_TIERS) > 1.0 + _SUM_SLACK:
            raise ScenarioError(
                "batch_share", "batch, priority and flex shares must add up to at most 1"
            )
        previous: ContextShare | None = None
        for point in self.long_context_shares:
            if previous is not None and point.above_tokens <= previous.above_tokens:
                raise ScenarioError(
                    "long_context_shares", "input lengths must be strictly increasing"
                )
            if previous is not None and point.share > previous.share:
                raise ScenarioError(
                    "long_context_shares",
                    "a longer input length cannot have a larger share than a shorter one",
                )
            previous = point

    def service_share(self, name: str) -> float:
        share: float = getattr(self, f"{name}_share")
        return share

    def share_above(self, above_tokens: int) -> float:
        """The share of tokens in requests whose input exceeds ``above_tokens``: the share
        stated at the smallest stated length at or above it (none: 0)."""
        for point in self.long_context_shares:
            if point.above_tokens >= above_tokens:
                return point.share
        return 0.0


STANDARD_TRAFFIC = ApiTraffic()


@dataclass(frozen=True, slots=True)
class ApiOffer:
    """One API offer: a model sold by a provider at a date, prices per 1M tokens."""

    output_per_mtok: float
    input_per_mtok: float | None = None
    cached_input_per_mtok: float | None = None
    name: str = "api"
    tiers: tuple[PriceTier, ...] = ()
    cache_write_per_mtok: float | None = None
    service_tiers: tuple[ServiceTier, ...] = ()
    context_tiers: tuple[ContextTier, ...] = ()

    def __post_init__(self) -> None:
        require_non_negative("api.output_per_mtok", self.output_per_mtok)
        if self.input_per_mtok is not None:
            require_non_negative("api.input_per_mtok", self.input_per_mtok)
        for name in ("cached_input_per_mtok", "cache_write_per_mtok"):
            value = getattr(self, name)
            if value is None:
                continue
            require_non_negative(f"api.{name}", value)
            if self.input_per_mtok is None:
                raise ScenarioError(f"api.{name}", "needs api.input_per_mtok (output-only offer)")
        starts = [tier.from_tokens for tier in self.tiers]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise ScenarioError("api.tiers", "tiers must have strictly increasing from_tokens")
        names = [tier.name for tier in self.service_tiers]
        if len(set(names)) != len(names):
            raise ScenarioError("api.service_tiers", "a service tier may be given once")
        above = [tier.above_tokens for tier in self.context_tiers]
        if above != sorted(set(above)):
            raise ScenarioError(
                "api.context_tiers", "context tiers must have strictly increasing above_tokens"
            )

    @property
    def output_only(self) -> bool:
        return self.input_per_mtok is None

    def service_tier(self, name: str) -> ServiceTier | None:
        return next((tier for tier in self.service_tiers if tier.name == name), None)

    def tier_prices(self) -> list[tuple[float, ApiOffer]]:
        """Segments ``(from_tokens, flat offer)``; the first starts at 0 with base prices."""
        segments: list[tuple[float, ApiOffer]] = []
        base = dataclasses.replace(self, tiers=())
        if not self.tiers or self.tiers[0].from_tokens > 0:
            segments.append((0.0, base))
        for tier in self.tiers:
            segments.append((tier.from_tokens, _apply_tier(base, tier)))
        return segments


def _apply_tier(base: ApiOffer, tier: PriceTier) -> ApiOffer:
    def pick(explicit: float | None, base_price: float | None) -> float | None:
        if explicit is not None:
            return explicit
        return None if base_price is None else base_price * tier.multiplier

    output = pick(tier.output_per_mtok, base.output_per_mtok)
    assert output is not None
    flat = ApiOffer(
        output_per_mtok=output,
        input_per_mtok=pick(tier.input_per_mtok, base.input_per_mtok),
        cached_input_per_mtok=pick(tier.cached_input_per_mtok, base.cached_input_per_mtok),
        name=base.name,
        cache_write_per_mtok=pick(None, base.cache_write_per_mtok),
    )
    if not base.service_tiers and not base.context_tiers:
        return flat
    # The volume tier moves every variant of a price by the ratio it moves the standard one.
    ratios = [
        new / old if old and new is not None else 1.0
        for old, new in zip(_list_prices(base), _list_prices(flat), strict=True)
    ]
    return dataclasses.replace(
        flat,
        service_tiers=tuple(_scaled(t, ratios) for t in base.service_tiers),
        context_tiers=tuple(_scaled(t, ratios) for t in base.context_tiers),
    )


_Tier = TypeVar("_Tier", ServiceTier, ContextTier)


def _scaled(tier: _Tier, ratios: list[float]) -> _Tier:
    changes = {}
    for name, ratio in zip(_PRICE_FIELDS, ratios, strict=True):
        value = getattr(tier, name)
        if value is not None:
            changes[name] = value * ratio
    return dataclasses.replace(tier, **changes)


# --- the prices of one cell: a service tier x a context band ------------------------------


class _Prices(NamedTuple):
    """Resolved prices per 1M: ``input`` is None for an output-only offer."""

    input: float | None
    output: float
    cached: float | None
    write: float | None


def _list_prices(offer: ApiOffer) -> _Prices:
    """The standard prices; an absent cached or write price is the input price."""
    i = offer.input_per_mtok
    c = i if offer.cached_input_per_mtok is None else offer.cached_input_per_mtok
    w = i if offer.cache_write_per_mtok is None else offer.cache_write_per_mtok
    return _Prices(i, offer.output_per_mtok, c, w)


def _restated(offer: ApiOffer, tier: ServiceTier | ContextTier) -> _Prices:
    """A tier's prices: what it restates, else the standard price; an offer without a
    cached or write price charges those tokens at the tier's input price."""

    def pick(own: float | None, standard: float | None) -> float | None:
        return standard if own is None else own

    i = pick(tier.input_per_mtok, offer.input_per_mtok)
    o = pick(tier.output_per_mtok, offer.output_per_mtok)
    assert o is not None
    c = pick(tier.cached_input_per_mtok, pick(offer.cached_input_per_mtok, i))
    w = pick(tier.cache_write_per_mtok, pick(offer.cache_write_per_mtok, i))
    return _Prices(i, o, c, w)


def _combined(standard: _Prices, service: _Prices, context: _Prices) -> _Prices:
    """A service tier's ratio to standard applied to a context tier's price."""

    def one(s: float | None, v: float | None, c: float | None) -> float | None:
        if c is None or v is None or not s:
            return c
        return c * (v / s)

    i, o, cached, write = (one(*t) for t in zip(standard, service, context, strict=True))
    assert o is not None
    return _Prices(i, o, cached, write)


class _Cell(NamedTuple):
    service: str | None  # None: standard
    weight: float  # share of all tokens
    prices: _Prices
    service_base: _Prices  # the same service tier below every context threshold


def _cells(offer: ApiOffer, traffic: ApiTraffic) -> list[_Cell]:
    """The (service tier, context band) cells of a flat offer with a positive weight."""
    standard = _list_prices(offer)
    services: list[tuple[str | None, float, _Prices]] = []
    sold = [
        (tier, traffic.service_share(tier.name))
        for tier in offer.service_tiers
        if traffic.service_share(tier.name) > 0
    ]
    services.append((None, max(0.0, 1.0 - sum(share for _, share in sold)), standard))
    services += [(tier.name, share, _restated(offer, tier)) for tier, share in sold]
    # Bands: below the first threshold, then each tier up to the next one.
    above = [traffic.share_above(tier.above_tokens) for tier in offer.context_tiers]
    bands: list[tuple[ContextTier | None, float]] = [(None, 1.0 - (above[0] if above else 0.0))]
    for index, context_tier in enumerate(offer.context_tiers):
        following = above[index + 1] if index + 1 < len(above) else 0.0
        bands.append((context_tier, max(0.0, above[index] - following)))
    cells = []
    for name, service_weight, service_prices in services:
        for band, band_weight in bands:
            weight = service_weight * band_weight
            if weight <= 0:
                continue
            if band is None:
                prices = service_prices
            elif name is None:
                prices = _restated(offer, band)
            else:
                prices = _combined(standard, service_prices, _restated(offer, band))
            cells.append(_Cell(name, weight, prices, service_prices))
    return cells


def uncached_input_share(*, cached_share: float, traffic: ApiTraffic) -> float:
    """The share of input tokens neither read from nor written to the cache; refuses
    cached and written shares that add up to more than the input."""
    cached_share = require_share("cached_share", cached_share)
    if cached_share + traffic.cache_write_share > 1.0 + _SUM_SLACK:
        raise ScenarioError(
            "cache_write_share", "cached_share + cache_write_share must be at most 1"
        )
    return max(0.0, 1.0 - cached_share - traffic.cache_write_share)


def _cell_price(p: _Prices, *, input_share: float, cached_share: float, write: float) -> float:
    if p.input is None:
        return p.output
    assert p.cached is not None
    assert p.write is not None
    input_price = (1.0 - cached_share - write) * p.input + cached_share * p.cached
    if write:
        input_price += write * p.write
    return input_share * input_price + (1.0 - input_share) * p.output


def blended_price_per_mtok(
    offer: ApiOffer,
    *,
    input_share: float = 0.5,
    cached_share: float = 0.0,
    traffic: ApiTraffic = STANDARD_TRAFFIC,
) -> float:
    """Price per 1M tokens at this mix, ignoring volume tiers (the base prices)."""
    input_share = require_share("input_share", input_share)
    uncached_input_share(cached_share=cached_share, traffic=traffic)
    total = 0.0
    for cell in _cells(offer, traffic):
        price = _cell_price(
            cell.prices,
            input_share=input_share,
            cached_share=cached_share,
            write=traffic.cache_write_share,
        )
        total += cell.weight * price
    return total


def price_parts_per_mtok(
    offer: ApiOffer,
    *,
    input_share: float = 0.5,
    cached_share: float = 0.0,
    traffic: ApiTraffic = STANDARD_TRAFFIC,
) -> dict[str, float]:
    """:func:`blended_price_per_mtok` split into :data:`API_PARTS` (base prices).

    The standard and service-tier parts are the uncached input and the output, the cache
    parts the cached and written input, each at prices below every context threshold;
    the long-context part is what the context tiers add on top. The parts sum to the
    blended price.
    """
    input_share = require_share("input_share", input_share)
    uncached = uncached_input_share(cached_share=cached_share, traffic=traffic)
    write = traffic.cache_write_share
    parts = dict.fromkeys(API_PARTS, 0.0)
    for cell in _cells(offer, traffic):
        base = cell.service_base
        key = "api_standard" if cell.service is None else f"api_{cell.service}"
        if base.input is None:
            parts[key] += cell.weight * base.output
        else:
            assert base.cached is not None
            assert base.write is not None
            parts[key] += cell.weight * (
                input_share * uncached * base.input + (1.0 - input_share) * base.output
            )
            parts["api_cache_read"] += cell.weight * input_share * cached_share * base.cached
            parts["api_cache_write"] += cell.weight * input_share * write * base.write
        if cell.prices is not base:
            long, short = (
                _cell_price(p, input_share=input_share, cached_share=cached_share, write=write)
                for p in (cell.prices, base)
            )
            parts["api_long_context"] += cell.weight * (long - short)
    return parts


@dataclass(frozen=True, slots=True)
class ApiBill:
    """A month's API bill and its parts (:data:`API_PARTS`, summing to ``monthly``)."""

    monthly: float
    parts: dict[str, float]


def api_monthly_cost(
    offer: ApiOffer,
    *,
    tokens_per_month: float,
    input_share: float = 0.5,
    cached_share: float = 0.0,
    traffic: ApiTraffic = STANDARD_TRAFFIC,
) -> float:
    """Monthly bill for ``tokens_per_month`` tokens, graduated tiers applied."""
    tokens = require_non_negative("tokens_per_month", tokens_per_month)
    total = 0.0
    segments = _segments(offer, input_share=input_share, cached_share=cached_share, traffic=traffic)
    for start, end, price in segments:
        if tokens <= start:
            break
        total += (min(tokens, end) - start) * price / TOKENS_PER_MTOK
    return total


def api_bill(
    offer: ApiOffer,
    *,
    tokens_per_month: float,
    input_share: float = 0.5,
    cached_share: float = 0.0,
    traffic: ApiTraffic = STANDARD_TRAFFIC,
) -> ApiBill:
    """:func:`api_monthly_cost` and its parts, each volume tier's tokens at its prices."""
    tokens = require_non_negative("tokens_per_month", tokens_per_month)
    monthly = api_monthly_cost(
        offer,
        tokens_per_month=tokens,
        input_share=input_share,
        cached_share=cached_share,
        traffic=traffic,
    )
    parts = dict.fromkeys(API_PARTS, 0.0)
    segments = offer.tier_prices()
    for index, (start, flat) in enumerate(segments):
        end = segments[index + 1][0] if index + 1 < len(segments) else math.inf
        if tokens <= start:
            break
        billed = (min(tokens, end) - start) / TOKENS_PER_MTOK
        prices = price_parts_per_mtok(
            flat, input_share=input_share, cached_share=cached_share, traffic=traffic
        )
        for key, price in prices.items():
            parts[key] += billed * price
    return ApiBill(monthly, parts)


def api_tokens_for_spend(
    offer: ApiOffer,
    *,
    monthly_spend: float,
    input_share: float = 0.5,
    cached_share: float = 0.0,
    traffic: ApiTraffic = STANDARD_TRAFFIC,
) -> float | None:
    """Inverse of :func:`api_monthly_cost`: tokens a month that cost ``monthly_spend``.

    ``None`` when no volume reaches that spend (the marginal price falls to zero first).
    """
    spend = require_non_negative("monthly_spend", monthly_spend)
    if spend == 0:
        return 0.0
    spent = 0.0
    segments = _segments(offer, input_share=input_share, cached_share=cached_share, traffic=traffic)
    for start, end, price in segments:
        segment_cost = (end - start) * price / TOKENS_PER_MTOK if price > 0 else 0.0
        if price > 0 and spent + segment_cost >= spend:
            return start + (spend - spent) * TOKENS_PER_MTOK / price
        spent += segment_cost
    return None


def _segments(
    offer: ApiOffer,
    *,
    input_share: float,
    cached_share: float,
    traffic: ApiTraffic = STANDARD_TRAFFIC,
) -> Sequence[tuple[float, float, float]]:
    """``(start, end, blended price per 1M)`` for each tier, the last open-ended."""
    tiers = offer.tier_prices()
    segments = []
    for index, (start, flat) in enumerate(tiers):
        end = tiers[index + 1][0] if index + 1 < len(tiers) else math.inf
        price = blended_price_per_mtok(
            flat, input_share=input_share, cached_share=cached_share, traffic=traffic
        )
        segments.append((start, end, price))
    return segments
