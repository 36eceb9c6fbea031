from __future__ import annotations

import pytest

from planner.engine.errors import ScenarioError
from planner.engine.hidden import (
    HiddenCostItem,
    HiddenCostKind,
    hidden_breakdown,
    hidden_monthly,
    idle_cost,
    labor,
    total_with_hidden,
)


def test_itemized_by_kind() -> None:
    items = [
        labor(hours=15, hourly_rate=100),
        HiddenCostItem(HiddenCostKind.GATEWAY, monthly=100),
        HiddenCostItem(HiddenCostKind.MONITORING, monthly=100),
        HiddenCostItem(HiddenCostKind.MODEL_UPDATES, monthly=200),
        HiddenCostItem(HiddenCostKind.ELECTRICITY, monthly=300),
        HiddenCostItem(HiddenCostKind.INCIDENT_RESPONSE, hours=2, hourly_rate=150),
    ]
    breakdown = hidden_breakdown(items)
    assert breakdown.by_kind["labor"] == 1500
    assert breakdown.by_kind["incident_response"] == 300
    assert breakdown.total == hidden_monthly(items) == 2500


def test_multiplier_on_gpu_cost() -> None:
    assert total_with_hidden(gpu_monthly=1440, multiplier=2.0) == 2880
    with pytest.raises(ScenarioError):
        total_with_hidden(gpu_monthly=1440, multiplier=0.9)


def test_idle_cost() -> None:
    assert idle_cost(gpu_monthly=1000, used_tokens=3e8, capacity_tokens=1e9) == 700
    assert idle_cost(gpu_monthly=1000, used_tokens=2e9, capacity_tokens=1e9) == 0
