"""Cost per successful outcome: what a finished task costs once failures are paid for.

An attempt succeeds with probability ``p``. Failed attempts are retried up to
``max_retries`` times; whatever still fails goes to a human at ``human_correction_cost``.
Expected attempts are ``(1 - (1 - p)^(n + 1)) / p`` (which tends to ``1 / p`` as retries
grow), so a cheaper-per-token model that fails more often can cost more per task.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from planner.engine.api import ApiOffer, blended_price_per_mtok
from planner.engine.errors import ScenarioError, require_non_negative, require_share
from planner.engine.units import TOKENS_PER_MTOK


@dataclass(frozen=True, slots=True)
class OutcomeCost:
    name: str
    cost_per_attempt: float
    success_rate: float
    expected_attempts: float
    human_share: float
    cost_per_task: float


def attempt_cost(
    offer: ApiOffer, *, tokens_per_task: float, input_share: float = 0.5, cached_share: float = 0.0
) -> float:
    price = blended_price_per_mtok(offer, input_share=input_share, cached_share=cached_share)
    return require_non_negative("tokens_per_task", tokens_per_task) * price / TOKENS_PER_MTOK


def outcome_cost(
    *,
    cost_per_attempt: float,
    success_rate: float,
    max_retries: int = 0,
    human_correction_cost: float = 0.0,
    name: str = "option",
) -> OutcomeCost:
    attempt = require_non_negative("cost_per_attempt", cost_per_attempt)
    p = require_share("success_rate", success_rate)
    if max_retries < 0:
        raise ScenarioError("max_retries", "must be a non-negative integer")
    human = require_non_negative("human_correction_cost", human_correction_cost)
    fail = 1.0 - p
    attempts = float(max_retries + 1) if p == 0 else (1.0 - fail ** (max_retries + 1)) / p
    human_share = fail ** (max_retries + 1)
    return OutcomeCost(
        name=name,
        cost_per_attempt=attempt,
        success_rate=p,
        expected_attempts=attempts,
        human_share=human_share,
        cost_per_task=attempts * attempt + human_share * human,
    )


def cheapest_per_outcome(options: Sequence[OutcomeCost]) -> OutcomeCost:
    if not options:
        raise ScenarioError("options", "needs at least one option")
    return min(options, key=lambda option: option.cost_per_task)
