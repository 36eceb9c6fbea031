"""Survivors of the whole-engine quick mutation run (issue 19).

``bench/mutation/run.py --sample 40`` drew 40 mutants of every engine module; these tests
kill the ones that survived in latency, sizing, sensitivity, contract and crossover (each
names what it guards). The rest are judged in MUTATION.md.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from planner.engine.api import (
    ApiOffer,
    ApiTraffic,
    ContextShare,
    PriceTier,
    ServiceTier,
    api_monthly_cost,
)
from planner.engine.contract import parse_quote, serving_json, unit_costs
from planner.engine.crossover import api_curve, first_win, rented_curve, union
from planner.engine.errors import ScenarioError
from planner.engine.fleet import Serving
from planner.engine.latency import (
    LatencyTargets,
    ProfilePoint,
    ServingProfile,
    phase_rates_of_run,
    serve,
)
from planner.engine.rented import RentedCapacity
from planner.engine.selfhost import OnDemandRate, SelfHostConfig
from planner.engine.sensitivity import SensitivityBase, Swing, difference, tornado
from planner.engine.shape import RequestShape
from planner.engine.sizing import Architecture, fit_replica, gpus_needed, vram_needed_gb

GPT = ApiOffer(output_per_mtok=10.0, input_per_mtok=1.25, cached_input_per_mtok=0.125, name="GPT-5")
SHAPE = RequestShape(1_000, 400)


def _point(concurrency: float, tpot_p99: float) -> ProfilePoint:
    return ProfilePoint(
        decode_tokens_per_second=100.0 * concurrency,
        concurrency=concurrency,
        prefill_tokens_per_second=5_000.0,
        tpot_p99_s=tpot_p99,
    )


REFUSALS: list[tuple[str, Callable[[], object], str, str]] = [
    (
        "profile of no points",
        lambda: ServingProfile(()),
        "profile",
        "needs at least one measured point",
    ),
    (
        "profile out of order",
        lambda: ServingProfile((_point(8.0, 0.08), _point(1.0, 0.01))),
        "profile.concurrency",
        "points must be in rising order of concurrency",
    ),
    (
        "above the measured range",
        lambda: ServingProfile((_point(1.0, 0.01), _point(8.0, 0.08))).at(8.5),
        "concurrency",
        "8.5 is outside the measured range 1-8: nothing is extrapolated",
    ),
    (
        "run output rate",
        lambda: phase_rates_of_run(
            input_tokens_per_second=2000.0,
            output_tokens_per_second=0.0,
            output_tokens=400.0,
            ttft_s=0.5,
            tpot_s=0.02,
        ),
        "output_tokens_per_second",
        "must be a positive number",
    ),
    (
        "run tpot",
        lambda: phase_rates_of_run(
            input_tokens_per_second=2000.0,
            output_tokens_per_second=800.0,
            output_tokens=400.0,
            ttft_s=0.5,
            tpot_s=0.0,
        ),
        "tpot_s",
        "must be a positive number",
    ),
    (
        "vram overhead",
        lambda: vram_needed_gb(70.0, overhead_fraction=-0.1),
        "overhead_fraction",
        "must be a non-negative number",
    ),
    (
        "gpus for negative memory",
        lambda: gpus_needed(vram_needed_gb=-1.0, gpu_vram_gb=80.0),
        "vram_needed_gb",
        "must be a non-negative number",
    ),
    (
        "gpus asked",
        lambda: fit_replica(params_b=8.0, precision="fp16", gpu_vram_gb=80.0, gpus_asked=0),
        "gpu_count",
        "must be a whole number >= 1",
    ),
    (
        "architecture layers",
        lambda: Architecture(layers=0, kv_heads=8, head_dim=128),
        "model.layers",
        "must be a whole number >= 1",
    ),
    (
        "context tiers not a list",
        lambda: parse_quote(
            {
                "tokens_per_month": 1e9,
                "api": {"output_per_mtok": 10, "context_tiers": {"above_tokens": 200_000}},
                "selfhost": {"monthly": 1440, "tokens_per_second": 1500},
            }
        ),
        "api.context_tiers",
        "must be a JSON list",
    ),
    (
        "a swing twice",
        lambda: tornado(_sensitivity(), [Swing("volume", pct=0.2), Swing("volume", pct=0.5)]),
        "sensitivity",
        "each input at most once",
    ),
]


@pytest.mark.parametrize(
    ("call", "field", "message"),
    [pytest.param(call, field, message, id=name) for name, call, field, message in REFUSALS],
)
def test_refusal_names_its_field_and_rule(
    call: Callable[[], object], field: str, message: str
) -> None:
    """Guards each refusal's field (what a form points at) and its sentence."""
    with pytest.raises(ScenarioError) as refused:
        call()
    assert (refused.value.field, refused.value.message) == (field, message)


def test_latency_target_lowers_concurrency_to_the_highest_whole_level_that_meets_it() -> None:
    """Guards the candidates a latency target is tried at: every whole concurrency below the
    planned one. tpot p99 is 0.01 s x concurrency; a 0.075 s target is met at 7, not 8."""
    profile = ServingProfile((_point(1.0, 0.01), _point(8.0, 0.08)))
    estimate = serve(profile, SHAPE, targets=LatencyTargets(tpot_p99_s=0.075))
    assert estimate.planned_concurrency == 8.0
    assert estimate.concurrency == pytest.approx(7.0)
    assert estimate.limited_by == ("tpot_p99",)
    assert estimate.unmet == ()


def test_latency_target_may_settle_on_a_measured_fractional_concurrency() -> None:
    """Guards the measured levels among the candidates: a point measured at 1.5 concurrent
    requests is tried after 2, and it is the one that meets a 0.016 s tpot target."""
    profile = ServingProfile((_point(1.5, 0.015), _point(8.0, 0.08)))
    estimate = serve(profile, SHAPE, targets=LatencyTargets(tpot_p99_s=0.016))
    assert estimate.concurrency == 1.5
    assert estimate.unmet == ()
    assert estimate.limited_by == ("tpot_p99",)


def test_interpolated_point_interpolates_the_published_ttft_p99() -> None:
    """Guards the p99 time to first token between two measured points: halfway between
    0.3 s and 2.4 s is 1.35 s (not the p50's 0.45 s x 2)."""
    low = ProfilePoint(100.0, 1.0, 5_000.0, ttft_p50_s=0.1, ttft_p99_s=0.3)
    high = ProfilePoint(800.0, 8.0, 5_000.0, ttft_p50_s=0.8, ttft_p99_s=2.4)
    estimate = serve(ServingProfile((low, high)), SHAPE, concurrency=4.5)
    assert estimate.latency is not None
    assert estimate.latency.ttft_p50_s == pytest.approx(0.45)
    assert estimate.latency.ttft_p99_s == pytest.approx(1.35)


def test_serving_json_names_the_decode_rate() -> None:
    """Guards the contract key of a replica's decode rate."""
    estimate = serve(ServingProfile((_point(1.0, 0.01), _point(8.0, 0.08))), SHAPE)
    assert serving_json(estimate)["decode_tokens_per_second"] == 800.0


def test_unit_costs_without_requests_have_no_cost_per_thousand() -> None:
    """Guards the no-traffic case: no cost per request, none per 1,000 requests."""
    assert unit_costs(0.0, None, None) == {
        "per_mtok": None,
        "per_request": None,
        "per_1k_requests": None,
    }
    assert unit_costs(100.0, 2.5, 0.00125)["per_1k_requests"] == 1.25


def test_first_win_names_the_incumbent() -> None:
    """Guards the incumbent's name on the crossover (the milestone sentence names it)."""
    fleet = RentedCapacity(pricing=OnDemandRate(2.0), serving=Serving(1500.0, 1, 1.0), name="A100")
    win = first_win(rented_curve(fleet), api_curve(GPT))
    assert (win.challenger, win.incumbent) == ("A100", "GPT-5")


def test_vram_needed_defaults_to_fp16() -> None:
    """Guards the default precision of the memory estimate: fp16, 2 bytes a parameter."""
    assert vram_needed_gb(70.0) == vram_needed_gb(70.0, precision="fp16")
    assert vram_needed_gb(70.0, overhead_fraction=0.0) == 140.0


def _sensitivity() -> SensitivityBase:
    config = SelfHostConfig(
        pricing=OnDemandRate(2.0),
        tokens_per_second=1500.0,
        hidden_multiplier=1.5,
        hidden_monthly=100.0,
    )
    return SensitivityBase(
        tokens_per_month=1e9,
        api=GPT,
        selfhost=config,
        input_share=0.7,
        cached_share=0.5,
        engineer_hours_per_month=10.0,
        engineer_hourly_rate=100.0,
    )


def test_sensitivity_difference_applies_the_multiplier_and_the_cached_share() -> None:
    """Guards the base difference: self-host $1,440 x 1.5 + $100 + 10 h x $100 = $3,260;
    the API at 70% input, half of it cached: 350M x $1.25 + 350M x $0.125 + 300M x $10
    = $3,481.25 a month."""
    assert difference(_sensitivity()) == pytest.approx(3260.0 - 3481.25, abs=1e-9)


def test_a_model_too_big_for_one_node_says_what_to_change() -> None:
    """Guards the sentence of the one-node refusal (a form shows it as it is)."""
    with pytest.raises(ScenarioError) as refused:
        fit_replica(params_b=671.0, precision="fp16", gpu_vram_gb=80.0)
    assert refused.value.field == "allow_multi_instance"
    assert refused.value.message.startswith("the model needs ")
    assert refused.value.message.endswith(
        "allow a replica to span 3 nodes, use a lower precision or a GPU with more memory"
    )


def test_long_context_shares_may_not_grow_with_the_input_length() -> None:
    """Guards the traffic refusal's sentence: 30% above 200K tokens cannot exceed the
    20% above 100K it is part of."""
    with pytest.raises(ScenarioError) as refused:
        ApiTraffic(long_context_shares=(ContextShare(100_000, 0.2), ContextShare(200_000, 0.3)))
    assert (refused.value.field, refused.value.message) == (
        "long_context_shares",
        "a longer input length cannot have a larger share than a shorter one",
    )


def test_union_merges_overlapping_and_touching_volume_ranges() -> None:
    """Guards the merge of win intervals: overlapping ranges keep the farther end, ranges
    one token apart join, a gap stays."""
    assert union([[(0, 5)], [(3, 10)]]) == [(0, 10)]
    assert union([[(0, 10)], [(3, 5)]]) == [(0, 10)]
    assert union([[(0, 5), (6, 9)], [(20, 30)]]) == [(0, 9), (20, 30)]


def test_a_quote_reads_each_latency_target() -> None:
    """Guards the three p99 targets a quote's JSON states (each resizes the replicas)."""
    quote = parse_quote(
        {
            "tokens_per_month": 1e9,
            "api": {"output_per_mtok": 10},
            "selfhost": {"monthly": 1440, "tokens_per_second": 1500},
            "request_shape": {"preset": "rag"},
            "tpot_p99_target_s": 0.05,
            "ttft_p99_target_s": 2.0,
            "latency_p99_target_s": 30.0,
        }
    )
    workload = quote.scenario.workload
    assert (
        workload.tpot_p99_target_s,
        workload.ttft_p99_target_s,
        workload.latency_p99_target_s,
    ) == (0.05, 2.0, 30.0)


def test_a_volume_tier_keeps_the_service_tiers_of_an_offer_without_context_tiers() -> None:
    """Guards the volume tier of an offer with service tiers and no context tiers: past
    1B tokens the tier halves every price, the batch tier's too. All batch at 50% input:
    1B x ($1 + $5) / 2 = $3,000, then 1B x ($0.50 + $2.50) / 2 = $1,500 (not the flat
    tier's standard $3,000)."""
    offer = ApiOffer(
        output_per_mtok=10.0,
        input_per_mtok=2.0,
        tiers=(PriceTier(1e9, 0.5),),
        service_tiers=(ServiceTier("batch", input_per_mtok=1.0, output_per_mtok=5.0),),
    )
    batch = ApiTraffic(batch_share=1.0)
    assert api_monthly_cost(offer, tokens_per_month=2e9, traffic=batch) == pytest.approx(4500.0)
    assert api_monthly_cost(offer, tokens_per_month=2e9) == pytest.approx(9000.0)
