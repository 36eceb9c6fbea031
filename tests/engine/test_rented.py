"""Rented capacity: packing, billing modes, headroom once, peak-to-average, lenses."""

from __future__ import annotations

import pytest

from planner.engine.errors import ScenarioError
from planner.engine.fleet import Lens, Serving, pack_replicas
from planner.engine.rented import RentedCapacity, rented_cost
from planner.engine.selfhost import Billing, BillingMode, OnDemandRate, ReservedRate


@pytest.mark.parametrize(
    ("replicas", "per_replica", "per_unit", "allow", "units", "gpus"),
    [
        (9, 2, 8, False, 3, 24),  # 4 replicas an instance: ceil(9 / 4) = 3
        (4, 2, 8, False, 1, 8),
        (3, 3, 8, False, 2, 16),  # 2 three-GPU replicas an instance, 2 GPUs idle each
        (1, 1, 1, False, 1, 1),
        (3, 16, 8, True, 6, 48),  # a 16-GPU replica spans 2 instances
        (2, 12, 8, True, 4, 32),  # ceil(12 / 8) = 2 instances a replica
    ],
)
def test_packing(
    replicas: int, per_replica: int, per_unit: int, allow: bool, units: int, gpus: int
) -> None:
    packing = pack_replicas(
        replicas,
        gpus_per_replica=per_replica,
        gpus_per_unit=per_unit,
        allow_split=allow,
        field="selfhost.gpus_per_instance",
    )
    assert (packing.units, packing.gpus) == (units, gpus)


def test_replica_bigger_than_instance_refused_naming_the_field() -> None:
    with pytest.raises(ScenarioError) as error:
        RentedCapacity(OnDemandRate(10), Serving(1000, gpus_per_replica=16), gpus_per_instance=8)
    assert error.value.field == "selfhost.gpus_per_instance"
    assert "16 GPUs" in error.value.message


# 8-GPU instance at $10/h; 2-GPU replicas at 1,000 tok/s measured, planned at 90%:
# 1,000 x 0.9 x 720 h x 3,600 s = 2.3328B tokens a replica-month.
EIGHT = Serving(1000, gpus_per_replica=2)


ALWAYS_ON = Billing()


def capacity(billing: Billing = ALWAYS_ON, **kwargs: float) -> RentedCapacity:
    return RentedCapacity(OnDemandRate(10), EIGHT, gpus_per_instance=8, billing=billing, **kwargs)


def test_always_on() -> None:
    # 10B / 2.3328B = 4.29 -> 5 replicas -> ceil(5 / 4) = 2 instances x $10 x 720 h
    cost = rented_cost(capacity(), tokens_per_month=10e9)
    assert (cost.replicas, cost.instances, cost.gpus) == (5, 2, 16)
    assert cost.monthly == pytest.approx(14_400)
    assert cost.billed_instance_hours == 1440


def test_active_window() -> None:
    # 200 h a month: 1,000 x 0.9 x 200 x 3,600 = 648M a replica; 2B -> 4 replicas, 1 instance
    cost = rented_cost(
        capacity(Billing(BillingMode.WINDOW, window_hours=200)), tokens_per_month=2e9
    )
    assert (cost.replicas, cost.instances) == (4, 1)
    assert cost.monthly == pytest.approx(10 * 200)


def test_window_with_a_commitment_still_pays_every_hour() -> None:
    rented = RentedCapacity(
        ReservedRate(1.5), Serving(1500), billing=Billing(BillingMode.WINDOW, window_hours=200)
    )
    assert rented_cost(rented, tokens_per_month=1e6).monthly == pytest.approx(1.5 * 720)


def test_scale_to_zero_bills_busy_hours_plus_buffer() -> None:
    # 1-GPU replica at 1,500 tok/s, headroom 1: 5.4e8 / (1,500 x 3,600) = 100 busy hours
    one = RentedCapacity(
        OnDemandRate(2.0),
        Serving(1500, headroom=1.0),
        billing=Billing(BillingMode.SCALE_TO_ZERO, buffer_fraction=0.1),
    )
    cost = rented_cost(one, tokens_per_month=5.4e8)
    assert cost.billed_instance_hours == pytest.approx(110)  # + 10% buffer
    assert cost.monthly == pytest.approx(220)
    # Planned at 90%: 100 / 0.9 = 111.1 busy hours, x 1.1 = 122.2 h x $2 = $244.44
    ninety = RentedCapacity(
        OnDemandRate(2.0),
        Serving(1500),
        billing=Billing(BillingMode.SCALE_TO_ZERO, buffer_fraction=0.1),
    )
    assert rented_cost(ninety, tokens_per_month=5.4e8).monthly == pytest.approx(2 * 1.1 * 100 / 0.9)


def test_scale_to_zero_bills_the_instance_a_lone_busy_replica_keeps_up() -> None:
    # 2-GPU replicas, 4 on an 8-GPU instance. 1e9 / (1,000 x 0.9 x 3,600) = 308.64
    # replica-hours over 720 h: 0.43 replicas busy on average, never two at once, so
    # the instance is up exactly those 308.64 hours: x $10 = $3,086.42. (Before issue
    # 15 the bill assumed four replicas always shared it: 77.16 h, $771.60.)
    cost = rented_cost(capacity(Billing(BillingMode.SCALE_TO_ZERO)), tokens_per_month=1e9)
    assert cost.billed_instance_hours == pytest.approx(1e9 / (1000 * 0.9 * 3600))
    assert cost.monthly == pytest.approx(10 * 1e9 / (1000 * 0.9 * 3600))


def test_scale_to_zero_never_bills_more_than_the_fleet_all_month() -> None:
    one = RentedCapacity(
        OnDemandRate(2.0),
        Serving(1500, headroom=1.0),
        billing=Billing(BillingMode.SCALE_TO_ZERO, buffer_fraction=0.5),
    )
    # 3.888B fills one replica's month: 720 busy hours x 1.5 = 1,080 > 720 -> capped
    assert rented_cost(one, tokens_per_month=3.888e9).billed_instance_hours == pytest.approx(720)


def test_headroom_is_applied_exactly_once() -> None:
    # 1,500 x 0.8 x 720 x 3,600 = 3.1104B planned per replica.
    serving = Serving(1500, headroom=0.8)
    assert serving.replica_capacity() == pytest.approx(3.1104e9)
    assert serving.replicas_for(3.1104e9) == 1
    assert serving.replicas_for(3.1104e9 + 1e3) == 2


def test_peak_to_average_raises_replicas() -> None:
    # 2B average at a 2x peak needs 4B of capacity: ceil(4 / 3.888) = 2 replicas.
    flat = Serving(1500, headroom=1.0)
    peaky = Serving(1500, headroom=1.0, peak_to_average=2.0)
    assert flat.replicas_for(2e9) == 1
    assert peaky.replicas_for(2e9) == 2
    with pytest.raises(ScenarioError) as error:
        Serving(1500, peak_to_average=0.5)
    assert error.value.field == "selfhost.peak_to_average"


def test_lenses() -> None:
    # compute 2 instances = $14,400; staff 0.5 x $10,000; implementation $36,000 / 36
    rented = capacity(ops_fte=0.5, ops_fte_monthly_cost=10_000, implementation_one_off=36_000)
    full = rented_cost(rented, tokens_per_month=10e9)
    marginal = rented_cost(rented, tokens_per_month=10e9, lens=Lens.MARGINAL)
    assert full.lens is Lens.FULL
    assert full.monthly == pytest.approx(14_400 + 5_000 + 1_000)
    assert marginal.lens is Lens.MARGINAL
    assert marginal.monthly == pytest.approx(14_400)
    # implementation over a longer period costs less a month
    longer = rented_cost(rented, tokens_per_month=10e9, analysis_months=48)
    assert longer.line("implementation") == pytest.approx(750)
