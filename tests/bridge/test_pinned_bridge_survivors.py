"""The bridge's mutation survivors (issue 19: ``run.py --bridge --sample 20``, then
``bridge_db.py``), each pinned where a stored result, a refusal or a snapshot shows it.

The plans are the hand-written schema-2 snapshots of tests/bridge/snapshots.py (1B
tokens a month at 50/50 input, one API offer, one rented A100 at $2/h: $1,440 a month).
"""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

import pytest

from planner.bridge import composition, forecasts, plans, preview, serving, shapes, sweeps
from tests.bridge.snapshots import STORED_V1 as STORED
from tests.bridge.snapshots import api_snap, by_name, selfhost_snap, snapshot

GPT = "GPT-5 (OpenAI) \u00b7 feb-2026"
LLAMA = "Llama on A100"


def test_a_published_score_is_shown_without_a_quality_floor() -> None:
    # No floor: nothing is compared, and the option shows the score its model publishes.
    api = api_snap()
    api["quality"] = {
        "model": "GPT-5",
        "score": 85.7,
        "benchmark": "GPQA Diamond",
        "source": "vendor",
        "source_description": "OpenAI model card",
        "as_of": "2026-01-15",
    }
    quality = by_name(composition.evaluate(snapshot([api, selfhost_snap()])))[GPT]["quality"]
    assert quality == {
        "score": 85.7,
        "share": None,
        "meets_floor": None,
        "model": "GPT-5",
        "model_score": 85.7,
        "benchmark": "GPQA Diamond",
        "source": "vendor",
        "source_description": "OpenAI model card",
        "as_of": "2026-01-15",
    }


def _workload(**shares: Any) -> SimpleNamespace:
    fields: dict[str, Any] = {
        "cached_share": 0.0,
        "cache_write_share": 0.0,
        "batch_share": 0.0,
        "priority_share": 0.0,
        "flex_share": 0.0,
        "long_context_shares": [],
    }
    return SimpleNamespace(**(fields | shares))


def test_traffic_errors_name_the_long_context_part_in_words() -> None:
    too_large = _workload(long_context_shares=[{"above_tokens": 200_000, "share": 1.5}])
    assert composition.api_traffic_error(too_large) == (
        "long_context_shares",
        "A share must be a number between 0 and 1.",
    )
    no_length = _workload(long_context_shares=[{"above_tokens": 0, "share": 0.1}])
    assert composition.api_traffic_error(no_length) == (
        "long_context_shares",
        "An input length must be positive.",
    )
    assert composition.api_traffic_error(_workload(batch_share=0.4)) is None


def test_an_api_within_the_premium_names_the_premium_the_rules_may_justify() -> None:
    # GPT-5 at $1 / $5.40 per 1M: $3.20 blended, $3,200 a month; the A100 costs $1,440
    # plus $1,360 of other costs, $2,800. The API is within 25% of it and the rules favour
    # it (33M tokens a day, under 50M), so it is recommended although it is not the
    # cheapest, and the reason names the premium the rules may justify: the engine's 25%.
    fleet = selfhost_snap(other_monthly=1_360.0)
    plan = snapshot([api_snap(input_per_mtok=1.0, output_per_mtok=5.4), fleet])
    rec = composition.evaluate(plan)["recommendation"]
    assert rec["option"] == GPT
    (reason,) = [r for r in rec["reasons"] if r["code"] == "not_cheapest"]
    assert reason["figures"] == {
        "option": GPT,
        "monthly": 3200.0,
        "cheapest": LLAMA,
        "cheapest_monthly": 2800.0,
        "premium_allowed": 0.25,
    }


def owned_snap(name: str = "Llama on owned A100") -> dict[str, Any]:
    """One owned 1-GPU server a replica: $36,000 over 3 years, $1,000 a month."""
    finance = {
        "server_price": 36_000.0,
        "gpus_per_server": 1,
        "useful_life_years": 3.0,
        "residual_value": 0.0,
    }
    snap = selfhost_snap(name, owned={"finance": finance, "server_price_span": [36_000.0] * 2})
    return snap


def test_an_owned_fleets_volume_curve_steps_like_a_rented_one() -> None:
    results = composition.evaluate(snapshot([api_snap(), selfhost_snap(), owned_snap()]))
    steps = {s["name"]: (s["kind"], s["step"]) for s in results["curves"]["volume"]["series"]}
    assert steps == {
        GPT: ("api", False),
        LLAMA: ("selfhost", True),
        "Llama on owned A100": ("selfhost", True),
    }
    owned = by_name(results)["Llama on owned A100"]
    assert owned["monthly"]["expected"] == 1_000.0


def test_a_schema_1_sensitivity_prices_the_api_with_the_workloads_cached_share() -> None:
    """The stored milestone plan (tests/bridge/test_forecasts.py) with 40% of the input
    cached at $0.125: GPT-5 blends 0.5 x (0.6 x 1.25 + 0.4 x 0.125) + 0.5 x 10 = $5.40
    per 1M, so the volume's -/+20% (8e8, 1.2e9) cost $4,320 / $6,480 against the fleet's
    $2,880 / $4,320 (two and three 518.4M-token replicas)."""
    stored = copy.deepcopy(STORED[3])
    inputs, results = stored["inputs"], stored["results"]
    inputs["workload"]["cached_share"] = 0.4
    for snap in inputs["options"]:
        if snap["kind"] == "api":
            snap["api"]["cached_input_per_mtok"] = 0.125
    out = forecasts.sensitivity_snapshot(inputs, results)
    volume = next(bar for bar in out["bars"] if bar["name"] == "volume")
    assert volume["difference_low"] == pytest.approx(2880.0 - 4320.0)
    assert volume["difference_high"] == pytest.approx(4320.0 - 6480.0)


def test_a_schema_1_sensitivity_counts_labor_once_and_the_other_costs_as_costs() -> None:
    """The stored milestone plan with $100 of hidden items, $200 of other costs and 10
    engineer hours at $75-$150 ($112.50 expected): the fleet's fixed hidden costs are
    the items and the other costs ($300); labor is the engineer-rate swing's own line, so
    at a -/+20% volume the fleet costs $2,880 / $4,320 + $300 + $1,125."""
    stored = copy.deepcopy(STORED[3])
    inputs, results = stored["inputs"], stored["results"]
    for snap in inputs["options"]:
        if snap["kind"] == "selfhost":
            snap["selfhost"]["hidden_items"] = [
                {"label": "monitoring", "kind": "monitoring", "monthly": [100.0, 100.0]}
            ]
            snap["selfhost"]["other_monthly"] = 200.0
            snap["selfhost"]["labor"]["hours"] = 10.0
    out = forecasts.sensitivity_snapshot(inputs, results)
    volume = next(bar for bar in out["bars"] if bar["name"] == "volume")
    assert volume["difference_low"] == pytest.approx(2880.0 + 300.0 + 1125.0 - 4500.0)
    assert volume["difference_high"] == pytest.approx(4320.0 + 300.0 + 1125.0 - 6750.0)


def test_a_schema_1_recompute_keeps_the_crossing_search_refusal() -> None:
    """A stored plan whose fleet serves 0.01 tok/s: a replica carries 25,920 tokens a
    month, so the 1T-token search would price 38.6M replica steps. The milestones say so
    (and list none) rather than an empty, silent table."""
    inputs = copy.deepcopy(STORED[3]["inputs"])
    for snap in inputs["options"]:
        if snap["kind"] == "selfhost":
            snap["selfhost"]["throughput"] |= {"planning": 0.01, "range": [0.01, 0.01]}
    milestones = plans.evaluate(inputs)["milestones"]
    assert (milestones["items"], milestones["pairs"]) == ([], [])
    assert milestones["error"] == (
        "Llama 3.3 70B on 1\u00d7 NVIDIA A100 80GB takes more than 200,000 replica steps "
        "up to 1T tokens/month: lower the limit"
    )


def test_the_live_preview_prices_costs_without_monte_carlo_draws() -> None:
    """The preview answers a keystroke: the plan's costs and recommendation, without the
    Monte Carlo draws a saved plan of the same snapshot stores."""
    inputs = snapshot([api_snap(), selfhost_snap()], samples=500)
    costs = preview.costs_only(inputs)
    saved = composition.evaluate(inputs)
    assert "monte_carlo" in by_name(saved)[LLAMA]
    assert "monte_carlo" not in by_name(costs)[LLAMA]
    assert by_name(costs)[LLAMA]["monthly"] == by_name(saved)[LLAMA]["monthly"]
    assert costs["recommendation"] == saved["recommendation"]


def test_a_catalog_profile_is_its_planning_point_and_its_single_stream_point() -> None:
    """A profile measured at 32 sequences (1,200 tok/s planned, prefill 9,000 tok/s, TTFT
    p50 / p99 180 / 420 ms, TPOT 25 / 40 ms) that also states 60 tok/s for one stream:
    two points, the single stream first at concurrency 1, every millisecond in seconds."""
    profile = SimpleNamespace(
        concurrency=32,
        prefill_tok_s=9_000,
        ttft_p50_ms=180,
        ttft_p99_ms=420,
        tpot_p50_ms=25,
        tpot_p99_ms=40,
        single_stream_output_tok_s=60,
    )
    single, planned = serving.catalog_points(profile, 1_200.0)
    assert (single["decode_tokens_per_second"], single["concurrency"]) == (60.0, 1.0)
    assert single["prefill_tokens_per_second"] is None
    assert planned == single | {
        "decode_tokens_per_second": 1_200.0,
        "concurrency": 32.0,
        "prefill_tokens_per_second": 9_000.0,
        "ttft_p50_s": 0.18,
        "ttft_p99_s": 0.42,
        "tpot_p50_s": 0.025,
        "tpot_p99_s": 0.04,
    }
    # Measured at one stream already: no second point.
    alone = serving.catalog_points(SimpleNamespace(**(vars(profile) | {"concurrency": 1})), 60.0)
    assert len(alone) == 1


def test_a_workloads_latency_targets_are_read_one_by_one() -> None:
    targets = serving.latency_targets(
        {"ttft_p99_target_s": 0.5, "tpot_p99_target_s": 0.05, "latency_p99_target_s": 2.0}
    )
    assert (targets.ttft_p99_s, targets.tpot_p99_s, targets.e2e_p99_s) == (0.5, 0.05, 2.0)


def test_without_a_request_shape_a_replica_runs_at_its_stated_concurrency() -> None:
    points = [
        {"decode_tokens_per_second": 300.0, "concurrency": 8.0},
        {"decode_tokens_per_second": 1_200.0, "concurrency": 64.0},
    ]
    stated = {"serving": {"points": points, "concurrency": 16}}
    assert serving.replica_concurrency(stated, {}) == 16.0
    # Not stated: the highest concurrency measured.
    assert serving.replica_concurrency({"serving": {"points": points}}, {}) == 64.0


def test_a_requests_context_is_its_input_and_output_tokens() -> None:
    rag = SimpleNamespace(input_tokens_per_request=4_000, output_tokens_per_request=300)
    assert shapes.shape_context_tokens(rag) == 4_300
    unknown = SimpleNamespace(input_tokens_per_request=4_000, output_tokens_per_request=None)
    assert shapes.shape_context_tokens(unknown) is None


def test_a_sweep_configs_model_figures_are_checked_and_kept() -> None:
    field = "selfhost[0]"
    kept = sweeps._model_fields(
        field, {"model_name": " Llama ", "context_tokens": 8_192, "concurrent_sequences": 64}
    )
    assert kept == {"model_name": "Llama", "context_tokens": 8_192, "concurrent_sequences": 64}
    with pytest.raises(sweeps.SweepSpecError) as refused:
        sweeps._model_fields(field, {"model_name": "Llama", "concurrent_sequences": 5_000})
    assert (refused.value.field, refused.value.message) == (
        "selfhost[0].concurrent_sequences",
        "must be at most 4,096",
    )
