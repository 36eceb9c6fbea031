"""Survivors of the whole engine's quick mutation run of 2026-12-02 (issue 19:
``run.py --sample 40``), outside the fleet and reserve modules
(tests/engine/test_pinned_fleet_reserve.py).

Each test names what it guards: a refusal's field and sentence, a reason's figures and
words, the workload's peak applied to a sweep's fleets, the sweep's replica-step ends,
its inverse of a tiered API bill and its bisection, a hybrid's routed volume priced on
an owned fleet without rounding, a measured prefill rate kept at the throughput corners,
and a hybrid over a fleet leaving the network.
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.engine import compose as eng
from planner.engine.api import ApiOffer, PriceTier, api_tokens_for_spend
from planner.engine.energy import PowerDraw
from planner.engine.errors import ScenarioError
from planner.engine.fleet import Serving
from planner.engine.latency import ProfilePoint, ServingProfile
from planner.engine.owned import ServerFinance
from planner.engine.recommend import (
    CostedOption,
    OptionKind,
    QualityFloor,
    Situation,
    recommend,
)
from planner.engine.rented import RentedCapacity
from planner.engine.selfhost import OnDemandRate, ReservedRate, SelfHostConfig, rental_cost
from planner.engine.shape import RequestShape
from planner.engine.sweep import (
    SweepSpec,
    _bisect,
    _replicas,
    _step_ends,
    _tokens_for_spend,
    evaluate_chunk,
)


def test_power_draw_refuses_a_pue_below_one_naming_field_and_rule() -> None:
    with pytest.raises(ScenarioError) as refused:
        PowerDraw(gpu_watts=700.0, pue=0.95)
    assert (refused.value.field, refused.value.message) == ("selfhost.pue", "must be a number >= 1")


def test_reserved_rate_refuses_a_month_of_no_hours_naming_the_field() -> None:
    with pytest.raises(ScenarioError) as refused:
        rental_cost(ReservedRate(2.0), hours=100.0, hours_per_month=0.0)
    assert (refused.value.field, refused.value.message) == (
        "hours_per_month",
        "must be a positive number",
    )


def test_an_unknown_reference_score_reason_carries_the_floor_it_could_not_check() -> None:
    found = recommend(
        Situation(tokens_per_month=1e9, quality=QualityFloor("Mystery", 0.9)),
        [CostedOption("Cheap", OptionKind.API, 100.0, quality_score=10.0)],
    )
    (reason,) = [r for r in found.reasons if r.code == "quality_reference_unknown"]
    assert reason.figures == {"reference": "Mystery", "benchmark": None, "min_share": 0.9}
    assert reason.message == (
        "no benchmark score is known for Mystery: the 90% quality floor could not be checked"
    )


def test_quality_met_without_a_named_benchmark_says_the_benchmark() -> None:
    found = recommend(
        Situation(tokens_per_month=1e9, quality=QualityFloor("Ref", 0.8, reference_score=50.0)),
        [CostedOption("Cheap", OptionKind.API, 100.0, quality_score=45.0)],
    )
    (met,) = [r for r in found.reasons if r.code == "quality_met"]
    assert met.message == (
        "Cheap scores 45 on the benchmark, 90.0% of Ref's 50: at least the 80% required"
    )


def test_a_sweep_sizes_its_fleets_for_the_workloads_peak() -> None:
    """One $2/h GPU at 1,500 tok/s serves 3.888B tokens a month. 4.6656B tokens (1.2
    replica-months) need 2 replicas at a peak of 1 and ceil(2.4) = 3 at a peak of 2:
    3 x $1,440 = $4,320."""
    spec = SweepSpec(
        volumes=np.array([4.6656e9]),
        input_shares=np.array([0.5]),
        utilizations=np.array([1.0]),
        api_offers=(ApiOffer(output_per_mtok=10.0),),
        selfhost_configs=(SelfHostConfig(OnDemandRate(2.0), 1500.0),),
        peak_to_average=2.0,
    )
    chunk = evaluate_chunk(spec, 0, 1, with_breakeven=False)
    assert chunk.replicas[0, 0] == 3
    assert chunk.selfhost_monthly[0, 0] == pytest.approx(4_320.0)


def _owned_fleet(name: str = "Owned", *, server_price: float = 36_000.0) -> eng.FleetChoice:
    """One 1-GPU server a replica ($1,000 a month per $36,000 over 3 years) drawing 1 kW
    at 1,000 tok/s (1 J a token): at $1 per kWh, 1 / 3.6M dollars a token ($0.2778 per
    1M). A replica serves 1,000 x 3,600 x 720 = 2.592B tokens a month at a peak of 1."""
    finance = ServerFinance(
        server_price=server_price, gpus_per_server=1, gpu_tdp_watts=1_000, usd_per_kwh=1.0
    )
    return eng.FleetChoice(
        name=name,
        fleet=eng.OwnedFleet(finance, Serving(1000.0, 1, 1.0)),
        price=eng.Span.of(server_price),
        tokens_per_second=eng.Span.of(1000.0),
        other_monthly=eng.Span.of(0.0),
    )


def test_an_owned_fleets_breakeven_in_a_sweep_steps_with_the_workloads_peak() -> None:
    """$2 per 1M up to 2B tokens, then $0.10 (below the fleet's $0.2778 of energy: the
    API's lead over the fleet's energy falls, so the sweep searches like the
    composition). A $2,500-a-month server: one replica wins from 2,500 / 1.7222 per 1M =
    1.4516B tokens, inside one replica's 2.592B at a peak of 1. At a peak of 2 a replica
    covers 1.296B, so 1.4516B needs two ($5,000 + energy), which the API never reaches:
    no break-even, as the composition of the same fleet at a peak of 2 says."""
    offer = ApiOffer(
        output_per_mtok=2.0, input_per_mtok=2.0, tiers=(PriceTier(2e9, multiplier=0.05),)
    )
    fleet = _owned_fleet(server_price=90_000.0)

    def breakeven(peak: float) -> float:
        spec = SweepSpec(
            volumes=np.array([1e9]),
            input_shares=np.array([0.5]),
            utilizations=np.array([1.0]),
            api_offers=(offer,),
            selfhost_configs=(fleet,),
            peak_to_average=peak,
        )
        return float(evaluate_chunk(spec, 0, 1).breakeven[0, 0, 0, 0])

    assert breakeven(1.0) == pytest.approx(2_500 / (2.0 - 1 / 3.6) * 1e6, abs=1.0)
    assert np.isnan(breakeven(2.0))
    at_peak_two = eng.FleetChoice(
        name="Owned",
        fleet=eng.OwnedFleet(fleet.fleet.finance, Serving(1000.0, 1, 1.0, 2.0)),  # type: ignore[union-attr]
        price=fleet.price,
        tokens_per_second=fleet.tokens_per_second,
        other_monthly=fleet.other_monthly,
    )
    found = eng.compose(
        eng.Scenario(
            eng.Workload(1e9), (eng.ApiChoice("API", offer), at_peak_two), monte_carlo_samples=0
        )
    )
    (pair,) = found.pairs
    assert pair.crossings == ()
    assert pair.cheaper_at_limit == "API"


def test_replica_step_ends_are_the_last_token_each_count_serves() -> None:
    """At a peak of 1.35 and 3,888,439,028.1 tokens a replica, floor(17 x planned / peak)
    is 48,965,528,501 in floats, a token short of the 17th step's true end: 48,965,528,502
    still needs 17 replicas, one more token needs 18."""
    peak, planned = 1.35, 3_888_439_028.1
    counts = np.arange(1, 41, dtype=np.int64)
    ends = _step_ends(counts, peak, planned)
    assert ends[16] == 48_965_528_502
    needed = _replicas(ends, peak, np.array(planned))
    after = _replicas(ends + 1, peak, np.array(planned))
    assert (needed <= counts).all()
    assert (after > counts).all()


def test_the_sweeps_inverse_of_a_tiered_bill_is_the_engines() -> None:
    """$10 per 1M up to 1B tokens, half that above: $15,000 buys 1B + 1B = 2B tokens."""
    offer = ApiOffer(
        output_per_mtok=10.0, input_per_mtok=10.0, tiers=(PriceTier(1e9, multiplier=0.5),)
    )
    spec = SweepSpec(
        volumes=np.array([1e9]),
        input_shares=np.array([0.5]),
        utilizations=np.array([1.0]),
        api_offers=(offer,),
        selfhost_configs=(SelfHostConfig(OnDemandRate(2.0), 1500.0),),
    )
    spends = np.array([5_000.0, 15_000.0])
    found = _tokens_for_spend(spec.prepared(), 0, np.array([0, 0]), spends)
    assert found.tolist() == pytest.approx([5e8, 2e9], rel=1e-12)
    assert found[1] == pytest.approx(api_tokens_for_spend(offer, monthly_spend=15_000.0))


def test_bisection_finds_the_first_whole_token_that_wins_on_every_row() -> None:
    thresholds = np.array([377.0, 0.0, 999.0, 1000.0])

    def wins(volumes: np.ndarray) -> np.ndarray:
        return volumes >= thresholds[: volumes.size]

    low, high = np.zeros(4), np.full(4, 1000.0)
    assert _bisect(wins, low, high).tolist() == [377.0, 0.0, 999.0, 1000.0]


def test_a_hybrid_prices_its_routed_share_on_an_owned_fleet_without_rounding() -> None:
    """Half of 1,000,000,001 tokens is 500,000,000.5 routed to one owned server
    (``_owned_fleet``: $1,000 a month and 1 / 3.6M dollars a token). The other half at
    the premium's $6 per 1M.
    Rounding the routed volume up to a whole token would add half a token's energy."""
    premium = ApiOffer(output_per_mtok=10.0, input_per_mtok=2.0, name="Premium")
    options = (
        eng.ApiChoice("Premium", premium),
        _owned_fleet(),
        eng.HybridChoice("Mix", premium=premium, cheap="Owned", routed_share=0.5),
    )
    found = eng.compose(
        eng.Scenario(
            eng.Workload(1_000_000_001.0), options, monte_carlo_samples=0, search_crossings=False
        )
    )
    routed = 500_000_000.5
    expected = 1_000.0 + routed / 3.6e6 + routed * 6.0 / 1e6
    assert found.option("Mix").monthly.expected == pytest.approx(expected, rel=1e-13)


def test_a_measured_prefill_rate_stays_put_at_every_corner() -> None:
    """Decode 1,000 tok/s ranged 500-2,000, prefill measured at 10,000 tok/s, requests of
    4,000 in / 300 out. Only decode moves: low 4,300 / (0.4 + 300 / 500) = 4,300 tok/s,
    expected 4,300 / 0.7 = 6,142.86, high 4,300 / (0.4 + 0.15) = 7,818.18 (a prefill
    moving with decode would make the low corner 4,300 / 1.4 = 3,071.43)."""
    profile = ServingProfile.of([ProfilePoint(1_000.0, prefill_tokens_per_second=10_000.0)])
    fleet = RentedCapacity(OnDemandRate(2.0), Serving(1_000.0, 1, 1.0, 1.0), name="GPU")
    option = eng.FleetChoice(
        name="GPU",
        fleet=fleet,
        price=eng.Span.of(2.0),
        tokens_per_second=eng.Span(500.0, 2_000.0, 1_000.0),
        other_monthly=eng.Span.of(0.0),
        profile=profile,
    )
    shape = RequestShape(4_000, 300)
    workload = eng.Workload(1e9, input_share=shape.input_share, request_shape=shape)
    rates = eng.resolve_serving(option, workload).tokens_per_second
    assert (rates.low, rates.expected, rates.high) == pytest.approx(
        (4_300.0, 4_300 / 0.7, 4_300 / 0.55)
    )


def test_a_hybrid_over_a_fleet_is_excluded_when_data_must_stay_in_the_network() -> None:
    """Its premium share goes to an API, so the data leaves the network even though its
    cheap route is self-hosted; the fleet itself stays allowed."""
    premium = ApiOffer(output_per_mtok=10.0, input_per_mtok=2.0, name="Premium")
    options = (
        eng.ApiChoice("Premium", premium),
        _owned_fleet(),
        eng.HybridChoice("Mix", premium=premium, cheap="Owned", routed_share=0.9),
    )
    workload = eng.Workload(1e9, data_must_stay_in_network=True)
    found = eng.compose(eng.Scenario(workload, options, monte_carlo_samples=0))
    assert found.recommendation.excluded == ("Premium", "Mix")
