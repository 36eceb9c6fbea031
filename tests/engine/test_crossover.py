"""First winning volume over step-shaped cost curves, exactly, up to a limit."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.engine.api import ApiOffer, PriceTier, api_monthly_cost
from planner.engine.crossover import (
    api_curve,
    costs_no_more,
    crossovers,
    first_win,
    rented_curve,
    step_curve,
    win_intervals,
)
from planner.engine.fleet import Serving
from planner.engine.rented import RentedCapacity
from planner.engine.selfhost import OnDemandRate

GPT5 = api_curve(ApiOffer(input_per_mtok=1.25, output_per_mtok=10.0, name="gpt-5"))  # $5.625/M


def test_case_4_first_win_is_exact() -> None:
    # $1,440 a replica of 3.888B: 1,440 / 5.625 x 1M = 256,000,000 tokens exactly.
    a100 = step_curve("a100", fixed=0, step_cost=1440, step_tokens=3.888e9, kind="rented")
    win = first_win(a100, GPT5)
    assert win.volume == 256_000_000
    assert a100.cost(255_999_999) > GPT5.cost(255_999_999)
    assert win.holds_to_limit
    assert win.lost_at is None
    assert win.wins_for_good_from == 256_000_000
    assert "stays so up to 1T" in win.reason


def test_real_rented_curve_matches_the_step_curve() -> None:
    rented = RentedCapacity(OnDemandRate(2.0), Serving(1500, headroom=1.0), name="a100")
    assert first_win(rented_curve(rented), GPT5).volume == 256_000_000


def test_win_lost_again_at_the_next_replica() -> None:
    # API $1/M; self-host $500 + $1,000 a replica of 1.5B tokens.
    # step 1 (0, 1.5B]: $1,500 = API at 1.5B -> wins at 1,500,000,000 exactly (the end);
    # 1,500,000,001 needs a 2nd replica ($2,500) while the API is $1,500.000001 -> lost;
    # step 2 (1.5B, 3B]: $2,500 won back from 2.5B, lost at 3B + 1 ($3,500 vs $3,000);
    # step 3 (3B, 4.5B]: $3,500 won from 3.5B; at 4.5B + 1 the API ($4,500.000001) has
    # outrun the 4th replica ($4,500): the API gains $1,500 a step, a replica costs
    # $1,000, so from 3.5B the win is for good.
    api = api_curve(ApiOffer(output_per_mtok=1.0, name="api"))
    sh = step_curve("sh", fixed=500, step_cost=1000, step_tokens=1.5e9)
    win = first_win(sh, api, limit=10**10)
    assert win.volume == 1_500_000_000
    assert not win.holds_to_limit
    assert win.lost_at == 1_500_000_001
    assert win.intervals == (
        (1_500_000_000, 1_500_000_000),
        (2_500_000_000, 3_000_000_000),
        (3_500_000_000, 10_000_000_000),
    )
    assert win.wins_for_good_from == 3_500_000_000
    assert "dearer again at 1.5B" in win.reason


def test_win_never_for_good_when_tiers_slow_the_api() -> None:
    # API $1/M up to 2B, then $0.1/M; self-host $400 a replica of 0.5B.
    # steps j = 1..4 ((0.5B (j-1), 0.5B j]): $400 j <= V / 1M from 0.4B j -> won on
    # [0.4B, 0.5B], [0.8B, 1B], [1.2B, 1.5B], [1.6B, 2B];
    # step 5 (2B, 2.5B]: $2,000 vs the API's $2,000 + 0.1 x (V - 2B) / 1M -> all won;
    # step 6: $2,400 vs at most $2,100 - and the API gains $50 a step vs a $400 replica,
    # so from 2.5B + 1 it is lost for good.
    api = api_curve(
        ApiOffer(output_per_mtok=1.0, tiers=(PriceTier(2e9, output_per_mtok=0.1),), name="api")
    )
    sh = step_curve("sh", fixed=0, step_cost=400, step_tokens=0.5e9)
    win = first_win(sh, api, limit=10**10)
    assert win.volume == 400_000_000
    assert win.lost_at == 500_000_001
    assert win.intervals == (
        (400_000_000, 500_000_000),
        (800_000_000, 1_000_000_000),
        (1_200_000_000, 1_500_000_000),
        (1_600_000_000, 2_500_000_000),
    )
    assert win.wins_for_good_from is None
    assert "does not win for good" in win.reason


def test_tiered_api() -> None:
    # $2/M up to 1B, then $0.5/M: the API reaches a flat $2,500 at 1B + 500/0.5 M = 2B
    # (flat pricing would have crossed at 1.25B).
    api = api_curve(
        ApiOffer(output_per_mtok=2.0, tiers=(PriceTier(1e9, multiplier=0.25),), name="tiered")
    )
    flat = step_curve("flat", fixed=2500, step_cost=0, step_tokens=1e13)
    assert first_win(flat, api).volume == 2_000_000_000


def test_milestones_with_a_winner_that_changes_at_higher_volume() -> None:
    # API $5/M; rented $2,000 a 1B step; owned $20,000 + $500 a 1B step.
    # rented vs API: 2,000 j <= 5 V / 1M from V = 400M, and the API's $5,000 a step
    #   outruns rented's $2,000 -> holds.
    # owned vs API: step 5 (4B, 5B]: 22,500 <= 5 V / 1M from 4.5B -> holds.
    # owned vs rented: 20,000 + 500 j <= 2,000 j from j = 14, i.e. V = 13B + 1.
    api = api_curve(ApiOffer(output_per_mtok=5.0, name="api"))
    rented = step_curve("rented", fixed=0, step_cost=2000, step_tokens=1e9, kind="rented")
    owned = step_curve("owned", fixed=20_000, step_cost=500, step_tokens=1e9, kind="owned")
    found = crossovers([api, rented, owned])
    m = found.milestones
    assert m["rented_beats_api"].volume == 400_000_000
    assert m["rented_beats_api"].holds_to_limit
    assert m["owned_beats_api"].volume == 4_500_000_000
    assert m["rented_cheapest_overall"].volume == 400_000_000
    assert m["rented_cheapest_overall"].lost_at == 13_000_000_001
    assert not m["rented_cheapest_overall"].holds_to_limit
    assert m["owned_cheapest_overall"].volume == 13_000_000_001
    assert m["owned_cheapest_overall"].holds_to_limit
    assert found.pair("owned", "rented").volume == 13_000_000_001


def test_never_wins() -> None:
    api = api_curve(ApiOffer(output_per_mtok=0.001, name="cheap"))
    sh = step_curve("sh", fixed=1000, step_cost=1000, step_tokens=1e9)
    win = first_win(sh, api)
    assert win.volume is None
    assert "never" in win.reason


def brute(cost_a: list[float], cost_b: list[float]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for v, (a, b) in enumerate(zip(cost_a, cost_b, strict=True)):
        if costs_no_more(a, b):
            if out and out[-1][1] == v - 1:
                out[-1] = (out[-1][0], v)
            else:
                out.append((v, v))
    return out


@settings(max_examples=150, deadline=None)
@given(
    price=st.floats(0.0, 5e5),
    tier_at=st.integers(1, 3000),
    multiplier=st.floats(0.0, 1.0),
    fixed=st.floats(0.0, 500.0),
    step_cost=st.floats(0.0, 500.0),
    step_tokens=st.floats(3.0, 700.0),
)
def test_intervals_equal_brute_force(
    price: float,
    tier_at: int,
    multiplier: float,
    fixed: float,
    step_cost: float,
    step_tokens: float,
) -> None:
    """On a small whole-token range every volume is checked: the intervals are exact."""
    limit = 3000
    api = api_curve(
        ApiOffer(output_per_mtok=price, tiers=(PriceTier(tier_at, multiplier=multiplier),))
    )
    sh = step_curve("sh", fixed=fixed, step_cost=step_cost, step_tokens=step_tokens)
    a = [sh.cost(v) for v in range(limit + 1)]
    b = [api.cost(v) for v in range(limit + 1)]
    assert win_intervals(sh, api, limit=limit) == brute(a, b)
    assert win_intervals(api, sh, limit=limit) == brute(b, a)


@settings(max_examples=80, deadline=None)
@given(
    price=st.floats(0.01, 20.0),
    step_cost=st.floats(10.0, 50_000.0),
    fixed=st.floats(0.0, 50_000.0),
    step_tokens=st.floats(2e9, 1e11),
)
def test_first_win_is_truly_the_first(
    price: float, step_cost: float, fixed: float, step_tokens: float
) -> None:
    api = api_curve(ApiOffer(output_per_mtok=price, name="api"))
    sh = step_curve("sh", fixed=fixed, step_cost=step_cost, step_tokens=step_tokens)
    win = first_win(sh, api)
    if win.volume is None:
        return
    assert costs_no_more(sh.cost(win.volume), api.cost(win.volume))
    if win.volume > 0:
        assert not costs_no_more(sh.cost(win.volume - 1), api.cost(win.volume - 1))
    if win.lost_at is not None:
        assert not costs_no_more(sh.cost(win.lost_at), api.cost(win.lost_at))
        assert costs_no_more(sh.cost(win.lost_at - 1), api.cost(win.lost_at - 1))
    assert math.isfinite(sh.cost(win.volume))


@settings(max_examples=50, deadline=None)
@given(
    offer=st.builds(
        ApiOffer,
        output_per_mtok=st.floats(0, 50),
        input_per_mtok=st.none() | st.floats(0, 50),
        tiers=st.just((PriceTier(1e9, multiplier=0.5), PriceTier(5e9, output_per_mtok=0.1))),
    ),
    volume=st.integers(0, 10**12),
    share=st.floats(0, 1),
)
def test_api_curve_is_api_monthly_cost(offer: ApiOffer, volume: int, share: float) -> None:
    assert api_curve(offer, input_share=share).cost(volume) == api_monthly_cost(
        offer, tokens_per_month=volume, input_share=share
    )
