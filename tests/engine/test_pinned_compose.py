"""Pinned figures of the one composition (issue 19: mutation survivors in compose.py).

Hybrids priced route by route and along their curve, the search limit, pairs searched
one by one when the milestone search fails, the spans' arithmetic, and the lookups of a
composition; each figure is derived in the comments from the inputs.
"""

from __future__ import annotations

import math

import pytest

from planner.engine import compose as eng
from planner.engine.api import ApiOffer, PriceTier
from planner.engine.fleet import Serving
from planner.engine.rented import RentedCapacity
from planner.engine.selfhost import Billing, BillingMode, OnDemandRate

# At a 50/50 input share: Premium blends to 0.5 x 2 + 0.5 x 10 = 6 $/M, Cheap to
# 0.5 x 0.2 + 0.5 x 1 = 0.6 $/M.
PREMIUM = ApiOffer(output_per_mtok=10.0, input_per_mtok=2.0, name="Premium")
CHEAP = ApiOffer(output_per_mtok=1.0, input_per_mtok=0.2, name="Cheap")
FREE = ApiOffer(output_per_mtok=0.0, input_per_mtok=0.0, name="Free")


def rented(
    name: str = "Rented",
    *,
    hourly: float = 2.0,
    tps: float = 1500.0,
    peak: float = 1.0,
    price_span: float = 0.0,
    billing: Billing | None = None,
) -> eng.FleetChoice:
    """One-GPU replicas at ``hourly`` (x 720 h a month), ``tps`` tokens/s, headroom 1."""
    fleet = RentedCapacity(
        pricing=OnDemandRate(hourly),
        serving=Serving(tps, 1, 1.0, peak),
        billing=billing or Billing(),
        name=name,
    )
    return eng.FleetChoice(
        name=name,
        fleet=fleet,
        price=eng.Span(hourly * (1 - price_span), hourly * (1 + price_span), hourly),
        tokens_per_second=eng.Span.of(tps),
        other_monthly=eng.Span.of(0.0),
    )


def mix_over_cheap_api(**hybrid: object) -> eng.Composition:
    options = (
        eng.ApiChoice("Premium", PREMIUM),
        eng.ApiChoice("Cheap", CHEAP),
        eng.HybridChoice(
            "Mix",
            premium=PREMIUM,
            cheap="Cheap",
            **{"routed_share": 0.8, "escalation_rate": 0.1, **hybrid},  # type: ignore[arg-type]
        ),
    )
    return eng.compose(eng.Scenario(eng.Workload(1e8), options, monte_carlo_samples=0))


def test_hybrid_routes_its_share_and_escalations() -> None:
    found = mix_over_cheap_api(availability=0.995, success_rate=0.9)
    mix = found.option("Mix")
    # 1e8 tokens: 80% (8e7) to Cheap at 0.6 $/M = $48; the premium API gets the other
    # 20% (2e7) plus 10% of the routed 8e7 escalated (8e6): 2.8e7 at 6 $/M = $168.
    assert mix.kind == "hybrid"
    assert mix.route.cheap_tokens == pytest.approx(8e7)
    assert mix.route.premium_tokens == pytest.approx(2.8e7)
    assert mix.lines["cheap_route"].as_dict() == pytest.approx(
        {"low": 48.0, "expected": 48.0, "high": 48.0}
    )
    assert mix.lines["premium_api"].expected == pytest.approx(168.0)
    assert mix.monthly.as_dict() == pytest.approx({"low": 216.0, "expected": 216.0, "high": 216.0})
    assert mix.availability == 0.995
    assert mix.success_rate == 0.9
    # $216 for 100M tokens = 2.16 $/M.
    assert mix.cost_per_mtok == pytest.approx(2.16)


def test_hybrid_curve_prices_other_volumes_the_same_way() -> None:
    found = mix_over_cheap_api()
    # 1e9 tokens: 8e8 to Cheap = $480; 2e8 + 10% of 8e8 = 2.8e8 to Premium = $1,680.
    assert found.cost_at("Mix", 1e9) == pytest.approx(2160.0)
    # 5e7 tokens: 4e7 x 0.6 = $24; (1e7 + 4e6) x 6 = $84.
    assert found.cost_at("Mix", 5e7) == pytest.approx(108.0)
    # Every pair of options is reported, in the options' order, hybrids last.
    assert [(p.a, p.b) for p in found.pairs] == [
        ("Premium", "Cheap"),
        ("Premium", "Mix"),
        ("Cheap", "Mix"),
    ]


def test_hybrid_with_no_escalation_and_everything_routed() -> None:
    found = mix_over_cheap_api(routed_share=1.0, escalation_rate=0.0)
    # All 1e8 tokens to Cheap: $60, nothing to the premium API.
    assert found.option("Mix").monthly.expected == pytest.approx(60.0)
    assert found.cost_at("Mix", 2e8) == pytest.approx(120.0)
    assert found.option("Mix").lines["premium_api"].expected == 0.0


def test_hybrid_over_a_fleet_reads_the_fleet_at_each_corner() -> None:
    # The fleet's $2/h is ranged +/- 50%: one replica costs $720, $1,440 or $2,160 a
    # month. Half of 1e8 tokens goes to it (one replica carries 3.888e9), the other half
    # to Premium: 5e7 x 6 $/M = $300 at every corner.
    options = (
        eng.ApiChoice("Premium", PREMIUM),
        rented(price_span=0.5),
        eng.HybridChoice("Mix", premium=PREMIUM, cheap="Rented", routed_share=0.5),
    )
    found = eng.compose(eng.Scenario(eng.Workload(1e8), options, monte_carlo_samples=0))
    mix = found.option("Mix")
    assert mix.monthly.as_dict() == pytest.approx(
        {"low": 1020.0, "expected": 1740.0, "high": 2460.0}
    )
    assert mix.lines["cheap_route"].as_dict() == pytest.approx(
        {"low": 720.0, "expected": 1440.0, "high": 2160.0}
    )


def _free_mix_over_steps() -> eng.Composition:
    """A hybrid whose only cost is half its tokens on a stepped fleet, against an API.

    The fleet: one replica carries 1500 tok/s x 3600 x 720 = 3.888e9 tokens for $1,440.
    Mix sends half its tokens there (the rest to a free API), so it costs
    1,440 x max(1, ceil(V / 7.776e9)). Line's price, 1.01 x 1,440 / 7.776e9 per token,
    makes it dearer just before each of Mix's steps ends and cheaper again just after.
    """
    line = ApiOffer(output_per_mtok=1.01 * 1440 / 7.776e9 * 1e6, name="Line")
    options = (
        eng.ApiChoice("Line", line),
        rented(),
        eng.HybridChoice("Mix", premium=FREE, cheap="Rented", routed_share=0.5),
    )
    return eng.compose(eng.Scenario(eng.Workload(1e9), options, monte_carlo_samples=0))


def test_hybrid_crossings_follow_the_steps_of_its_cheap_route() -> None:
    found = _free_mix_over_steps()
    # The search runs to 100 x 1e9 = 1e11 tokens (the smallest replica step, 3.888e9,
    # allows 1,000 x that). Mix's step k is (k-1) x 7.776e9 < V <= k x 7.776e9: it wins
    # from V = k x 7.776e9 / 1.01 (where Line reaches 1,440 k) to the step's end, and
    # loses from the next token, for k = 1..12 (12 x 7.776e9 = 9.33e10 < 1e11; step 13
    # would win only from 1.0008e11, past the limit): 24 crossings.
    assert found.limit_tokens == 100_000_000_000
    pair = next(p for p in found.pairs if {p.a, p.b} == {"Line", "Mix"})
    assert pair.cheaper_at_start == "Line"  # Mix pays for one replica at 0 tokens
    assert pair.cheaper_at_limit == "Line"
    assert len(pair.crossings) == 24
    step = 7_776_000_000
    for k in range(1, 13):
        wins, loses = pair.crossings[2 * k - 2], pair.crossings[2 * k - 1]
        assert wins.cheaper_above == "Mix"
        assert wins.cheaper_below == "Line"
        assert abs(wins.volume - k * step / 1.01) <= 2
        assert (loses.volume, loses.cheaper_above) == (k * step + 1, "Line")


def test_the_search_limit_is_a_thousand_steps_of_the_smallest_replica() -> None:
    # A 1 tok/s replica carries 3600 x 720 = 2,592,000 tokens a month: 1,000 steps are
    # 2.592e9, below the default 100 x 1e7 = 1e9... floor of 1e10.
    slow = rented("Slow", tps=1.0)
    found = eng.compose(
        eng.Scenario(
            eng.Workload(1e7), (eng.ApiChoice("Premium", PREMIUM), slow), monte_carlo_samples=0
        )
    )
    assert found.limit_tokens == 2_592_000_000
    # A peak twice the average halves what a replica carries: 1,000 x 1,296,000.
    slow_peak = rented("Slow", tps=1.0, peak=2.0)
    found = eng.compose(
        eng.Scenario(
            eng.Workload(1e7), (eng.ApiChoice("Premium", PREMIUM), slow_peak), monte_carlo_samples=0
        )
    )
    assert found.limit_tokens == 1_296_000_000


def test_the_search_limit_steps_with_the_serving_window() -> None:
    # Billed 8 hours a day (240 h of the 720): a 1 tok/s replica carries 3600 x 240 =
    # 864,000 tokens a month; 1,000 steps = 864M.
    slow = rented("Slow", tps=1.0, billing=Billing(BillingMode.WINDOW, window_hours=240))
    found = eng.compose(
        eng.Scenario(
            eng.Workload(1e7), (eng.ApiChoice("Premium", PREMIUM), slow), monte_carlo_samples=0
        )
    )
    assert found.limit_tokens == 864_000_000


def test_a_hybrid_steps_no_finer_than_its_cheap_route() -> None:
    # A hybrid sending half its tokens to the 2.592M-token replica steps every 5.184M
    # tokens: the fleet's own step stays the smallest, the limit 1,000 x 2.592M.
    slow = rented("Slow", tps=1.0)
    options = (
        eng.ApiChoice("Premium", PREMIUM),
        slow,
        eng.HybridChoice("Mix", premium=PREMIUM, cheap="Slow", routed_share=0.5),
        eng.HybridChoice("None routed", premium=PREMIUM, cheap="Slow", routed_share=0.0),
        eng.HybridChoice("Over API", premium=PREMIUM, cheap="Premium", routed_share=0.5),
    )
    found = eng.compose(eng.Scenario(eng.Workload(1e7), options, monte_carlo_samples=0))
    assert found.limit_tokens == 2_592_000_000
    # Routing nothing to the fleet: all 1e7 tokens at 6 $/M = $60, and the fleet's cost
    # at 0 tokens, one standing replica (an always-on fleet runs at least one): $1,440.
    assert found.option("None routed").monthly.expected == pytest.approx(1500.0)


def test_search_limit_bounds() -> None:
    # 100 x the workload, at least 1e10, at most 1e12; steps cap it; never below a step.
    assert eng.search_limit(1e7) == 10_000_000_000
    assert eng.search_limit(5e8) == 50_000_000_000
    assert eng.search_limit(5e10) == 1_000_000_000_000
    assert eng.search_limit(1e9, 1e6) == 1_000_000_000  # 1,000 steps of 1M
    assert eng.search_limit(1e9, 1e8) == 100_000_000_000  # 1,000 steps reach past 1e11
    assert eng.search_limit(1e9, 2.5e11 + 0.5) == 250_000_000_001  # never below one step
    assert eng.search_limit(1e9, 0.0) == 100_000_000_000  # no step: no cap
    assert isinstance(eng.search_limit(1e9, 1e6), int)


def test_pairs_are_searched_one_by_one_when_the_milestones_fail() -> None:
    # A 0.001 tok/s replica carries 2,592 tokens a month: up to the 1e9 limit asked for
    # it takes 385,803 steps, beyond the 200,000 the search allows, so the milestones
    # fail as a whole; the API pair is still searched (Cheap is cheaper throughout),
    # each pair with the tiny fleet reports the error.
    options = (
        eng.ApiChoice("Premium", PREMIUM),
        eng.ApiChoice("Cheap", CHEAP),
        rented("Tiny", tps=0.001),
    )
    found = eng.compose(
        eng.Scenario(eng.Workload(1e6), options, limit_tokens=10**9, monte_carlo_samples=0)
    )
    message = "Tiny takes more than 200,000 replica steps up to 1B tokens/month: lower the limit"
    assert found.milestones is None
    assert found.milestones_error == message
    assert [(p.a, p.b) for p in found.pairs] == [
        ("Premium", "Cheap"),
        ("Premium", "Tiny"),
        ("Cheap", "Tiny"),
    ]
    apis = found.pairs[0]
    # Cheap costs no more from 0 tokens (both $0 there) and strictly less after: no
    # crossing, Cheap from the start to the limit.
    assert apis.error is None
    assert (apis.crossings, apis.cheaper_at_start, apis.cheaper_at_limit) == ((), "Cheap", "Cheap")
    for pair in found.pairs[1:]:
        assert pair.crossings == ()
        assert (pair.cheaper_at_start, pair.cheaper_at_limit) == ("", "")
        assert pair.limit == 10**9
        assert pair.error == message


def test_spans() -> None:
    span = eng.Span.of(3.0, 1.0)  # low and high put in order, expected their midpoint
    assert (span.low, span.high, span.expected) == (1.0, 3.0, 2.0)
    assert eng.Span.of(4.0) == eng.Span(4.0, 4.0, 4.0)
    assert eng.Span.of(1.0, 3.0, 2.5).expected == 2.5
    # A cost rising with the input: the cheap corner is low; falling (throughput): high.
    assert (span.at("low"), span.at("expected"), span.at("high")) == (1.0, 2.0, 3.0)
    assert (span.at("low", cost_rises=False), span.at("high", cost_rises=False)) == (3.0, 1.0)
    assert span.lerp(0.25) == 1.5  # 1 + (3 - 1) x 0.25
    assert span.scaled(2.0) == eng.Span(2.0, 6.0, 4.0)
    assert span.shifted(10.0) == eng.Span(11.0, 13.0, 12.0)


def test_composition_lookups() -> None:
    found = eng.compose(
        eng.Scenario(
            eng.Workload(1e9), (eng.ApiChoice("Premium", PREMIUM), rented()), monte_carlo_samples=0
        )
    )
    assert found.option("Rented").name == "Rented"
    with pytest.raises(KeyError) as missing:
        found.option("Nobody")
    assert missing.value.args == ("Nobody",)
    # One replica: all $1,440 of it is hardware (compute), nothing else.
    assert found.parts_at("Rented", 1e9) == pytest.approx((1440.0, 0.0))
    # 5e9 tokens need two replicas: $2,880.
    assert found.parts_at("Rented", 5e9) == pytest.approx((2880.0, 0.0))
    assert found.option("Premium").monthly.as_dict() == {
        "low": 6000.0,
        "expected": 6000.0,
        "high": 6000.0,
    }


def test_blended_price_of_an_api_option_and_of_a_hybrid_premium() -> None:
    w = eng.Workload(1e9, input_share=0.8, cached_share=0.5)
    cached = ApiOffer(output_per_mtok=10.0, input_per_mtok=2.0, cached_input_per_mtok=0.2)
    # Input: half cached at 0.2, half at 2 = 1.1 $/M; 0.8 x 1.1 + 0.2 x 10 = 2.88 $/M.
    assert eng.blended_per_mtok(eng.ApiChoice("A", cached), w) == pytest.approx(2.88)
    hybrid = eng.HybridChoice("H", premium=cached, cheap="A", routed_share=0.5)
    assert eng.blended_per_mtok(hybrid, w) == pytest.approx(2.88)
    # The base price, not a tier's: a 50% tier from 0 does not change it.
    tiered = ApiOffer(
        output_per_mtok=10.0, input_per_mtok=2.0, tiers=(PriceTier(from_tokens=0, multiplier=0.5),)
    )
    assert eng.blended_per_mtok(eng.ApiChoice("T", tiered), eng.Workload(1.0)) == 6.0


def test_curve_volumes_span_a_tenth_to_ten_times_the_workload() -> None:
    volumes = eng.curve_volumes(1e9, points=5)
    # log10 from 8 to 10 in 4 steps of 0.5.
    assert volumes == (100_000_000, 316_227_766, 1_000_000_000, 3_162_277_660, 10_000_000_000)
    # Below 1M tokens the curve centres on 1M.
    assert eng.curve_volumes(10.0, points=3) == (100_000, 1_000_000, 10_000_000)
    assert len(eng.curve_volumes(1e9)) == 40
    assert math.isclose(eng.curve_volumes(1e9)[-1], 1e10)


@pytest.mark.parametrize(
    ("a", "b", "left"),
    [
        ([(0, 10)], [(3, 5)], [(0, 2), (6, 10)]),  # a hole in the middle
        ([(0, 5)], [(10, 12)], [(0, 5)]),  # b after a: nothing removed
        ([(5, 10)], [(0, 5)], [(6, 10)]),  # b ends where a starts
        ([(5, 10)], [(0, 1), (7, 8)], [(5, 6), (9, 10)]),  # b before a, then inside it
        ([(0, 10)], [(3, 9), (10, 12)], [(0, 2)]),  # b covers the rest from 3
        ([(5, 5)], [], [(5, 5)]),  # one token, nothing to remove
        ([(0, 4), (8, 9)], [(2, 8)], [(0, 1), (9, 9)]),
    ],
)
def test_minus_removes_one_set_of_whole_token_intervals_from_another(a, b, left) -> None:
    assert eng._minus(a, b) == left


def test_pair_crossings_tie_volumes_belong_to_the_new_winner() -> None:
    # a costs no more on [0, 100] and [200, 1000], b on [100, 200]: b is strictly
    # cheaper on 101..199 and a again from 201. Each crossing is the first volume from
    # which the new winner costs no more: b from 100, a from 200.
    pair = eng._pair_crossings("a", "b", [(0, 100), (200, 1000)], [(100, 200)], 1000)
    assert pair.crossings == (eng.Crossing(100, "b", "a"), eng.Crossing(200, "a", "b"))
    assert (pair.cheaper_at_start, pair.cheaper_at_limit, pair.limit) == ("a", "a", 1000)


def test_pair_crossings_one_token_win_and_the_last_winner() -> None:
    # b wins only at 150 (a costs no more below and above it), then b from 900 to the
    # limit: b is the cheaper at the limit.
    pair = eng._pair_crossings("a", "b", [(0, 149), (151, 899)], [(150, 150), (900, 1000)], 1000)
    assert pair.crossings == (
        eng.Crossing(150, "b", "a"),
        eng.Crossing(151, "a", "b"),
        eng.Crossing(900, "b", "a"),
    )
    assert (pair.cheaper_at_start, pair.cheaper_at_limit) == ("a", "b")


def test_pair_crossings_of_options_that_always_tie() -> None:
    # Equal everywhere: neither is strictly cheaper anywhere; the first named is reported.
    pair = eng._pair_crossings("a", "b", [(0, 1000)], [(0, 1000)], 1000)
    assert (pair.crossings, pair.cheaper_at_start, pair.cheaper_at_limit) == ((), "a", "a")


def _ranged(
    name: str, *, tps: tuple[float, float], billing: Billing | None = None
) -> eng.FleetChoice:
    """A one-GPU replica at $1-$3/h ($2 expected), throughput drawn within ``tps``."""
    fleet = RentedCapacity(
        pricing=OnDemandRate(2.0),
        serving=Serving(sum(tps) / 2, 1, 1.0, 1.0),
        billing=billing or Billing(),
        name=name,
    )
    return eng.FleetChoice(
        name, fleet, eng.Span(1.0, 3.0, 2.0), eng.Span.of(*tps), eng.Span.of(0.0)
    )


def test_monte_carlo_always_on_mixes_the_replica_counts_the_throughput_draws_need() -> None:
    # 3e9 tokens; throughput uniform on [1,000, 2,000] tok/s, so a replica carries
    # 2.592e9-5.184e9 tokens: two replicas when tps < 3e9 / 2.592e6 = 1,157.4 (15.74% of
    # draws), else one. The price is uniform on [$1, $3]/h: one replica costs U[720,
    # 2,160], two U[1,440, 4,320]. The API at 0.6 $/M costs $1,800; P(fleet < 1,800) =
    # 0.8426 x (1,800 - 720) / 1,440 + 0.1574 x (1,800 - 1,440) / 2,880 = 0.6516.
    api = ApiOffer(output_per_mtok=0.6, input_per_mtok=0.6, name="Flat")
    scenario = eng.Scenario(
        eng.Workload(3e9),
        (eng.ApiChoice("Flat", api), _ranged("A100", tps=(1000.0, 2000.0))),
        monte_carlo_samples=20_000,
        search_crossings=False,
    )
    mc = eng.compose(scenario).monte_carlo["A100"]
    assert (mc.vs, mc.samples, mc.seed) == ("Flat", 20_000, eng.DEFAULT_SEED)
    assert mc.api == (1800.0, 1800.0, 1800.0)
    # Three standard errors at 20,000 draws: about 0.01.
    assert mc.p_selfhost_cheaper == pytest.approx(0.6516, abs=0.012)
    # P10 of the mixture: 0.8426 x (x - 720) / 1,440 = 0.1 (below 1,440 only one replica
    # can be that cheap): x = 720 + 1,440 x 0.1 / 0.8426 = 890.9.
    assert mc.selfhost[0] == pytest.approx(890.9, abs=15)


def test_monte_carlo_scale_to_zero_prices_each_draw() -> None:
    # Scale-to-zero bills the busy hours: 3.6e9 tokens at 1,000 tok/s = 1,000 h, at a
    # price uniform on [$1, $3]: the cost is uniform on [$1,000, $3,000] (P10 1,200,
    # P50 2,000, P90 2,800). Against the API's 3.6e9 x 0.5 $/M = $1,800:
    # P(fleet < 1,800) = 800 / 2,000 = 0.4.
    api = ApiOffer(output_per_mtok=0.5, input_per_mtok=0.5, name="Flat")
    fleet = _ranged("S2Z", tps=(1000.0, 1000.0), billing=Billing(BillingMode.SCALE_TO_ZERO))
    scenario = eng.Scenario(
        eng.Workload(3.6e9),
        (eng.ApiChoice("Flat", api), fleet),
        monte_carlo_samples=4000,
        monte_carlo_seed=11,
        search_crossings=False,
    )
    found = eng.compose(scenario)
    assert found.option("S2Z").monthly.as_dict() == pytest.approx(
        {"low": 1000.0, "expected": 2000.0, "high": 3000.0}
    )
    mc = found.monte_carlo["S2Z"]
    # Three standard errors of a quantile of U[1,000, 3,000] at 4,000 draws: ~28.
    assert mc.selfhost == pytest.approx((1200.0, 2000.0, 2800.0), abs=30)
    assert mc.p_selfhost_cheaper == pytest.approx(0.4, abs=0.025)
    assert mc.seed == 11


def test_monte_carlo_needs_an_api_option_and_samples() -> None:
    fleet = _ranged("A100", tps=(1000.0, 2000.0))
    alone = eng.compose(eng.Scenario(eng.Workload(1e9), (fleet,), search_crossings=False))
    assert alone.monte_carlo == {}
    none = eng.compose(
        eng.Scenario(
            eng.Workload(1e9),
            (eng.ApiChoice("Premium", PREMIUM), fleet),
            monte_carlo_samples=0,
            search_crossings=False,
        )
    )
    assert none.monte_carlo == {}
