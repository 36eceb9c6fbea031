"""The one composition: every figure of an option comes from one cost model."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.engine import compose as eng
from planner.engine.api import ApiOffer, PriceTier, blended_price_per_mtok
from planner.engine.fleet import Lens, Serving
from planner.engine.owned import ServerFinance
from planner.engine.rented import RentedCapacity
from planner.engine.selfhost import Billing, BillingMode, OnDemandRate

GPT5 = ApiOffer(output_per_mtok=10.0, input_per_mtok=1.25, name="GPT-5")
DEEPSEEK = ApiOffer(output_per_mtok=1.10, input_per_mtok=0.27, name="DeepSeek")


def rented(
    name: str = "Rented",
    *,
    hourly: float = 2.0,
    tps: float = 1500.0,
    gpus_per_replica: int = 1,
    gpus_per_instance: int = 1,
    utilization: float = 1.0,
    peak: float = 1.0,
    other: float = 0.0,
    multiplier: float = 1.0,
    spans: tuple[float, float, float] = (0.0, 0.0, 0.0),
    billing: Billing | None = None,
) -> eng.FleetChoice:
    """A rented option; ``spans`` widen price, throughput and other costs by +/- each share."""
    fleet = RentedCapacity(
        pricing=OnDemandRate(hourly * gpus_per_instance),
        serving=Serving(tps, gpus_per_replica, utilization, peak),
        gpus_per_instance=gpus_per_instance,
        billing=billing or Billing(),
        hidden_multiplier=multiplier,
        other_monthly=other,
        name=name,
    )
    price = hourly * gpus_per_instance
    return eng.FleetChoice(
        name=name,
        fleet=fleet,
        price=eng.Span(price * (1 - spans[0]), price * (1 + spans[0]), price),
        tokens_per_second=eng.Span(tps * (1 - spans[1]), tps * (1 + spans[1]), tps),
        other_monthly=eng.Span(other * (1 - spans[2]), other * (1 + spans[2]), other),
    )


def owned(name: str = "Owned", *, price: float = 250_000.0, tps: float = 1500.0) -> eng.FleetChoice:
    finance = ServerFinance(
        server_price=price,
        gpus_per_server=8,
        useful_life_years=3.0,
        gpu_tdp_watts=700.0,
        server_base_watts=2000.0,
        pue=1.3,
        usd_per_kwh=0.12,
        name=name,
    )
    return eng.FleetChoice(
        name=name,
        fleet=eng.OwnedFleet(finance, Serving(tps, 2, 1.0, 1.0)),
        price=eng.Span.of(price * 0.9, price * 1.1),
        tokens_per_second=eng.Span.of(tps),
        other_monthly=eng.Span.of(0.0),
    )


def test_case_4_one_rented_gpu_against_gpt5_crosses_at_256m() -> None:
    # $2.00/h x 720 h = $1,440 a month; GPT-5 at 50/50 blends to $5.625/M;
    # 1,440 / 5.625 x 1M = 256,000,000 tokens, inside one replica's 3.888B capacity.
    found = eng.compose(eng.Scenario(eng.Workload(1e9), (eng.ApiChoice("GPT-5", GPT5), rented())))
    assert found.option("Rented").monthly.expected == pytest.approx(1440.0)
    assert found.option("GPT-5").monthly.expected == pytest.approx(5625.0)
    assert found.option("Rented").fleet.capacity_tokens_per_month == pytest.approx(3.888e9)
    (pair,) = found.pairs
    assert [(c.volume, c.cheaper_above) for c in pair.crossings] == [(256_000_000, "Rented")]
    assert found.cheapest == "Rented"


def test_case_5_a_second_replica_wins_where_one_deployment_never_does() -> None:
    # One replica: 1,440 + 1,800 hidden = 3,240; DeepSeek blends to 0.685 $/M, so one
    # deployment would need 4.73B tokens, beyond its 3.888B capacity. Two replicas cost
    # 2 x 1,440 + 1,800 = 4,680: the API costs that much at 4,680 / 0.685 x 1M
    # = 6,832,116,788.3 tokens, and from the next whole token self-hosting is no dearer.
    found = eng.compose(
        eng.Scenario(eng.Workload(4e9), (eng.ApiChoice("DeepSeek", DEEPSEEK), rented(other=1800.0)))
    )
    assert found.option("Rented").fleet.replicas == 2
    assert found.option("Rented").monthly.expected == pytest.approx(4680.0)
    (pair,) = found.pairs
    first = pair.crossings[0]
    assert first.cheaper_above == "Rented"
    assert first.volume == 6_832_116_789
    assert pair.cheaper_at_start == "DeepSeek"


def test_every_section_names_one_replica_count_and_one_monthly_cost() -> None:
    option = rented(
        "H100",
        hourly=2.5,
        tps=900.0,
        gpus_per_replica=2,
        gpus_per_instance=2,
        peak=2.0,
        other=1800.0,
        multiplier=1.3,
        spans=(0.2, 0.2, 0.2),
    )
    scenario = eng.Scenario(
        eng.Workload(1.5e9, input_share=0.7, availability_target=0.999),
        (eng.ApiChoice("GPT-5", GPT5), option),
    )
    found = eng.compose(scenario)
    cost = found.option("H100")
    # the lines add up to the total at every corner
    for corner in ("low", "expected", "high"):
        total = sum(getattr(line, corner) for line in cost.lines.values())
        assert total == pytest.approx(getattr(cost.monthly, corner))
    assert cost.monthly.low <= cost.monthly.expected <= cost.monthly.high
    # the curve the chart and the crossings use gives the table's figure at the volume
    assert found.cost_at("H100", 1.5e9) == pytest.approx(cost.monthly.expected)
    # fleet: 1.5B x 2 (peak) / (900 tok/s x 2.592M s) = 1.286 -> 2 replicas, one spare
    assert cost.fleet.replicas == 2
    assert cost.fleet.total_replicas == cost.fleet.replicas + cost.fleet.spares
    assert cost.availability >= 0.999
    assert cost.detail.monthly == pytest.approx(cost.monthly.expected)
    assert cost.detail.reserve.total_replicas == cost.fleet.total_replicas


def test_monte_carlo_bands_lie_within_the_corners_and_collapse_without_ranges() -> None:
    wide = rented(other=500.0, spans=(0.3, 0.3, 0.3))
    found = eng.compose(eng.Scenario(eng.Workload(5e9), (eng.ApiChoice("GPT-5", GPT5), wide)))
    mc = found.monte_carlo["Rented"]
    cost = found.option("Rented")
    assert cost.monthly.low <= mc.selfhost[0] <= mc.selfhost[1] <= mc.selfhost[2]
    assert mc.selfhost[2] <= cost.monthly.high
    assert mc.api == (found.option("GPT-5").monthly.expected,) * 3
    narrow = eng.compose(
        eng.Scenario(eng.Workload(5e9), (eng.ApiChoice("GPT-5", GPT5), rented(other=500.0)))
    )
    expected = narrow.option("Rented").monthly.expected
    assert narrow.monte_carlo["Rented"].selfhost == pytest.approx((expected,) * 3)


def test_hybrid_prices_its_cheap_route_with_that_option_own_cost() -> None:
    scenario = eng.Scenario(
        eng.Workload(2e9),
        (
            eng.ApiChoice("GPT-5", GPT5),
            rented(other=300.0),
            eng.HybridChoice(
                "Mix", premium=GPT5, cheap="Rented", routed_share=0.6, escalation_rate=0.1
            ),
        ),
    )
    found = eng.compose(scenario)
    mix = found.option("Mix")
    # cheap: 1.2B tokens on the rented fleet (one replica, 1,440 + 300); premium:
    # 0.8B + 10% of 1.2B = 0.92B tokens at 5.625 $/M = 5,175
    assert mix.route.cheap_tokens == pytest.approx(1.2e9)
    assert mix.lines["cheap_route"].expected == pytest.approx(found.cost_at("Rented", 1.2e9))
    assert mix.lines["cheap_route"].expected == pytest.approx(1740.0)
    assert mix.lines["premium_api"].expected == pytest.approx(5175.0)
    assert mix.monthly.expected == pytest.approx(6915.0)


def test_marginal_lens_leaves_ownership_lines_out_of_the_same_fleet() -> None:
    option = owned()
    full = eng.compose(eng.Scenario(eng.Workload(3e9), (eng.ApiChoice("GPT-5", GPT5), option)))
    marginal = eng.compose(
        eng.Scenario(eng.Workload(3e9), (eng.ApiChoice("GPT-5", GPT5), option), lens=Lens.MARGINAL)
    )
    a, b = full.option("Owned"), marginal.option("Owned")
    assert a.fleet == b.fleet
    assert "depreciation" in a.lines
    assert "depreciation" not in b.lines
    assert b.excluded_lines["depreciation"] == pytest.approx(a.lines["depreciation"].expected)
    assert b.monthly.expected == pytest.approx(
        a.monthly.expected - a.lines["depreciation"].expected
    )


def test_scale_to_zero_takes_no_reserve_and_says_so() -> None:
    option = rented(billing=Billing(BillingMode.SCALE_TO_ZERO))
    found = eng.compose(
        eng.Scenario(
            eng.Workload(1e8, availability_target=0.999), (eng.ApiChoice("GPT-5", GPT5), option)
        )
    )
    assert found.option("Rented").fleet.reserve is None
    assert found.option("Rented").fleet.reserve_note == "scale_to_zero_no_reserve"


def test_unknown_success_rate_stays_unknown() -> None:
    found = eng.compose(
        eng.Scenario(
            eng.Workload(1e9),
            (eng.ApiChoice("GPT-5", GPT5, success_rate=0.9), rented()),
        )
    )
    assert found.option("GPT-5").cost_per_successful_mtok is not None
    assert found.option("Rented").success_rate is None
    assert found.option("Rented").cost_per_successful_mtok is None


# --- crossings: every change of the cheaper option is reported, and only those ----------

api_offers = st.builds(
    lambda inp, out, tier_at, tier_cut: ApiOffer(
        output_per_mtok=out,
        input_per_mtok=inp,
        name="api",
        tiers=()
        if tier_at is None
        else (
            PriceTier(
                from_tokens=tier_at, input_per_mtok=inp * tier_cut, output_per_mtok=out * tier_cut
            ),
        ),
    ),
    st.floats(0.05, 5.0),
    st.floats(0.2, 30.0),
    st.none() | st.floats(1e8, 5e10),
    st.floats(0.3, 1.0),
)


def test_a_replica_priced_near_the_api_crosses_it_again_and_again() -> None:
    # One replica carries 1500 x 2.592M = 3.888B tokens; at 50/50 GPT-5 charges
    # 3.888B x 5.625 $/M = 21,870 for that. A replica at 21,000 plus 3,000 of other costs
    # loses below the first step, wins inside later steps and loses just past some of
    # them until the fixed 3,000 is spread thin enough: several crossings, all reported.
    option = rented(hourly=21_000 / 720, other=3000.0)
    found = eng.compose(eng.Scenario(eng.Workload(1e10), (eng.ApiChoice("GPT-5", GPT5), option)))
    (pair,) = found.pairs
    assert len(pair.crossings) > 2
    winners = [c.cheaper_above for c in pair.crossings]
    assert all(a != b for a, b in itertools.pairwise(winners))
    for crossing in pair.crossings:
        v = crossing.volume
        step = found.cost_at("Rented", v) - found.cost_at("Rented", v - 1)
        gap = found.cost_at("GPT-5", v) - found.cost_at("Rented", v)
        assert step > 0 or abs(gap) < 0.01


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    offer=api_offers,
    ratio=st.floats(0.6, 1.4),
    tps=st.floats(200.0, 5000.0),
    other=st.floats(0.0, 5000.0),
    peak=st.floats(1.0, 3.0),
    tokens=st.floats(1e7, 2e10),
    share=st.floats(0.0, 1.0),
)
def test_crossings_are_where_the_order_changes_and_nowhere_else(
    offer: ApiOffer,
    ratio: float,
    tps: float,
    other: float,
    peak: float,
    tokens: float,
    share: float,
) -> None:
    # A replica priced at ``ratio`` x what the API charges for the tokens it carries:
    # near 1 the two cross again at replica steps.
    carried = tps * 720 * 3600 / peak
    hourly = ratio * carried * blended_price_per_mtok(offer, input_share=share) / 1e6 / 720
    scenario = eng.Scenario(
        eng.Workload(tokens, input_share=share),
        (eng.ApiChoice("API", offer), rented(hourly=hourly, tps=tps, other=other, peak=peak)),
        limit_tokens=eng.search_limit(tokens),
        monte_carlo_samples=0,
    )
    found = eng.compose(scenario)
    (pair,) = found.pairs
    api_cost, fleet_cost = found.cost_functions["API"], found.cost_functions["Rented"]

    def order(volume: int) -> int:
        gap = api_cost(volume) - fleet_cost(volume)
        if abs(gap) <= 1e-9 * max(1.0, abs(api_cost(volume))):
            return 0
        return 1 if gap > 0 else -1  # 1: the fleet is cheaper

    for crossing in pair.crossings:
        before, at = crossing.volume - 1, crossing.volume
        winner = 1 if crossing.cheaper_above == "Rented" else -1
        # at a crossing the two cost the same within 0.5%, or a replica step flips them
        close = math.isclose(api_cost(at), fleet_cost(at), rel_tol=0.005)
        assert close or order(before) == -winner
        assert order(at) in (0, winner)
    # a dense scan finds no change of order that is not reported
    reported = [c.volume for c in pair.crossings]
    scan = sorted({round(10 ** (7 + 5 * i / 1500)) for i in range(1501)} | {pair.limit})
    scan = [v for v in scan if v <= pair.limit]
    last_volume, last_order = None, 0
    for volume in scan:
        now = order(volume)
        if now == 0:
            continue
        if last_order and now != last_order:
            assert any(last_volume < v <= volume for v in reported), (
                last_volume,
                volume,
                reported,
            )
        last_volume, last_order = volume, now
