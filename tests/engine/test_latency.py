"""Serving physics (issue 15): capacity from prefill and decode rates, latency at a
concurrency, interpolation between measured concurrencies, targets that resize."""

from __future__ import annotations

import pytest

from planner.engine.errors import ScenarioError
from planner.engine.latency import (
    P99_OVER_P50,
    LatencyTargets,
    ProfilePoint,
    ServingProfile,
    estimate_latency,
    phase_rates_of_run,
    serve,
    tokens_per_second_for_shape,
)
from planner.engine.shape import SHAPE_PRESETS, RequestShape

RAG = RequestShape(4_000, 300)  # input-heavy
ESSAY = RequestShape(100, 1_000)  # output-heavy
CHAT = RequestShape(1_000, 400)

# One replica measured at two concurrencies: decode rises from 400 tok/s (8 in flight)
# to 1,600 tok/s (64 in flight); it prefills 10,000 input tokens a second at both.
TWO_POINTS = ServingProfile.of(
    [
        ProfilePoint(1_600.0, concurrency=64, prefill_tokens_per_second=10_000.0),
        ProfilePoint(400.0, concurrency=8, prefill_tokens_per_second=10_000.0),
    ]
)


def test_capacity_of_an_input_heavy_shape_follows_prefill_and_decode() -> None:
    # RAG, 4,000 in / 300 out, decode 1,000 tok/s, prefill 10,000 tok/s:
    # a request takes 4,000 / 10,000 + 300 / 1,000 = 0.4 + 0.3 = 0.7 s of the replica,
    # so it serves 4,300 / 0.7 = 6,142.857 tokens a second: 6.1x the 1,000 tok/s the
    # all-tokens rule would give it.
    rate = tokens_per_second_for_shape(
        decode_tokens_per_second=1_000, prefill_tokens_per_second=10_000, shape=RAG
    )
    assert rate == pytest.approx(6_142.857142857, rel=1e-12)


def test_capacity_of_an_output_heavy_shape_is_close_to_the_decode_rate() -> None:
    # 100 in / 1,000 out: 100 / 10,000 + 1,000 / 1,000 = 0.01 + 1 = 1.01 s a request,
    # 1,100 / 1.01 = 1,089.109 tokens a second: decode dominates.
    rate = tokens_per_second_for_shape(
        decode_tokens_per_second=1_000, prefill_tokens_per_second=10_000, shape=ESSAY
    )
    assert rate == pytest.approx(1_089.108910891, rel=1e-12)


def test_without_a_prefill_rate_every_token_counts_at_the_decode_rate() -> None:
    # One catalog figure, 1,500 tok/s (worked case 4), no prefill rate: the fallback
    # prefill is the decode rate at the highest concurrency, so for any shape
    # (i + o) / (i / 1,500 + o / 1,500) = 1,500: the capacity of before, 3.888B a month.
    profile = ServingProfile.of([ProfilePoint(1_500.0)])
    for shape in (RAG, ESSAY, CHAT):
        found = serve(profile, shape)
        assert found.tokens_per_second == pytest.approx(1_500.0, rel=1e-12)
        assert found.prefill_measured is False
        assert found.latency is None  # no concurrency stated: no estimate
    assert found.tokens_per_second * 720 * 3_600 == pytest.approx(3.888e9, rel=1e-12)


def test_latency_at_the_highest_measured_concurrency() -> None:
    # Chat, 1,000 in / 400 out, at 64 in flight (D 1,600, P 10,000):
    # X = 1 / (1,000 / 10,000 + 400 / 1,600) = 1 / 0.35 = 2.857 requests/s;
    # end to end p50 = c / X = 64 x 0.35 = 22.4 s (Little's law); TTFT = 1,000 / 10,000
    # = 0.1 s; TPOT = (22.4 - 0.1) / 400 = 0.05575 s; p99 = p50 x 2 (none published).
    found = serve(TWO_POINTS, CHAT)
    assert found.concurrency == 64
    assert found.requests_per_second == pytest.approx(1 / 0.35, rel=1e-12)
    assert found.tokens_per_second == pytest.approx(1_400 / 0.35, rel=1e-12)  # 4,000
    latency = found.latency
    assert latency is not None
    assert latency.e2e_p50_s == pytest.approx(22.4, rel=1e-12)
    assert latency.ttft_p50_s == pytest.approx(0.1, rel=1e-12)
    assert latency.tpot_p50_s == pytest.approx(0.05575, rel=1e-12)
    assert latency.e2e_p99_s == pytest.approx(22.4 * P99_OVER_P50, rel=1e-12)
    assert P99_OVER_P50 == 2.0
    assert latency.measured is False


def test_latency_at_the_lower_measured_concurrency_and_in_between() -> None:
    # At 8 in flight (D 400): 1,000 / 10,000 + 400 / 400 = 1.1 s a request, end to end
    # 8 x 1.1 = 8.8 s, TPOT (8.8 - 0.1) / 400 = 0.02175 s.
    at_8 = serve(TWO_POINTS, CHAT, concurrency=8)
    assert at_8.latency is not None
    assert at_8.latency.e2e_p50_s == pytest.approx(8.8, rel=1e-12)
    assert at_8.latency.tpot_p50_s == pytest.approx(0.02175, rel=1e-12)
    assert at_8.tokens_per_second == pytest.approx(1_400 / 1.1, rel=1e-12)  # 1,272.7
    # Halfway, 36 in flight: decode interpolates to (400 + 1,600) / 2 = 1,000 tok/s;
    # 36 x (0.1 + 400 / 1,000) = 18 s end to end, TPOT (18 - 0.1) / 400 = 0.04475 s.
    at_36 = serve(TWO_POINTS, CHAT, concurrency=36)
    assert at_36.decode_tokens_per_second == pytest.approx(1_000.0, rel=1e-12)
    assert at_36.latency is not None
    assert at_36.latency.e2e_p50_s == pytest.approx(18.0, rel=1e-12)
    assert at_36.latency.tpot_p50_s == pytest.approx(0.04475, rel=1e-12)


def test_nothing_is_extrapolated_beyond_the_measured_concurrencies() -> None:
    with pytest.raises(ScenarioError) as error:
        serve(TWO_POINTS, CHAT, concurrency=128)
    assert error.value.field == "concurrency"
    assert "8-64" in error.value.message


def test_an_end_to_end_target_lowers_the_concurrency_before_it_excludes() -> None:
    # A 20 s p99 target: p99 = 2 x p50, so p50 <= 10 s: c x (0.1 + 400 / D(c)) <= 10,
    # with D(c) = 400 + (c - 8) x 1,200 / 56 between the two measurements.
    # c = 9:  D = 421.43, 9 x (0.1 + 0.94915) = 9.442 s  -> meets it;
    # c = 10: D = 442.86, 10 x (0.1 + 0.90323) = 10.032 s -> misses it.
    found = serve(TWO_POINTS, CHAT, targets=LatencyTargets(e2e_p99_s=20.0))
    assert found.concurrency == 9
    assert found.planned_concurrency == 64
    assert found.limited_by == ("e2e_p99",)
    assert found.unmet == ()
    assert found.resized
    decode_9 = 400 + 1_200 / 56
    assert found.decode_tokens_per_second == pytest.approx(decode_9, rel=1e-12)
    assert found.latency is not None
    assert found.latency.e2e_p99_s == pytest.approx(2 * 9 * (0.1 + 400 / decode_9), rel=1e-12)
    # Each replica now carries 1,400 / (0.1 + 400 / 421.43) = 1,334.4 tok/s instead of
    # 4,000: a third of the capacity, so about three times the replicas.
    assert found.tokens_per_second == pytest.approx(1_400 / (0.1 + 400 / decode_9), rel=1e-12)
    assert found.tokens_per_second == pytest.approx(1_334.4, abs=0.05)


def test_a_target_missed_even_at_the_lowest_concurrency_is_unmet() -> None:
    # TTFT p99 = 2 x 1,000 / 10,000 = 0.2 s at every concurrency: a 0.05 s target cannot
    # be met by lowering the concurrency; the estimate ends at the lowest measured one.
    found = serve(TWO_POINTS, CHAT, targets=LatencyTargets(ttft_p99_s=0.05))
    assert found.unmet == ("ttft_p99",)
    assert found.limited_by == ()
    assert found.concurrency == 8


def test_a_met_target_changes_nothing() -> None:
    assert serve(TWO_POINTS, CHAT, targets=LatencyTargets(e2e_p99_s=60.0)) == serve(
        TWO_POINTS, CHAT
    )


def test_published_ttft_and_tpot_replace_the_estimates() -> None:
    # A run at 1,000 input tokens measured TTFT 0.2 s (p99 0.5 s) and TPOT 0.03 s (p99
    # 0.05 s) at 32 in flight. For RAG prompts of 4,000 tokens TTFT scales to 0.8 s
    # (p99 2.0 s); end to end p50 = 0.8 + 300 x 0.03 = 9.8 s, p99 = 2.0 + 300 x 0.05 = 17 s.
    point = ProfilePoint(
        900.0,
        concurrency=32,
        ttft_p50_s=0.2,
        ttft_p99_s=0.5,
        tpot_p50_s=0.03,
        tpot_p99_s=0.05,
        input_tokens=1_000,
    )
    latency = estimate_latency(point, RAG, fallback_prefill_tokens_per_second=900.0)
    assert latency is not None
    assert latency.measured is True
    assert latency.ttft_p50_s == pytest.approx(0.8, rel=1e-12)
    assert latency.ttft_p99_s == pytest.approx(2.0, rel=1e-12)
    assert latency.e2e_p50_s == pytest.approx(9.8, rel=1e-12)
    assert latency.e2e_p99_s == pytest.approx(17.0, rel=1e-12)


def test_a_benchmark_run_splits_into_rates_that_give_back_its_own_throughput() -> None:
    # A run of 1,000 in / 200 out at 5 requests/s: 5,000 input and 1,000 output tok/s.
    # TTFT 0.2 s and TPOT 0.04 s: decoding takes 200 x 0.04 = 8 s, so the prefill share
    # s = 0.2 / 8.2; prefill = 5,000 / s = 205,000 tok/s; decode = 1,000 / (1 - s) = 1,025.
    prefill, decode = phase_rates_of_run(
        input_tokens_per_second=5_000,
        output_tokens_per_second=1_000,
        output_tokens=200,
        ttft_s=0.2,
        tpot_s=0.04,
    )
    assert prefill == pytest.approx(205_000.0, rel=1e-12)
    assert decode == pytest.approx(1_025.0, rel=1e-12)
    # At the run's own shape: 1,000 / 205,000 + 200 / 1,025 = 0.2 s a request, so
    # 1,200 / 0.2 = 6,000 tok/s: exactly the run's 5,000 + 1,000.
    own = tokens_per_second_for_shape(
        decode_tokens_per_second=decode,
        prefill_tokens_per_second=prefill,
        shape=RequestShape(1_000, 200),
    )
    assert own == pytest.approx(6_000.0, rel=1e-12)


def test_a_point_without_prefill_takes_the_profiles_measured_one() -> None:
    # Prefill is measured at 64 only; at 8 it is taken as the same 10,000 tok/s, so the
    # capacity at 8 is 1,400 / (0.1 + 400 / 400) = 1,272.7 tok/s, as if measured there.
    profile = ServingProfile.of(
        [
            ProfilePoint(1_600.0, concurrency=64, prefill_tokens_per_second=10_000.0),
            ProfilePoint(400.0, concurrency=8),
        ]
    )
    at_8 = serve(profile, CHAT, concurrency=8)
    assert at_8.prefill_tokens_per_second == 10_000.0
    assert at_8.tokens_per_second == pytest.approx(1_400 / 1.1, rel=1e-12)


def test_the_671b_catalog_profile_interpolates_single_stream_and_aggregate() -> None:
    # The reference's 671B MoE on 8x H100: 33 tok/s single stream, 620 at 100 in flight,
    # no prefill rate (so 620, the rate at the highest concurrency). At 1 in flight a chat
    # request takes 1,000 / 620 + 400 / 33 = 13.734 s end to end, TPOT 1 / 33 s.
    profile = ServingProfile.of(
        [ProfilePoint(620.0, concurrency=100), ProfilePoint(33.0, concurrency=1)]
    )
    at_1 = serve(profile, CHAT, concurrency=1)
    assert at_1.latency is not None
    assert at_1.latency.e2e_p50_s == pytest.approx(1_000 / 620 + 400 / 33, rel=1e-12)
    assert at_1.latency.tpot_p50_s == pytest.approx(1 / 33, rel=1e-12)
    # At 100 every token counts at 620 tok/s: the catalog's planning figure unchanged.
    assert serve(profile, CHAT).tokens_per_second == pytest.approx(620.0, rel=1e-12)


def test_profiles_refuse_what_cannot_be_interpolated() -> None:
    with pytest.raises(ScenarioError) as error:
        ServingProfile.of([ProfilePoint(1.0, concurrency=4), ProfilePoint(2.0)])
    assert error.value.field == "profile.concurrency"
    with pytest.raises(ScenarioError) as error:
        ServingProfile((ProfilePoint(2.0, concurrency=8), ProfilePoint(1.0, concurrency=4)))
    assert error.value.field == "profile.concurrency"
    with pytest.raises(ScenarioError) as error:
        ProfilePoint(1.0, concurrency=0.5)
    assert error.value.field == "profile.concurrency"


def test_the_input_share_follows_from_the_shape() -> None:
    # RAG: 4,000 / (4,000 + 300) = 0.930233; chat 1,000 / 1,400 = 0.714286.
    assert RAG.input_share == pytest.approx(4_000 / 4_300, rel=1e-15)
    assert SHAPE_PRESETS["rag"].shape == RAG
    assert SHAPE_PRESETS["chat_assistant"].shape.input_share == pytest.approx(1_000 / 1_400)
    for preset in SHAPE_PRESETS.values():
        assert preset.why
        assert preset.label
    with pytest.raises(ScenarioError) as error:
        RequestShape(0, 300)
    assert error.value.field == "request_shape.input_tokens"
