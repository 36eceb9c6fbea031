"""The monthly volume at which self-hosting and an API cost the same.

For one deployment (one replica) with a fixed monthly cost ``F`` and an API at blended
price ``p`` per token, break-even is ``F / p``. A volume the deployment cannot serve is
not an answer: beyond one replica's capacity the comparison is a different deployment,
so the result is ``None`` with the reason spelled out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.engine.api import STANDARD_TRAFFIC, ApiOffer, ApiTraffic, _segments
from planner.engine.errors import require_non_negative, require_positive
from planner.engine.units import TOKENS_PER_MTOK, format_tokens, format_usd


@dataclass(frozen=True, slots=True)
class BreakEven:
    tokens_per_month: float | None
    reason: str
    capacity_tokens_per_month: float
    selfhost_fixed_monthly: float

    @property
    def reachable(self) -> bool:
        return self.tokens_per_month is not None


def breakeven_volume(
    offer: ApiOffer,
    *,
    selfhost_fixed_monthly: float,
    capacity_tokens_per_month: float,
    input_share: float = 0.5,
    cached_share: float = 0.0,
    selfhost_variable_per_mtok: float = 0.0,
    traffic: ApiTraffic = STANDARD_TRAFFIC,
) -> BreakEven:
    """Where the API bill first reaches self-hosting's on one deployment.

    Self-hosting costs ``fixed + variable x volume`` (variable is non-zero only for
    scale-to-zero billing); the API is piecewise linear through its volume tiers.

    Ties: a break-even exactly at ``capacity_tokens_per_month`` is reachable (the
    deployment serves that volume); only a volume above the capacity is not. A crossing
    exactly at the end of a tier is looked for in the next tier; when the API's price
    there does not exceed self-hosting's variable cost, the two bills only touch and
    self-hosting is never cheaper: no break-even.
    """
    fixed = require_non_negative("selfhost_fixed_monthly", selfhost_fixed_monthly)
    capacity = require_positive("capacity_tokens_per_month", capacity_tokens_per_month)
    variable = require_non_negative("selfhost_variable_per_mtok", selfhost_variable_per_mtok)
    segments = _segments(offer, input_share=input_share, cached_share=cached_share, traffic=traffic)

    def result(tokens: float | None, reason: str) -> BreakEven:
        return BreakEven(tokens, reason, capacity, fixed)

    if all(price == 0 for _, _, price in segments):
        return result(None, "the API is free at this mix: self-hosting never breaks even")
    if fixed == 0 and variable == 0:
        return result(0.0, "self-hosting costs nothing, so it is never dearer than the API")
    api_spent = 0.0
    for start, end, price in segments:
        # In this segment api(V) = api_spent + price (V - start); self-host = fixed + var V.
        if price > variable:
            tokens = ((fixed - api_spent) * TOKENS_PER_MTOK + price * start - variable * 0.0) / (
                price - variable
            )
            tokens = max(tokens, start)
            if tokens < end:
                break
        if math.isinf(end):
            tokens = math.inf
            break
        api_spent += (end - start) * price / TOKENS_PER_MTOK
    else:  # pragma: no cover - the last segment is open-ended
        tokens = math.inf
    if math.isinf(tokens):
        return result(
            None,
            f"the API's price per 1M tokens never exceeds self-hosting's "
            f"({format_usd(variable)}): self-hosting never breaks even",
        )
    if tokens > capacity:
        return result(
            None,
            f"break-even {format_tokens(tokens)} tokens/month exceeds the deployment's capacity "
            f"of {format_tokens(capacity)} tokens/month: self-hosting on this deployment never "
            f"breaks even",
        )
    return result(
        tokens,
        f"self-hosting ({format_usd(fixed)}/month fixed) costs the same as the API at "
        f"{format_tokens(tokens)} tokens/month; below that the API is cheaper",
    )
