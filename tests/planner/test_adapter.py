"""The adapter: catalog rows -> engine inputs, and the reference worked cases 4 and 5."""

from __future__ import annotations

from decimal import Decimal

import pytest

from planner import services
from planner.bridge import plans as adapter
from planner.engine.api import ApiOffer as EngineApiOffer
from planner.export_views import plan_csv_rows
from pricing.models import ThroughputProfile
from tests.planner.conftest import api_offer, case4_options, make_plan

pytestmark = pytest.mark.django_db


def option_named(results, prefix):
    return next(o for o in results["options"] if o["name"].startswith(prefix))


def test_output_only_offer_maps_to_an_engine_offer_without_input_price(cast, reference_version):
    plan = make_plan(
        cast.org,
        cast.owner,
        reference_version,
        options=[
            {
                "kind": "api",
                "api_offer": api_offer(reference_version, "DeepSeek V4 Flash", "global-2026"),
            }
        ],
        tokens_per_month=None,
        tokens_per_day=1_000_000,
    )
    inputs = adapter.build_inputs(plan)
    offer = adapter.engine_api_offer(inputs["options"][0]["api"])
    assert isinstance(offer, EngineApiOffer)
    assert offer.input_per_mtok is None
    assert offer.output_per_mtok == 0.25
    # Worked case 1: 1M tokens/day x 30 days at $0.25 on all tokens. The reference README
    # prints $12.50, an arithmetic slip (the engine's own test pins $7.50: 30M x $0.25/M).
    results = adapter.evaluate(inputs)
    assert results["options"][0]["monthly"]["expected"] == 7.50
    assert results["options"][0]["output_only"] is True


def test_hourly_offer_becomes_a_monthly_cost_of_720_hours(cast, reference_version):
    plan = make_plan(cast.org, cast.owner, reference_version)
    inputs = adapter.build_inputs(plan)
    selfhost = inputs["options"][3]["selfhost"]
    assert selfhost["pricing"] == {"type": "on_demand", "hourly": [2.0, 2.0]}
    assert inputs["hours_per_month"] == 720.0
    # The stored snapshot names the fleet's kind, rate and instance as the engine reads them.
    depth = selfhost["depth"]
    assert (depth["kind"], depth["pricing_type"], depth["gpus_per_instance"]) == (
        "rented",
        "on_demand",
        1,
    )
    results = adapter.evaluate(inputs)
    assert option_named(results, "Llama")["breakdown"]["gpu"]["expected"] == 1440.00


def test_gpu_count_scales_the_offer_price_per_replica(cast, reference_version):
    plan = make_plan(
        cast.org,
        cast.owner,
        reference_version,
        options=case4_options(reference_version, gpu_count=2, tokens_per_second=1500),
    )
    results = adapter.evaluate(adapter.build_inputs(plan))
    assert option_named(results, "Llama")["monthly"]["expected"] == 2880.00


def test_throughput_profile_selection(reference_version):
    profiles = list(ThroughputProfile.objects.filter(version=reference_version))

    def pick(model, params, sku, count, precision):
        return adapter.pick_throughput_profile(
            profiles,
            model_name=model,
            params_b=params,
            gpu_sku=sku,
            gpu_count=count,
            precision=precision,
        )

    # The named model wins over a same-sized one.
    assert pick("Llama 3.3 70B", 70, "NVIDIA A100 80GB", 1, "int4").setup.startswith(
        "Llama 3.3 70B"
    )
    # By size, GPU and count: the vLLM benchmark row for 2x A100.
    chosen = pick("Llama 3.1 70B", 70, "NVIDIA A100 80GB", 2, "fp8")
    assert chosen.aggregate_output_tok_s == Decimal("663")
    assert adapter.profile_tokens_per_second(chosen, gpu_count=2)[0] == 663.0
    # Per-GPU figures scale with the count; no profile for an unknown GPU.
    h200 = pick("Some 70B model", 70, "NVIDIA H200 141GB", 1, "fp8")
    assert h200.output_tok_s_per_gpu is not None
    assert pick("Llama 3.3 70B", 70, "NVIDIA L4", 1, "fp16") is None


def test_case4_stored_comparison_reproduces_the_reference_to_the_cent(cast, reference_version):
    plan = make_plan(cast.org, cast.owner, reference_version)
    comparison = services.plan_compute(plan=plan, actor=cast.owner)
    results = comparison.results
    llama = option_named(results, "Llama 3.3 70B")
    assert llama["monthly"] == {"low": 1440.00, "expected": 1440.00, "high": 1440.00}
    assert llama["tokens_per_second"] == 1500.0
    assert llama["capacity_tokens_per_month"] == 3_888_000_000
    assert llama["replicas"] == 1
    breakevens = {b["api_option"].split(" (")[0]: b for b in llama["breakevens"]}
    assert breakevens["GPT-5"]["tokens_per_month"] == 256_000_000
    # ~2.10B: $1,440 / $0.685 per 1M = 2,102,189,781.02 tokens; the first whole token at
    # which self-hosting costs no more is the next one.
    assert breakevens["DeepSeek V3.2"]["tokens_per_month"] == 2_102_189_782
    assert breakevens["DeepSeek V3.2"]["one_deployment"] is True
    assert breakevens["Gemini 2.5 Flash"]["tokens_per_month"] == 3_840_000_000
    # At 1B tokens/month GPT-5 costs $5,625 (self-host 3.9x cheaper).
    assert option_named(results, "GPT-5")["monthly"]["expected"] == 5625.00
    assert comparison.cheapest_option.startswith("Gemini 2.5 Flash")
    assert comparison.cheapest_monthly == Decimal("375.00")
    assert comparison.catalog_version_id == reference_version.pk
    assert comparison.number == 1
    # Recommendation with its reasons: 33M/day is under the 50M/day rule.
    codes = [r["code"] for r in results["recommendation"]["reasons"]]
    assert {"volume_tier", "under_50m_per_day", "five_questions"} <= set(codes)
    # Monte Carlo is seeded: the same snapshot gives the same percentiles.
    assert adapter.evaluate(comparison.inputs) == results
    # Curves for the charts: 40 log-spaced volumes around the workload volume.
    curve = results["curves"]["volume"]
    assert len(curve["volumes"]) == 40
    assert curve["volumes"][0] == 100_000_000
    assert curve["volumes"][-1] == 10_000_000_000
    assert all(len(s["values"]) == 40 for s in curve["series"])


def test_case5_hidden_costs_make_deepseek_unreachable(cast, reference_version):
    plan = make_plan(
        cast.org,
        cast.owner,
        reference_version,
        options=case4_options(
            reference_version, labor_hours_per_month=15, other_monthly=Decimal(300)
        ),
        engineer_hourly_rate=Decimal(100),
    )
    comparison = services.plan_compute(plan=plan, actor=cast.owner)
    llama = option_named(comparison.results, "Llama 3.3 70B")
    assert llama["monthly"]["expected"] == 3240.00
    assert llama["breakdown"]["labor"]["expected"] == 1500.00
    assert llama["breakdown"]["other"]["expected"] == 300.00
    breakevens = {b["api_option"].split(" (")[0]: b for b in llama["breakevens"]}
    assert breakevens["GPT-5"]["tokens_per_month"] == 576_000_000
    # One deployment ($3,240) would need 3,240 / 0.685 x 1M = 4.73B tokens, beyond its
    # 3.888B capacity: it never breaks even. Two replicas cost 2 x 1,440 + 1,800 = 4,680,
    # which DeepSeek charges at 4,680 / 0.685 x 1M = 6,832,116,788.3 tokens.
    deepseek = breakevens["DeepSeek V3.2"]
    assert deepseek["one_deployment"] is False
    assert deepseek["replicas"] == 2
    assert deepseek["tokens_per_month"] == 6_832_116_789
    assert deepseek["reachable"] is True
    assert "reason" not in deepseek  # stored results hold numbers; the CSV has the words
    why = {
        row[1].split(" (")[0]: row[4]
        for row in plan_csv_rows(plan)
        if row[:1] == [llama["name"]] and len(row) == 5
    }
    assert "(capacity 3.888B tokens/month) never costs less than DeepSeek" in why["DeepSeek V3.2"]
    assert "with 2 replicas it does from 6.832B" in why["DeepSeek V3.2"]


def test_itemized_catalog_hidden_costs_give_a_low_high_range(cast, reference_version):
    from tests.planner.conftest import hidden_item

    options = case4_options(reference_version)
    options[3]["hidden_costs"] = [hidden_item(reference_version, "Monitoring")]
    plan = make_plan(cast.org, cast.owner, reference_version, options=options)
    llama = option_named(services.plan_compute(plan=plan, actor=cast.owner).results, "Llama")
    assert llama["breakdown"]["hidden_items"] == {"low": 50.0, "expected": 125.0, "high": 200.0}
    assert llama["monthly"] == {"low": 1490.0, "expected": 1565.0, "high": 1640.0}


def test_hybrid_case8_premium_share_is_priced(cast, reference_version):
    options = case4_options(reference_version)
    options.append(
        {
            "kind": "hybrid",
            "api_offer": api_offer(reference_version, "GPT-5", "feb-2026"),
            "cheap_ref": 3,
            "routed_share": Decimal("0.99"),
            "escalation_rate": Decimal(0),
        }
    )
    plan = make_plan(cast.org, cast.owner, reference_version, options=options)
    hybrid = option_named(services.plan_compute(plan=plan, actor=cast.owner).results, "Hybrid")
    # 1% of 1B = 10M tokens to GPT-5 at 50/50 -> $56.25 on top of the $1,440 self-host.
    assert hybrid["breakdown"]["premium_api"]["expected"] == 56.25
    assert hybrid["monthly"]["expected"] == 1496.25
