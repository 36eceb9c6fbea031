"""Reserve capacity: N+k spares and multi-region duplication for an availability target."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.engine.errors import ScenarioError
from planner.engine.fleet import Serving
from planner.engine.owned import ServerFinance, owned_cost
from planner.engine.rented import RentedCapacity, rented_cost
from planner.engine.reserve import AvailabilityTarget, deployment_availability, plan_reserve
from planner.engine.selfhost import OnDemandRate


@pytest.mark.parametrize(
    ("needed", "spares", "a", "regions", "r", "expected"),
    [
        (1, 0, 0.99, 1, 1.0, 0.99),
        (1, 1, 0.99, 1, 1.0, 1 - 0.01**2),  # 0.9999: down only if both are down
        # 2 of 3 up: a^3 + 3 a^2 (1 - a) = 0.970299 + 0.029403 = 0.999702
        (2, 1, 0.99, 1, 1.0, 0.99**3 + 3 * 0.99**2 * 0.01),
        (1, 0, 0.99, 2, 1.0, 1 - 0.01**2),  # two regions of one replica
        # region 0.999 x replica 0.99 = 0.98901 a region; two: 1 - 0.01099^2
        (1, 0, 0.99, 2, 0.999, 1 - (1 - 0.999 * 0.99) ** 2),
    ],
)
def test_deployment_availability(
    needed: int, spares: int, a: float, regions: int, r: float, expected: float
) -> None:
    got = deployment_availability(
        needed=needed,
        spares=spares,
        replica_availability=a,
        regions=regions,
        region_availability=r,
    )
    assert got == pytest.approx(expected, abs=1e-12)


def test_smallest_k_spares_meets_target() -> None:
    # 2 needed at 0.99: k=0 0.9801, k=1 0.999702, k=2 0.99999603 -> target 0.9999 needs 2
    plan = plan_reserve(2, AvailabilityTarget(0.9999, 0.99))
    assert (plan.spares, plan.regions, plan.total_replicas) == (2, 1, 4)
    assert plan.base_availability == pytest.approx(0.9801)
    assert plan_reserve(2, AvailabilityTarget(0.99, 0.99)).spares == 1
    assert plan_reserve(2, AvailabilityTarget(0.98, 0.99)).spares == 0  # no reserve


def test_regions_when_a_region_caps_availability() -> None:
    # A region is up 99.9%: no number of spares reaches 99.99% in one region.
    # Two regions: k=0 -> 1 - (1 - 0.98901)^2 = 0.99987922 (short);
    # k=1 -> 1 - (1 - 0.999 x 0.9999)^2 = 0.99999879 (meets it).
    target = AvailabilityTarget(0.9999, 0.99, region_availability=0.999)
    plan = plan_reserve(1, target)
    assert (plan.regions, plan.spares) == (2, 1)
    # Priced: 2 regions x 2 replicas = 4 replicas, but 3 regions x 1 replica
    # (1 - 0.01099^3 = 0.9999987) meets it with 3: the cheaper reserve wins.
    priced = plan_reserve(1, target, cost=lambda regions, per_region: regions * per_region)
    assert (priced.regions, priced.spares) == (3, 0)


def test_unreachable_target_names_the_field() -> None:
    with pytest.raises(ScenarioError) as error:
        plan_reserve(1, AvailabilityTarget(0.999999, 0.5, region_availability=0.9, max_regions=2))
    assert error.value.field == "availability_target"


def test_rented_reserve_is_its_own_line() -> None:
    # one $2/h GPU replica (1,440/month) at 99%; target 99.9% -> one spare: reserve $1,440
    rented = RentedCapacity(OnDemandRate(2.0), Serving(1500, headroom=1.0))
    cost = rented_cost(rented, tokens_per_month=1e9, availability=AvailabilityTarget(0.999, 0.99))
    assert cost.line("compute") == pytest.approx(1440)
    assert cost.reserve_monthly == pytest.approx(1440)
    assert cost.monthly == pytest.approx(2880)
    assert cost.reserve.spares == 1
    assert cost.instances == 2
    # multi-region: cheapest is 3 regions x 1 replica -> reserve = 2 x 1,440
    multi = rented_cost(
        rented,
        tokens_per_month=1e9,
        availability=AvailabilityTarget(0.9999, 0.99, region_availability=0.999),
    )
    assert (multi.reserve.regions, multi.reserve.spares) == (3, 0)
    assert multi.reserve_monthly == pytest.approx(2880)


def test_owned_reserve_fits_spares_on_installed_gpus() -> None:
    # 1 replica of 1 GPU on an 8-GPU server: the spare fits on the same server, so the
    # reserve costs nothing more in servers.
    finance = ServerFinance(server_price=100_000, gpus_per_server=8)
    cost = owned_cost(
        finance,
        Serving(1500),
        tokens_per_month=1e9,
        availability=AvailabilityTarget(0.999, 0.99),
    )
    assert cost.reserve.spares == 1
    assert cost.servers == 1
    assert cost.reserve_monthly == pytest.approx(0)


targets = st.floats(0.5, 0.99999)


@settings(max_examples=150, deadline=None)
@given(
    low=targets,
    high=targets,
    a=st.floats(0.9, 0.9999),
    region=st.floats(0.99, 1.0),
    volume=st.floats(0, 2e10),
)
def test_more_availability_is_never_cheaper(
    low: float, high: float, a: float, region: float, volume: float
) -> None:
    low, high = sorted((low, high))
    rented = RentedCapacity(
        OnDemandRate(3.0), Serving(1500, gpus_per_replica=2), gpus_per_instance=8
    )

    def monthly(target: float) -> float | None:
        try:
            return rented_cost(
                rented,
                tokens_per_month=volume,
                availability=AvailabilityTarget(target, a, region_availability=region),
            ).monthly
        except ScenarioError:
            return None  # unreachable

    cheap, dear = monthly(low), monthly(high)
    if dear is not None:
        assert cheap is not None
        assert cheap <= dear + 1e-9
