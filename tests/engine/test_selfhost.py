from __future__ import annotations

import pytest

from planner.engine.errors import ScenarioError
from planner.engine.selfhost import (
    Billing,
    BillingMode,
    FlatMonthly,
    OnDemandRate,
    OwnedHardware,
    ReservedRate,
    SelfHostConfig,
    SpotRate,
    rental_cost,
    selfhost_cost,
)


def test_on_demand_always_on_is_hourly_times_720() -> None:
    config = SelfHostConfig(OnDemandRate(2.0), 1500)
    assert selfhost_cost(config, tokens_per_month=1e9).monthly == 1440


def test_spot_discount_and_interruption_allowance() -> None:
    spot = SpotRate(on_demand_hourly=3.5, discount=0.5, interruption_allowance=0.1)
    assert spot.effective_hourly == pytest.approx(3.5 * 0.5 * 1.1)
    assert rental_cost(spot, hours=100) == pytest.approx(192.5)


def test_spot_needs_a_price() -> None:
    with pytest.raises(ScenarioError) as error:
        SpotRate(discount=0.5)
    assert error.value.field == "selfhost.spot_hourly"


def test_reserved_is_owed_for_every_hour() -> None:
    config = SelfHostConfig(
        ReservedRate(1.5), 1500, billing=Billing(BillingMode.WINDOW, window_hours=200)
    )
    assert selfhost_cost(config, tokens_per_month=1e6).monthly == 1.5 * 720


def test_owned_hardware_amortization_power_colocation() -> None:
    h100 = OwnedHardware(
        purchase_price=27_000, power_w=700, pue=1.5, usd_per_kwh=0.12, colocation_monthly=150
    )
    expected = 27_000 / 36 + 700 * 1.5 * 720 * 0.12 / 1000 + 150
    assert rental_cost(h100, hours=720) == pytest.approx(expected)
    assert h100.amortized_monthly == 750


def test_business_hours_window_bills_and_serves_only_the_window() -> None:
    config = SelfHostConfig(
        OnDemandRate(2.0), 1500, billing=Billing(BillingMode.WINDOW, window_hours=220)
    )
    cost = selfhost_cost(config, tokens_per_month=1e9)
    assert cost.monthly == 440
    assert cost.capacity_tokens_per_month == 1500 * 220 * 3600
    assert cost.replicas == 1
    assert selfhost_cost(config, tokens_per_month=2e9).replicas == 2


def test_scale_to_zero_pays_busy_hours_plus_buffer() -> None:
    config = SelfHostConfig(
        OnDemandRate(2.0),
        1500,
        billing=Billing(BillingMode.SCALE_TO_ZERO, buffer_fraction=0.1),
    )
    cost = selfhost_cost(config, tokens_per_month=5.4e8)  # 100 busy hours
    assert cost.billed_hours == pytest.approx(110)
    assert cost.monthly == pytest.approx(220)
    assert config.variable_per_mtok() * 540 == pytest.approx(220)
    assert config.fixed_monthly() == 0


def test_hidden_multiplier_per_replica_fixed_hidden_once() -> None:
    config = SelfHostConfig(FlatMonthly(1000), 1000, hidden_multiplier=1.5, hidden_monthly=500)
    cost = selfhost_cost(config, tokens_per_month=5e9)  # capacity 2.592B -> 2 replicas
    assert cost.replicas == 2
    assert cost.monthly == 2 * 1000 * 1.5 + 500


def test_idle_cost_is_visible() -> None:
    config = SelfHostConfig(FlatMonthly(1440), 1500)
    cost = selfhost_cost(config, tokens_per_month=3.888e9 / 4)
    assert cost.idle_cost == pytest.approx(1080)


def test_hidden_multiplier_below_one_rejected() -> None:
    with pytest.raises(ScenarioError) as error:
        SelfHostConfig(FlatMonthly(1), 1, hidden_multiplier=0.5)
    assert error.value.field == "selfhost.hidden_multiplier"
