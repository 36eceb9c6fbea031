"""Monthly token volumes and how they split into input, cached input and output."""

from __future__ import annotations

from dataclasses import dataclass

from planner.engine.errors import (
    ScenarioError,
    require_non_negative,
    require_positive,
    require_share,
)
from planner.engine.units import DAYS_PER_MONTH


def monthly_tokens(
    *,
    tokens_per_month: float | None = None,
    tokens_per_day: float | None = None,
    days_per_month: float = DAYS_PER_MONTH,
) -> float:
    """Tokens in a month, from a monthly figure or a daily one times ``days_per_month``."""
    if tokens_per_month is not None and tokens_per_day is not None:
        raise ScenarioError("tokens_per_month", "give tokens_per_month or tokens_per_day, not both")
    if tokens_per_month is not None:
        return require_non_negative("tokens_per_month", tokens_per_month)
    if tokens_per_day is not None:
        days = require_positive("days_per_month", days_per_month)
        return require_non_negative("tokens_per_day", tokens_per_day) * days
    raise ScenarioError("tokens_per_month", "required (or tokens_per_day)")


@dataclass(frozen=True, slots=True)
class TokenSplit:
    """A month's tokens by how they are billed."""

    input_uncached: float
    input_cached: float
    output: float

    @property
    def input(self) -> float:
        return self.input_uncached + self.input_cached

    @property
    def total(self) -> float:
        return self.input_uncached + self.input_cached + self.output


def split_tokens(
    tokens: float, *, input_share: float = 0.5, cached_share: float = 0.0
) -> TokenSplit:
    """Split ``tokens`` into input/output by ``input_share``.

    ``cached_share`` is the fraction of the *input* tokens read from a prompt cache.
    """
    tokens = require_non_negative("tokens_per_month", tokens)
    input_share = require_share("input_share", input_share)
    cached_share = require_share("cached_share", cached_share)
    input_tokens = tokens * input_share
    return TokenSplit(
        input_uncached=input_tokens * (1.0 - cached_share),
        input_cached=input_tokens * cached_share,
        output=tokens * (1.0 - input_share),
    )
