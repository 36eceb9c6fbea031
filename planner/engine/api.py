"""What an API offer costs for a month of tokens.

Prices are per 1M tokens. The blended price at input share ``s`` is
``s x input + (1 - s) x output``; the input side itself blends the cached-input rate
over the ``cached_share`` of input tokens. Offers that publish only an output price
(``input_per_mtok=None``) are priced at that rate on *all* tokens.

Volume discounts are graduated tiers: tokens between a tier's ``from_tokens`` and the
next tier's are charged at that tier's prices, like income-tax brackets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from planner.engine.errors import ScenarioError, require_non_negative, require_share
from planner.engine.units import TOKENS_PER_MTOK


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


@dataclass(frozen=True, slots=True)
class ApiOffer:
    """One API offer: a model sold by a provider at a date, prices per 1M tokens."""

    output_per_mtok: float
    input_per_mtok: float | None = None
    cached_input_per_mtok: float | None = None
    name: str = "api"
    tiers: tuple[PriceTier, ...] = ()

    def __post_init__(self) -> None:
        require_non_negative("api.output_per_mtok", self.output_per_mtok)
        if self.input_per_mtok is not None:
            require_non_negative("api.input_per_mtok", self.input_per_mtok)
        if self.cached_input_per_mtok is not None:
            require_non_negative("api.cached_input_per_mtok", self.cached_input_per_mtok)
            if self.input_per_mtok is None:
                raise ScenarioError(
                    "api.cached_input_per_mtok", "needs api.input_per_mtok (output-only offer)"
                )
        starts = [tier.from_tokens for tier in self.tiers]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise ScenarioError("api.tiers", "tiers must have strictly increasing from_tokens")

    @property
    def output_only(self) -> bool:
        return self.input_per_mtok is None

    def tier_prices(self) -> list[tuple[float, ApiOffer]]:
        """Segments ``(from_tokens, flat offer)``; the first starts at 0 with base prices."""
        segments: list[tuple[float, ApiOffer]] = []
        base = ApiOffer(
            output_per_mtok=self.output_per_mtok,
            input_per_mtok=self.input_per_mtok,
            cached_input_per_mtok=self.cached_input_per_mtok,
            name=self.name,
        )
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
    return ApiOffer(
        output_per_mtok=output,
        input_per_mtok=pick(tier.input_per_mtok, base.input_per_mtok),
        cached_input_per_mtok=pick(tier.cached_input_per_mtok, base.cached_input_per_mtok),
        name=base.name,
    )


def blended_price_per_mtok(
    offer: ApiOffer, *, input_share: float = 0.5, cached_share: float = 0.0
) -> float:
    """Price per 1M tokens at this mix, ignoring volume tiers (the base prices)."""
    input_share = require_share("input_share", input_share)
    cached_share = require_share("cached_share", cached_share)
    if offer.input_per_mtok is None:
        return offer.output_per_mtok
    cached = (
        offer.input_per_mtok if offer.cached_input_per_mtok is None else offer.cached_input_per_mtok
    )
    input_price = (1.0 - cached_share) * offer.input_per_mtok + cached_share * cached
    return input_share * input_price + (1.0 - input_share) * offer.output_per_mtok


def api_monthly_cost(
    offer: ApiOffer,
    *,
    tokens_per_month: float,
    input_share: float = 0.5,
    cached_share: float = 0.0,
) -> float:
    """Monthly bill for ``tokens_per_month`` tokens, graduated tiers applied."""
    tokens = require_non_negative("tokens_per_month", tokens_per_month)
    total = 0.0
    for start, end, price in _segments(offer, input_share=input_share, cached_share=cached_share):
        if tokens <= start:
            break
        total += (min(tokens, end) - start) * price / TOKENS_PER_MTOK
    return total


def api_tokens_for_spend(
    offer: ApiOffer, *, monthly_spend: float, input_share: float = 0.5, cached_share: float = 0.0
) -> float | None:
    """Inverse of :func:`api_monthly_cost`: tokens a month that cost ``monthly_spend``.

    ``None`` when no volume reaches that spend (the marginal price falls to zero first).
    """
    spend = require_non_negative("monthly_spend", monthly_spend)
    if spend == 0:
        return 0.0
    spent = 0.0
    for start, end, price in _segments(offer, input_share=input_share, cached_share=cached_share):
        segment_cost = (end - start) * price / TOKENS_PER_MTOK if price > 0 else 0.0
        if price > 0 and spent + segment_cost >= spend:
            return start + (spend - spent) * TOKENS_PER_MTOK / price
        spent += segment_cost
    return None


def _segments(
    offer: ApiOffer, *, input_share: float, cached_share: float
) -> Sequence[tuple[float, float, float]]:
    """``(start, end, blended price per 1M)`` for each tier, the last open-ended."""
    tiers = offer.tier_prices()
    segments = []
    for index, (start, flat) in enumerate(tiers):
        end = tiers[index + 1][0] if index + 1 < len(tiers) else math.inf
        price = blended_price_per_mtok(flat, input_share=input_share, cached_share=cached_share)
        segments.append((start, end, price))
    return segments
