"""The fleet, reserve, owned and break-even survivors of the 2026-12-02 quick mutation run
(issue 19: ``run.py --sample 40 breakeven fleet rented reserve owned``).

Each test pins what a slip there would change: a figure the reserve's probability or the
cheapest reserve decides, and the API traffic a break-even is priced with. The refusals
those modules' survivors named (what a form points at) are rows of
tests/engine/test_pinned_engine_refusals.py.
"""

from __future__ import annotations

from math import comb

import pytest

from planner.engine.api import ApiOffer, ApiTraffic
from planner.engine.breakeven import breakeven_volume
from planner.engine.errors import ScenarioError
from planner.engine.fleet import Serving, pack_replicas
from planner.engine.owned import ServerFinance, owned_cost
from planner.engine.reserve import (
    AvailabilityTarget,
    _binomial_tail,
    deployment_availability,
    plan_reserve,
)


def test_headroom_of_exactly_one_is_accepted_and_a_touch_more_is_not() -> None:
    assert Serving(1500.0, headroom=1.0).headroom == 1.0
    with pytest.raises(ScenarioError):
        Serving(1500.0, headroom=1.0001)


def test_packing_counts_the_replicas_it_placed() -> None:
    # 9 two-GPU replicas on 8-GPU instances: 4 a machine, 3 machines, 9 replicas placed.
    packing = pack_replicas(
        9, gpus_per_replica=2, gpus_per_unit=8, allow_split=False, field="gpus_per_instance"
    )
    assert (packing.replicas, packing.units, packing.replicas_per_unit) == (9, 3, 4)
    assert packing.gpus == 24


def test_nothing_is_up_when_replicas_never_are_and_zero_up_is_certain() -> None:
    # Replicas up with probability 0: one needed out of three is never served.
    assert deployment_availability(needed=1, spares=2, replica_availability=0.0) == 0.0
    # P(at least 0 of 3 up) is 1 whatever the replicas do; at least 1 of 3 is 0 here.
    assert _binomial_tail(3, 0, 0.0) == 1.0
    assert _binomial_tail(3, 1, 0.0) == 0.0


def test_binomial_tail_sums_every_count_from_the_least_up() -> None:
    # P(at least 1 of 3 up) at 0.9 = 1 - 0.1^3 = 0.999; at least 2 = 0.972 (0.729 + 0.243).
    assert _binomial_tail(3, 1, 0.9) == pytest.approx(0.999, rel=1e-12)
    assert _binomial_tail(3, 2, 0.9) == pytest.approx(0.972, rel=1e-12)
    # Five of ten: the sum of the six counts 5..10.
    expected = sum(comb(10, i) * 0.6**i * 0.4 ** (10 - i) for i in range(5, 11))
    assert _binomial_tail(10, 5, 0.6) == pytest.approx(expected, rel=1e-12)


def test_base_availability_counts_the_region() -> None:
    # One replica at 0.99 in a region up 0.999: 0.98901 without a reserve.
    plan = plan_reserve(1, AvailabilityTarget(0.9999, 0.99, region_availability=0.999))
    assert plan.base_availability == pytest.approx(0.99 * 0.999, rel=1e-12)


def test_owned_reserve_is_the_cheapest_that_meets_the_target() -> None:
    """1-GPU servers at $36,000 over 3 years: $1,000 a month each. One replica needed at
    99.99% with replicas up 99% in regions up 99.9% (tests/engine/test_reserve.py): the
    first region count that reaches it is 2 regions x 2 replicas (4 servers), but 3
    regions x 1 replica (3 servers) also does and costs less: reserve $2,000, not $3,000.
    """
    finance = ServerFinance(server_price=36_000, gpus_per_server=1, useful_life_years=3)
    target = AvailabilityTarget(0.9999, 0.99, region_availability=0.999)
    cost = owned_cost(
        finance, Serving(1500.0, headroom=1.0), tokens_per_month=1e9, availability=target
    )
    assert (cost.reserve.regions, cost.reserve.spares, cost.servers) == (3, 0, 3)
    assert cost.line("reserve") == pytest.approx(2_000)
    assert cost.monthly == pytest.approx(3_000)


def test_breakeven_prices_the_api_with_its_traffic() -> None:
    """$3 in, $15 out, cache writes $3.75, half the tokens input, a fifth of the input
    written to the cache: 0.5 x (0.8 x 3 + 0.2 x 3.75) + 0.5 x 15 = $9.075 per 1M, so a
    $9,075 month breaks even at 1.0B tokens ($9.00 per 1M without the writes: 1.0083B).
    """
    offer = ApiOffer(output_per_mtok=15.0, input_per_mtok=3.0, cache_write_per_mtok=3.75)
    result = breakeven_volume(
        offer,
        selfhost_fixed_monthly=9_075.0,
        capacity_tokens_per_month=5e9,
        input_share=0.5,
        traffic=ApiTraffic(cache_write_share=0.2),
    )
    assert result.tokens_per_month == pytest.approx(1e9, rel=1e-12)
