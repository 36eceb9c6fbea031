"""Scale-to-zero bills the instance-hours the concurrently busy replicas keep up (issue 15).

Assumption (``rented.occupied_instance_hours``): the busy replica-hours ``B`` arrive at
their average rate over the month's ``H`` hours, so ``c = B / H`` replicas are busy on
average, ``floor(c)`` at every moment and one more for the fraction ``f = c - floor(c)``
of the hours; busy replicas pack onto as few instances as possible, and an instance is
billed while any replica on it is busy:

    billed = H x ((1 - f) x instances(floor(c)) + f x instances(floor(c) + 1))

capped (with the warm-up buffer) at the fleet's instances all month.

Every case below: 1-GPU replicas at 1,500 tok/s planned on all of it (headroom 1), so a
busy replica-hour serves 1,500 x 3,600 = 5.4M tokens and a replica-month (720 h) 3.888B.
A GPU costs $2/h, so a 1-GPU instance is $2/h and an 8-GPU instance $16/h.
"""

from __future__ import annotations

import itertools
import math

import pytest

from planner.engine.api import ApiOffer
from planner.engine.crossover import CostCurve, api_curve, first_win, rented_curve
from planner.engine.fleet import Serving
from planner.engine.rented import RentedCapacity, occupied_instance_hours, rented_cost
from planner.engine.selfhost import Billing, BillingMode, OnDemandRate

SCALE_TO_ZERO = Billing(BillingMode.SCALE_TO_ZERO)
REPLICA_MONTH = 3.888e9  # tokens one replica serves busy all 720 hours


def assert_linear_between(curve: CostCurve, points: list[int]) -> None:
    """Between consecutive breakpoints the bill is linear: its midpoint is the mean of
    its ends (what the crossing search assumes)."""
    for low, high in itertools.pairwise(points):
        if high - low < 4:
            continue
        middle = (low + high) // 2
        expected = curve.cost(low) + (curve.cost(high) - curve.cost(low)) * (middle - low) / (
            high - low
        )
        assert math.isclose(curve.cost(middle), expected, rel_tol=1e-9, abs_tol=1e-6)


def fleet(
    gpus_per_instance: int,
    billing: Billing = SCALE_TO_ZERO,
    *,
    gpus_per_replica: int = 1,
    peak_to_average: float = 1.0,
) -> RentedCapacity:
    return RentedCapacity(
        OnDemandRate(2.0 * gpus_per_instance),
        Serving(
            1500, gpus_per_replica=gpus_per_replica, headroom=1.0, peak_to_average=peak_to_average
        ),
        gpus_per_instance=gpus_per_instance,
        allow_multi_instance=True,
        billing=billing,
    )


def test_one_gpu_instances_at_sparse_load_bill_the_busy_hours() -> None:
    # 540M tokens / 5.4M an hour = 100 busy replica-hours; c = 100 / 720 = 0.139: one
    # replica busy 13.9% of the month, on its own instance: 100 instance-hours x $2.
    cost = rented_cost(fleet(1), tokens_per_month=5.4e8)
    assert cost.billed_instance_hours == pytest.approx(100)
    assert cost.monthly == pytest.approx(200)


def test_eight_gpu_instances_at_sparse_load_bill_the_whole_instance() -> None:
    # The same 100 busy replica-hours; the one busy replica keeps a whole 8-GPU instance
    # up while it works: 100 instance-hours x $16 = $1,600. (Billing 1/8 of the instance
    # per replica-hour, as before issue 15, said 12.5 h and $200.)
    cost = rented_cost(fleet(8), tokens_per_month=5.4e8)
    assert cost.billed_instance_hours == pytest.approx(100)
    assert cost.monthly == pytest.approx(1_600)


def test_one_gpu_instances_at_full_load_cost_what_always_on_does() -> None:
    # 3 replica-months = 11.664B: c = 2,160 / 720 = 3 replicas busy at every moment, on
    # 3 instances: 3 x 720 = 2,160 instance-hours x $2 = $4,320, the always-on bill.
    volume = 3 * REPLICA_MONTH
    cost = rented_cost(fleet(1), tokens_per_month=volume)
    always_on = rented_cost(fleet(1, Billing()), tokens_per_month=volume)
    assert cost.billed_instance_hours == pytest.approx(2_160)
    assert cost.monthly == pytest.approx(4_320)
    assert cost.monthly == pytest.approx(always_on.monthly)


def test_eight_gpu_instance_at_full_load_costs_what_always_on_does() -> None:
    # 8 replica-months = 31.104B: c = 8, eight replicas busy at every moment fill one
    # instance: 720 instance-hours x $16 = $11,520 = one instance always on.
    volume = 8 * REPLICA_MONTH
    cost = rented_cost(fleet(8), tokens_per_month=volume)
    always_on = rented_cost(fleet(8, Billing()), tokens_per_month=volume)
    assert (cost.replicas, cost.instances) == (8, 1)
    assert cost.billed_instance_hours == pytest.approx(720)
    assert cost.monthly == pytest.approx(11_520)
    assert cost.monthly == pytest.approx(always_on.monthly)


def test_eight_gpu_instance_never_idles_once_a_replica_is_always_busy() -> None:
    # 2.5 replica-months: 2 replicas busy at every moment and a third half the time; all
    # fit one instance, which is therefore up all 720 h: $11,520, as always-on.
    cost = rented_cost(fleet(8), tokens_per_month=2.5 * REPLICA_MONTH)
    assert cost.billed_instance_hours == pytest.approx(720)
    assert cost.monthly == pytest.approx(11_520)


def test_a_ninth_busy_replica_opens_a_second_instance_for_its_share_of_the_hours() -> None:
    # 8.25 replica-months: 8 busy at every moment (one instance all month) and a ninth a
    # quarter of the time (a second instance 180 h): 720 + 180 = 900 h x $16 = $14,400.
    # The fleet of 9 replicas is 2 instances, so always-on would bill 1,440 h ($23,040).
    cost = rented_cost(fleet(8), tokens_per_month=8.25 * REPLICA_MONTH)
    assert (cost.replicas, cost.instances) == (9, 2)
    assert cost.billed_instance_hours == pytest.approx(900)
    assert cost.monthly == pytest.approx(14_400)


def test_the_warm_up_buffer_is_capped_at_the_fleet_all_month() -> None:
    # 900 occupied hours x 1.7 = 1,530 > the 2 instances' 1,440 h: billed 1,440.
    buffered = Billing(BillingMode.SCALE_TO_ZERO, buffer_fraction=0.7)
    cost = rented_cost(fleet(8, buffered), tokens_per_month=8.25 * REPLICA_MONTH)
    assert cost.billed_instance_hours == pytest.approx(1_440)
    # With a 10% buffer: 900 x 1.1 = 990 h x $16 = $15,840.
    buffered = Billing(BillingMode.SCALE_TO_ZERO, buffer_fraction=0.1)
    assert rented_cost(fleet(8, buffered), tokens_per_month=8.25 * REPLICA_MONTH).monthly == (
        pytest.approx(15_840)
    )


def test_a_replica_spanning_two_instances_keeps_both_up() -> None:
    # A 16-GPU replica on 8-GPU instances ($16/h each) takes two instances; half a
    # replica-month busy: 360 h x 2 instances = 720 instance-hours x $16 = $11,520.
    cost = rented_cost(fleet(8, gpus_per_replica=16), tokens_per_month=0.5 * REPLICA_MONTH)
    assert cost.billed_instance_hours == pytest.approx(720)
    assert cost.monthly == pytest.approx(11_520)


def test_occupied_hours_at_zero_volume_are_zero() -> None:
    assert occupied_instance_hours(fleet(8), tokens=0.0, hours=720) == 0.0


def test_scale_to_zero_crossings_are_exact_on_the_kinked_bill() -> None:
    """The crossing search relies on the bill being linear between its breakpoints.

    8-GPU instances at a peak of 1.5 with a 30% buffer against a $3/M API. Below one
    busy replica the bill grows at $16 x 1.3 / 5.4M = $3.85/M, dearer than the API; it
    stops at the one instance's $11,520 a month (2.99B tokens), which the API reaches at
    11,520 / $3 = 3.84B. Apart from the tie at 0 tokens (both free), the fleet wins from
    that whole token, where it costs no more and the token before it does not; and between consecutive breakpoints the bill is
    linear (its midpoint is the mean of its ends), which is what the search assumes.
    """
    capacity = fleet(
        8, Billing(BillingMode.SCALE_TO_ZERO, buffer_fraction=0.3), peak_to_average=1.5
    )
    curve = rented_curve(capacity)
    api = api_curve(ApiOffer(output_per_mtok=3.0, input_per_mtok=3.0))
    limit = 40 * int(REPLICA_MONTH)
    win = first_win(curve, api, limit=limit)
    assert win.intervals == ((0, 0), (3_840_000_000, limit))
    assert curve.cost(3_840_000_000) <= api.cost(3_840_000_000)
    assert curve.cost(3_839_999_999) > api.cost(3_839_999_999)
    points = sorted({p for p in curve.breakpoints(limit) if 0 <= p <= limit})
    assert_linear_between(curve, points)


def test_scale_to_zero_cap_is_a_breakpoint_on_a_month_of_other_than_720_hours() -> None:
    """The warm-up cap's kink is found with the fleet sized for the month's own hours.

    A 744-hour month (31 days), 1-GPU instances, a peak of 1.47 and a 48% buffer. One
    replica-month is 1,500 x 3,600 x 744 = 4.0176B tokens. Two busy replicas on average
    (8.0352B) need a fleet of ceil(2 x 1.47) = 3 replicas; the buffered occupancy
    1.48 x c reaches those 3 instances at c = 3 / 1.48 = 2.02703 (8.1443B tokens), where
    the bill stops growing, and the fleet becomes 4 replicas only at c = 3 / 1.47 =
    2.04082. Sized for 720 hours the fleet at c = 2 would read ceil(2 x 1.47 x 744 / 720)
    = 4 replicas, and the kink of the 3-replica cap would be missed: the bill would not be
    linear between the breakpoints around it, which the crossing search relies on.
    """
    hours = 744.0
    month = 1500 * 3600 * hours
    capacity = fleet(
        1, Billing(BillingMode.SCALE_TO_ZERO, buffer_fraction=0.48), peak_to_average=1.47
    )
    curve = rented_curve(capacity, hours_per_month=hours)
    limit = int(3 * month)
    points = sorted({p for p in curve.breakpoints(limit) if 0 <= p <= limit})
    kink = 3 / 1.48 * month
    assert any(abs(p - kink) <= 1 for p in points)
    # The bill: 1.48 x c x 744 h x $2 up to the kink, then 3 instances all month ($4,464).
    assert curve.cost(int(2 * month)) == pytest.approx(1.48 * 2 * hours * 2.0)
    assert curve.cost(int(2.035 * month)) == pytest.approx(3 * hours * 2.0)
    assert_linear_between(curve, points)
