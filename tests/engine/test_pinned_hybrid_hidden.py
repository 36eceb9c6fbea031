"""Hybrid routing and hidden costs pinned with realistic shapes (issue 19): a 70/30 share
with cached input on both routes, escalations paid twice, a self-hosted cheap route with
its own capacity and hours, and the hidden-cost helpers with their refusals.
"""

from __future__ import annotations

import pytest

from planner.engine.api import ApiOffer
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
from planner.engine.hybrid import hybrid_cost, route_cost
from planner.engine.selfhost import FlatMonthly, OnDemandRate, SelfHostConfig

# premium: $2 in / $0.20 cached / $10 out -> 0.7 x (0.5 x 2 + 0.5 x 0.2) + 0.3 x 10 = $3.77
PREMIUM = ApiOffer(input_per_mtok=2.0, cached_input_per_mtok=0.2, output_per_mtok=10.0)
# cheap: $0.30 in / $1.00 out (no cached rate) -> 0.7 x 0.30 + 0.3 x 1.00 = $0.51
CHEAP = ApiOffer(input_per_mtok=0.3, output_per_mtok=1.0)


def test_hybrid_of_two_apis_at_a_shaped_mix() -> None:
    result = hybrid_cost(
        tokens_per_month=1e9,
        routed_share=0.8,
        escalation_rate=0.25,
        premium=PREMIUM,
        cheap=CHEAP,
        input_share=0.7,
        cached_share=0.5,
    )
    # cheap 800M; premium 200M + 25% of 800M = 400M
    assert (result.cheap_tokens, result.premium_tokens) == pytest.approx((800e6, 400e6))
    # 800 x 0.51 = $408; 400 x 3.77 = $1,508; total $1,916
    assert result.cheap_monthly == pytest.approx(408.0)
    assert result.premium_monthly == pytest.approx(1508.0)
    assert result.monthly == pytest.approx(1916.0)
    # everything on one route: 1,000 x 3.77 = $3,770; 1,000 x 0.51 = $510
    assert result.all_premium_monthly == pytest.approx(3770.0)
    assert result.all_cheap_monthly == pytest.approx(510.0)
    assert result.savings_vs_all_premium == pytest.approx(3770.0 - 1916.0)
    assert result.savings_vs_all_cheap == pytest.approx(510.0 - 1916.0)


def test_hybrid_defaults_are_a_50_50_share_without_cache_or_escalation() -> None:
    result = hybrid_cost(tokens_per_month=1e9, routed_share=0.5, premium=PREMIUM, cheap=CHEAP)
    # premium 0.5 x 2 + 0.5 x 10 = $6 x 500M = $3,000; cheap 0.5 x 0.3 + 0.5 x 1 = $0.65 x 500M
    assert result.premium_monthly == pytest.approx(3000.0)
    assert result.cheap_monthly == pytest.approx(325.0)


def test_hybrid_with_a_self_hosted_cheap_route_uses_its_capacity_and_hours() -> None:
    """Cheap route: $2/h replicas of 100 tok/s over a 100 h month = 36M tokens each;
    600M routed -> ceil(600 / 36) = 17 replicas x $200 x 1.5 hidden = $5,100."""
    config = SelfHostConfig(OnDemandRate(2.0), 100.0, hidden_multiplier=1.5)
    result = hybrid_cost(
        tokens_per_month=1e9,
        routed_share=0.6,
        premium=PREMIUM,
        cheap=config,
        input_share=0.7,
        cached_share=0.5,
        hours_per_month=100.0,
    )
    assert result.cheap_monthly == pytest.approx(5100.0)
    assert result.premium_monthly == pytest.approx(400e6 / 1e6 * 3.77)


def test_route_cost_pays_escalations_on_top() -> None:
    route = route_cost(
        tokens_per_month=1000.0,
        routed_share=0.9,
        escalation_rate=0.1,
        premium_cost=lambda tokens: tokens * 2.0,
        cheap_cost=lambda tokens: tokens * 1.0,
    )
    # cheap 900 -> $900; premium 100 + 90 = 190 -> $380
    assert (route.cheap_tokens, route.premium_tokens) == pytest.approx((900.0, 190.0))
    assert route.monthly == pytest.approx(1280.0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tokens_per_month": -1.0}, "tokens_per_month"),
        ({"routed_share": 1.5}, "routed_share"),
        ({"escalation_rate": -0.1}, "escalation_rate"),
    ],
)
def test_route_cost_refusals_name_the_field(change: dict, field: str) -> None:
    kwargs = {
        "tokens_per_month": 1.0,
        "routed_share": 0.5,
        "escalation_rate": 0.0,
        "premium_cost": lambda tokens: tokens,
        "cheap_cost": lambda tokens: tokens,
        **change,
    }
    with pytest.raises(ScenarioError) as error:
        route_cost(**kwargs)
    assert error.value.field == field


def test_hidden_items_by_kind_and_total() -> None:
    items = [
        labor(hours=15, hourly_rate=100.0),  # $1,500
        HiddenCostItem(HiddenCostKind.INFRASTRUCTURE, "k8s", monthly=300.0),
        HiddenCostItem(HiddenCostKind.LABOR, "on call", monthly=50.0, hours=2, hourly_rate=25.0),
    ]
    breakdown = hidden_breakdown(items)
    # labor 1,500 + (50 + 2 x 25) = 1,600; infrastructure 300
    assert breakdown.by_kind == {"labor": 1600.0, "infrastructure": 300.0}
    assert breakdown.total == 1900.0
    assert hidden_monthly(items) == 1900.0
    assert labor(hours=1, hourly_rate=1).label == "DevOps time"
    assert labor(hours=1, hourly_rate=1).kind is HiddenCostKind.LABOR


def test_total_with_hidden_multiplies_the_gpu_and_adds_items_once() -> None:
    items = [HiddenCostItem(HiddenCostKind.GATEWAY, monthly=125.0)]
    # $1,440 x 1.3 = $1,872 + $125
    assert total_with_hidden(gpu_monthly=1440.0, items=items, multiplier=1.3) == pytest.approx(
        1997.0
    )
    assert total_with_hidden(gpu_monthly=1440.0) == 1440.0
    assert total_with_hidden(gpu_monthly=1440.0, multiplier=1.0) == 1440.0
    with pytest.raises(ScenarioError) as error:
        total_with_hidden(gpu_monthly=1440.0, multiplier=0.99)
    assert (error.value.field, error.value.message) == (
        "hidden_multiplier",
        "must be a number >= 1",
    )
    with pytest.raises(ScenarioError) as error:
        total_with_hidden(gpu_monthly=-1.0)
    assert error.value.field == "gpu_monthly"


def test_idle_cost_is_the_unused_share_of_the_gpu_bill() -> None:
    # $1,440 x (1 - 1B / 3.888B) = $1,069.63
    assert idle_cost(gpu_monthly=1440.0, used_tokens=1e9, capacity_tokens=3.888e9) == (
        pytest.approx(1440.0 * (1 - 1 / 3.888))
    )
    # more than the capacity used: nothing idle, never negative
    assert idle_cost(gpu_monthly=1440.0, used_tokens=5e9, capacity_tokens=3.888e9) == 0.0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"gpu_monthly": -1.0, "used_tokens": 1.0, "capacity_tokens": 1.0}, "gpu_monthly"),
        ({"gpu_monthly": 1.0, "used_tokens": -1.0, "capacity_tokens": 1.0}, "used_tokens"),
        ({"gpu_monthly": 1.0, "used_tokens": 1.0, "capacity_tokens": 0.0}, "capacity_tokens"),
    ],
)
def test_idle_cost_refusals_name_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ScenarioError) as error:
        idle_cost(**kwargs)
    assert error.value.field == field


@pytest.mark.parametrize("name", ["monthly", "hours", "hourly_rate"])
def test_hidden_item_refuses_negative_amounts(name: str) -> None:
    with pytest.raises(ScenarioError) as error:
        HiddenCostItem(HiddenCostKind.OTHER, **{name: -1.0})
    assert error.value.field == f"hidden.{name}"


def test_flat_monthly_self_host_in_a_hybrid_is_not_multiplied_by_hours() -> None:
    config = SelfHostConfig(FlatMonthly(500.0), 10_000.0)
    result = hybrid_cost(tokens_per_month=1e6, routed_share=1.0, premium=PREMIUM, cheap=config)
    assert (result.cheap_monthly, result.premium_monthly) == (500.0, 0.0)
