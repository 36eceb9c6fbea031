"""The costs of self-hosting that are not the GPU bill.

Either itemized (DevOps hours x rate, gateway, monitoring, model updates, electricity,
incident response...) or a multiplier on the GPU cost (the reference range is 1.3-2x).
Idle capacity is made visible as its own figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from planner.engine.errors import ScenarioError, require_non_negative, require_positive


class HiddenCostKind(StrEnum):
    LABOR = "labor"
    GATEWAY = "gateway"
    MONITORING = "monitoring"
    MODEL_UPDATES = "model_updates"
    ELECTRICITY = "electricity"
    INCIDENT_RESPONSE = "incident_response"
    INFRASTRUCTURE = "infrastructure"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class HiddenCostItem:
    """A monthly item: a flat ``monthly`` amount, or ``hours x hourly_rate`` (or both)."""

    kind: HiddenCostKind
    label: str = ""
    monthly: float = 0.0
    hours: float = 0.0
    hourly_rate: float = 0.0

    def __post_init__(self) -> None:
        require_non_negative("hidden.monthly", self.monthly)
        require_non_negative("hidden.hours", self.hours)
        require_non_negative("hidden.hourly_rate", self.hourly_rate)

    @property
    def monthly_cost(self) -> float:
        return self.monthly + self.hours * self.hourly_rate


def labor(*, hours: float, hourly_rate: float, label: str = "DevOps time") -> HiddenCostItem:
    return HiddenCostItem(HiddenCostKind.LABOR, label, hours=hours, hourly_rate=hourly_rate)


@dataclass(frozen=True, slots=True)
class HiddenCostBreakdown:
    by_kind: dict[str, float]
    total: float


def hidden_breakdown(items: Iterable[HiddenCostItem]) -> HiddenCostBreakdown:
    by_kind: dict[str, float] = {}
    for item in items:
        by_kind[item.kind.value] = by_kind.get(item.kind.value, 0.0) + item.monthly_cost
    return HiddenCostBreakdown(by_kind=by_kind, total=sum(by_kind.values()))


def hidden_monthly(items: Iterable[HiddenCostItem]) -> float:
    """Sum of the items: 15 h x $100 + $300 infrastructure -> $1,800."""
    return hidden_breakdown(items).total


def total_with_hidden(
    *, gpu_monthly: float, items: Iterable[HiddenCostItem] = (), multiplier: float = 1.0
) -> float:
    """GPU cost x ``multiplier`` plus itemized costs (use one or the other, or both)."""
    gpu = require_non_negative("gpu_monthly", gpu_monthly)
    if multiplier < 1.0:
        raise ScenarioError("hidden_multiplier", "must be a number >= 1")
    return gpu * multiplier + hidden_monthly(items)


def idle_cost(*, gpu_monthly: float, used_tokens: float, capacity_tokens: float) -> float:
    """GPU money spent on capacity nobody used: ``gpu x (1 - used / capacity)``."""
    gpu = require_non_negative("gpu_monthly", gpu_monthly)
    capacity = require_positive("capacity_tokens", capacity_tokens)
    used = min(require_non_negative("used_tokens", used_tokens), capacity)
    return gpu * (1.0 - used / capacity)
