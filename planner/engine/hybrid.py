"""Hybrid routing: part of the traffic on a cheap or self-hosted model, the rest on a
premium API, plus escalations (cheap-routed requests re-sent to the premium model)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from planner.engine.api import ApiOffer, api_monthly_cost
from planner.engine.errors import require_non_negative, require_share
from planner.engine.selfhost import SelfHostConfig, selfhost_monthly_cost
from planner.engine.units import HOURS_PER_MONTH


@dataclass(frozen=True, slots=True)
class HybridResult:
    cheap_tokens: float
    premium_tokens: float
    cheap_monthly: float
    premium_monthly: float
    monthly: float
    all_premium_monthly: float
    all_cheap_monthly: float

    @property
    def savings_vs_all_premium(self) -> float:
        return self.all_premium_monthly - self.monthly

    @property
    def savings_vs_all_cheap(self) -> float:
        """Positive when routing beats sending everything to the cheap route."""
        return self.all_cheap_monthly - self.monthly


@dataclass(frozen=True, slots=True)
class RouteCost:
    cheap_tokens: float
    premium_tokens: float
    cheap_monthly: float
    premium_monthly: float

    @property
    def monthly(self) -> float:
        return self.cheap_monthly + self.premium_monthly


def route_cost(
    *,
    tokens_per_month: float,
    routed_share: float,
    escalation_rate: float,
    premium_cost: Callable[[float], float],
    cheap_cost: Callable[[float], float],
) -> RouteCost:
    """Route ``routed_share`` of the tokens to the cheap route and the rest to the premium.

    Escalated requests were already processed by the cheap route and are paid again on
    the premium one: premium tokens = ``(1 - r) V + e r V``.
    """
    volume = require_non_negative("tokens_per_month", tokens_per_month)
    routed = require_share("routed_share", routed_share)
    escalation = require_share("escalation_rate", escalation_rate)
    cheap_tokens = volume * routed
    premium_tokens = volume * (1.0 - routed) + cheap_tokens * escalation
    return RouteCost(
        cheap_tokens=cheap_tokens,
        premium_tokens=premium_tokens,
        cheap_monthly=cheap_cost(cheap_tokens),
        premium_monthly=premium_cost(premium_tokens),
    )


def hybrid_cost(
    *,
    tokens_per_month: float,
    routed_share: float,
    premium: ApiOffer,
    cheap: ApiOffer | SelfHostConfig,
    escalation_rate: float = 0.0,
    input_share: float = 0.5,
    cached_share: float = 0.0,
    hours_per_month: float = HOURS_PER_MONTH,
) -> HybridResult:
    """Cost of routing ``routed_share`` of the tokens to ``cheap`` and the rest to ``premium``."""
    volume = require_non_negative("tokens_per_month", tokens_per_month)

    def premium_cost(tokens: float) -> float:
        return api_monthly_cost(
            premium, tokens_per_month=tokens, input_share=input_share, cached_share=cached_share
        )

    def cheap_cost(tokens: float) -> float:
        if isinstance(cheap, ApiOffer):
            return api_monthly_cost(
                cheap, tokens_per_month=tokens, input_share=input_share, cached_share=cached_share
            )
        return selfhost_monthly_cost(
            cheap, tokens_per_month=tokens, hours_per_month=hours_per_month
        )

    route = route_cost(
        tokens_per_month=volume,
        routed_share=routed_share,
        escalation_rate=escalation_rate,
        premium_cost=premium_cost,
        cheap_cost=cheap_cost,
    )
    return HybridResult(
        cheap_tokens=route.cheap_tokens,
        premium_tokens=route.premium_tokens,
        cheap_monthly=route.cheap_monthly,
        premium_monthly=route.premium_monthly,
        monthly=route.monthly,
        all_premium_monthly=premium_cost(volume),
        all_cheap_monthly=cheap_cost(volume),
    )
