"""The composition with a request shape (issue 15): fleets sized from prefill and decode
rates, latency targets that resize before they exclude, costs per request."""

from __future__ import annotations

import dataclasses

import pytest

from planner.engine import compose as eng
from planner.engine.api import ApiOffer
from planner.engine.errors import ScenarioError
from planner.engine.fleet import Serving
from planner.engine.latency import ProfilePoint, ServingProfile
from planner.engine.rented import RentedCapacity
from planner.engine.selfhost import Billing, OnDemandRate
from planner.engine.shape import RequestShape

GPT5 = ApiOffer(output_per_mtok=10.0, input_per_mtok=1.25, name="GPT-5")
RAG = RequestShape(4_000, 300)
CHAT = RequestShape(1_000, 400)
SECONDS_A_MONTH = 720 * 3_600  # 2,592,000

TWO_POINTS = ServingProfile.of(
    [
        ProfilePoint(400.0, concurrency=8, prefill_tokens_per_second=10_000.0),
        ProfilePoint(1_600.0, concurrency=64, prefill_tokens_per_second=10_000.0),
    ]
)


def gpu(
    profile: ServingProfile, *, tps: float, name: str = "GPU", **extra: object
) -> eng.FleetChoice:
    """One A100 at $2.00/h ($1,440 a month), planned at all of its throughput."""
    fleet = RentedCapacity(
        pricing=OnDemandRate(2.0),
        serving=Serving(tps, 1, 1.0, 1.0),
        gpus_per_instance=1,
        billing=Billing(),
        name=name,
    )
    return eng.FleetChoice(
        name=name,
        fleet=fleet,
        price=eng.Span.of(2.0),
        tokens_per_second=eng.Span.of(tps),
        other_monthly=eng.Span.of(0.0),
        profile=profile,
        **extra,  # type: ignore[arg-type]
    )


def test_without_a_shape_worked_case_4_holds() -> None:
    # No request shape: 1,500 tok/s count for every token, 1,500 x 2,592,000 = 3.888B a
    # month, whatever the profile says about prefill.
    profile = ServingProfile.of([ProfilePoint(1_500.0, prefill_tokens_per_second=30_000.0)])
    found = eng.compose(
        eng.Scenario(eng.Workload(1e9), (eng.ApiChoice("GPT-5", GPT5), gpu(profile, tps=1_500)))
    )
    fleet = found.option("GPU").fleet
    assert fleet is not None
    assert fleet.capacity_tokens_per_month == pytest.approx(3.888e9, rel=1e-12)
    assert found.option("GPU").serving is None
    assert found.option("GPU").cost_per_request is None


def test_an_input_heavy_fleet_is_sized_from_its_prefill_rate() -> None:
    # RAG on a replica decoding 1,000 and prefilling 10,000 tok/s: 6,142.857 tok/s of
    # the shape (see test_latency), 6,142.857 x 2,592,000 = 15.92B tokens a month. 10B
    # tokens take one replica; at 1,000 tok/s for every token (2.592B) they took four.
    profile = ServingProfile.of([ProfilePoint(1_000.0, prefill_tokens_per_second=10_000.0)])
    workload = eng.Workload(10e9, input_share=RAG.input_share, request_shape=RAG)
    found = eng.compose(eng.Scenario(workload, (gpu(profile, tps=1_000),)))
    option = found.option("GPU")
    assert option.fleet is not None
    assert option.fleet.capacity_tokens_per_month == pytest.approx(
        4_300 / 0.7 * SECONDS_A_MONTH, rel=1e-12
    )
    assert option.fleet.replicas == 1
    assert option.monthly.expected == pytest.approx(1_440.0)
    unshaped = eng.compose(eng.Scenario(eng.Workload(10e9), (gpu(profile, tps=1_000),)))
    assert unshaped.option("GPU").fleet.replicas == 4  # type: ignore[union-attr]


def test_a_latency_target_adds_replicas_and_the_recommendation_says_so() -> None:
    # Chat at 8B tokens a month. At 64 in flight a replica serves 4,000 tok/s (10.368B a
    # month): one replica, but p99 end to end 44.8 s. A 20 s target lowers the
    # concurrency to 9 (test_latency): 1,334.4 tok/s, 3.4588B a month, so
    # ceil(8B / 3.4588B) = 3 replicas, 3 x $1,440 = $4,320.
    workload = eng.Workload(
        8e9, input_share=CHAT.input_share, request_shape=CHAT, latency_p99_target_s=20.0
    )
    found = eng.compose(eng.Scenario(workload, (gpu(TWO_POINTS, tps=1_600),)))
    option = found.option("GPU")
    assert option.serving is not None
    assert option.serving.concurrency == 9
    assert option.fleet is not None
    assert option.fleet.replicas == 3
    assert option.monthly.expected == pytest.approx(4_320.0)
    assert option.p99_latency_s == pytest.approx(option.serving.latency.e2e_p99_s)  # type: ignore[union-attr]
    assert option.p99_latency_s is not None
    assert option.p99_latency_s <= 20.0
    assert found.recommendation.option == "GPU"
    resized = next(r for r in found.recommendation.reasons if r.code == "resized_for_latency")
    assert resized.figures == {
        "option": "GPU",
        "metrics": "e2e_p99",
        "concurrency": 9.0,
        "planned_concurrency": 64,
    }
    untargeted = eng.compose(
        eng.Scenario(
            dataclasses.replace(workload, latency_p99_target_s=None), (gpu(TWO_POINTS, tps=1_600),)
        )
    )
    assert untargeted.option("GPU").fleet.replicas == 1  # type: ignore[union-attr]


def test_an_unmeetable_first_token_target_excludes_and_names_the_metric() -> None:
    # TTFT p99 is 0.2 s at every measured concurrency; a 0.1 s target excludes the option.
    workload = eng.Workload(
        1e9, input_share=CHAT.input_share, request_shape=CHAT, ttft_p99_target_s=0.1
    )
    found = eng.compose(
        eng.Scenario(workload, (eng.ApiChoice("GPT-5", GPT5), gpu(TWO_POINTS, tps=1_600)))
    )
    assert found.recommendation.excluded == ("GPU",)
    reason = next(r for r in found.recommendation.reasons if r.code == "excluded_latency")
    assert reason.figures["metric"] == "ttft_p99"
    assert reason.figures["p99_latency_s"] == pytest.approx(0.2)
    assert reason.figures["target_s"] == 0.1
    # The API's TTFT is unknown: an unknown figure excludes nothing.
    assert found.recommendation.option == "GPT-5"


def test_a_measured_p99_on_the_option_wins_over_the_estimate() -> None:
    workload = eng.Workload(
        1e9, input_share=CHAT.input_share, request_shape=CHAT, latency_p99_target_s=20.0
    )
    option = gpu(TWO_POINTS, tps=1_600, p99_latency_s=3.0)
    found = eng.compose(eng.Scenario(workload, (option,)))
    # Measured 3 s meets the 20 s target as it is: no resizing, the estimate is not used.
    assert found.option("GPU").p99_latency_s == 3.0
    assert found.option("GPU").serving.concurrency == 64  # type: ignore[union-attr]


def test_the_catalog_figure_stays_where_nothing_can_be_estimated() -> None:
    # No concurrency stated: no latency estimate, so the catalog's 3.8 s p99 stands.
    profile = ServingProfile.of([ProfilePoint(1_500.0)])
    workload = eng.Workload(1e9, input_share=CHAT.input_share, request_shape=CHAT)
    option = gpu(profile, tps=1_500, catalog_p99_latency_s=3.8)
    assert eng.compose(eng.Scenario(workload, (option,))).option("GPU").p99_latency_s == 3.8


def test_costs_per_request_and_per_thousand_requests() -> None:
    # RAG against GPT-5: a request costs 4,000 x $1.25/M + 300 x $10/M = $0.005 + $0.003
    # = $0.008, $8 per 1,000 requests; 1B tokens a month are 1e9 / 4,300 = 232,558
    # requests. The replica's $1,440 over them is $0.006192 a request.
    profile = ServingProfile.of([ProfilePoint(1_500.0)])
    workload = eng.Workload(1e9, input_share=RAG.input_share, request_shape=RAG)
    found = eng.compose(
        eng.Scenario(workload, (eng.ApiChoice("GPT-5", GPT5), gpu(profile, tps=1_500)))
    )
    assert found.option("GPT-5").cost_per_request == pytest.approx(0.008, rel=1e-12)
    assert found.option("GPU").cost_per_request == pytest.approx(1_440 / (1e9 / 4_300), rel=1e-12)
    assert found.option("GPU").cost_per_request == pytest.approx(0.006192, rel=1e-12)


def test_the_input_share_must_agree_with_the_shape() -> None:
    with pytest.raises(ScenarioError) as error:
        eng.Workload(1e9, input_share=0.5, request_shape=RAG)
    assert error.value.field == "input_share"
    assert "0.93023" in error.value.message
    # Five stored decimals are close enough, and the exact share is what is priced.
    workload = eng.Workload(1e9, input_share=0.93023, request_shape=RAG)
    assert workload.input_share == 4_000 / 4_300


def test_corners_keep_their_ratio_to_the_expected_rate() -> None:
    # Decode ranged 1,000-3,000 around 1,500 (the catalog's A100 row), prefill unmeasured
    # (so it moves with decode): each corner still counts every token at its decode rate.
    profile = ServingProfile.of([ProfilePoint(1_500.0)])
    option = dataclasses.replace(
        gpu(profile, tps=1_500), tokens_per_second=eng.Span(1_000.0, 3_000.0, 1_500.0)
    )
    workload = eng.Workload(1e9, input_share=RAG.input_share, request_shape=RAG)
    resolved = eng.resolve_serving(option, workload)
    assert resolved.tokens_per_second.low == pytest.approx(1_000.0)
    assert resolved.tokens_per_second.high == pytest.approx(3_000.0)
    assert resolved.tokens_per_second.expected == pytest.approx(1_500.0)
    # Resolving again changes nothing (the composition's scenario is already resolved).
    assert eng.resolve_serving(resolved, workload) is resolved
    found = eng.compose(eng.Scenario(workload, (option,)))
    assert eng.compose(found.scenario).option("GPU") == found.option("GPU")


def test_an_input_share_swing_reshapes_the_request() -> None:
    # The tornado swings the input share; with a shape the share follows from it, so the
    # request is split again at the swung share, keeping its 4,300 tokens: at 0.5 that is
    # 2,150 in / 2,150 out. At 1 the output keeps one token.
    from planner.engine.sensitivity import ComposedSensitivity, difference

    workload = eng.Workload(1e9, input_share=RAG.input_share, request_shape=RAG)
    half = workload.with_input_share(0.5)
    assert half.request_shape == RequestShape(2_150, 2_150)
    assert half.input_share == 0.5
    assert workload.with_input_share(1.0).request_shape == RequestShape(4_299, 1)
    profile = ServingProfile.of([ProfilePoint(1_000.0, prefill_tokens_per_second=10_000.0)])
    scenario = eng.Scenario(workload, (eng.ApiChoice("GPT-5", GPT5), gpu(profile, tps=1_000)))
    sensitivity = ComposedSensitivity(scenario, api="GPT-5", selfhost="GPU")
    # GPT-5 at 2,150 / 2,150: 1e9 x (0.5 x $1.25 + 0.5 x $10) / 1M = $5,625; one replica
    # ($1,440) still carries 1B tokens (2,150 / 10,000 + 2,150 / 1,000 = 2.365 s a request,
    # 1,818 tok/s, 4.71B a month): 1,440 - 5,625 = -4,185.
    assert difference(sensitivity, input_share=0.5) == pytest.approx(1_440 - 5_625)
