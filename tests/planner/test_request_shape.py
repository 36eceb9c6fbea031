"""A workload's request shape through a plan (issue 15 items 2 and 3): the input share
follows from it, costs per request on the page and in the CSV, and a benchmark's prefill
and decode rates and latency size the self-hosted fleet."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from planner import services
from planner.bridge.plans import build_inputs
from planner.models import Workload
from tests.factories import VLLM_BENCHMARK_FILE, private_profile_in
from tests.planner.conftest import case4_options, gpu_offer, make_plan

pytestmark = pytest.mark.django_db
SECONDS_A_MONTH = 720 * 3_600  # 2,592,000


def _workload(cast, **fields) -> Workload:
    return services.workload_create(
        organization=cast.org,
        actor=cast.owner,
        **{"name": "Shaped", "tokens_per_month": 1_000_000_000, **fields},
    )


def test_a_preset_fills_the_shape_and_the_input_share_follows(cast):
    # RAG: 4,000 in / 300 out, input share 4,000 / 4,300 = 0.930232... -> 0.93023 stored.
    workload = _workload(cast, request_preset="rag", input_share=Decimal("0.5"))
    assert (workload.input_tokens_per_request, workload.output_tokens_per_request) == (4000, 300)
    assert workload.input_share == Decimal("0.93023")


def test_shape_figures_must_come_in_pairs_and_agree_with_a_preset(cast):
    with pytest.raises(ValidationError) as error:
        _workload(cast, input_tokens_per_request=1000)
    assert "output_tokens_per_request" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _workload(
            cast, request_preset="rag", input_tokens_per_request=1000, output_tokens_per_request=9
        )
    assert "4,000 input and 300 output" in error.value.message_dict["request_preset"][0]
    with pytest.raises(ValidationError) as error:
        _workload(cast, request_preset="sonnet")
    assert "request_preset" in error.value.message_dict


def test_costs_per_request_on_the_page_and_in_the_csv(cast, reference_version):
    # Worked case 4's options with a RAG workload of 1B tokens: GPT-5 costs
    # 4,000 x $1.25/M + 300 x $10/M = $0.008 a request, $8 per 1,000 requests; 1B tokens
    # are 1e9 / 4,300 = 232,558 requests a month (7,752 a day).
    workload = _workload(cast, request_preset="rag")
    plan = make_plan(cast.org, cast.owner, reference_version, workload=workload)
    comparison = services.plan_compute(plan=plan, actor=cast.owner)
    results = comparison.results
    assert results["request_shape"] == {"input_tokens": 4000.0, "output_tokens": 300.0}
    assert results["requests_per_month"] == round(1e9 / 4_300, 2)
    gpt5 = next(o for o in results["options"] if o["name"].startswith("GPT-5"))
    assert gpt5["cost_per_request"] == 0.008
    assert gpt5["cost_per_1k_requests"] == 8.0
    assert gpt5["monthly"]["expected"] == round(1e9 / 4_300 * 0.008, 2)  # $1,860.47
    page = cast.client_for(cast.owner).get(reverse("planner:plan_detail", args=[plan.pk]))
    text = page.content.decode()
    assert "Cost per request" in text
    assert "232,558 a month" in text
    assert f'data-option="{gpt5["name"]}" data-per-1k="8.0"' in text
    response = cast.client_for(cast.owner).get(reverse("planner:plan_csv", args=[plan.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = rows.index(
        [
            "option",
            "per_mtok_usd",
            "per_request_usd",
            "per_1k_requests_usd",
            "p99_latency_s",
            "latency_source",
            "concurrency",
        ]
    )
    by_name = {row[0]: row for row in rows[header + 1 : header + 1 + len(results["options"])]}
    assert by_name[gpt5["name"]][2:4] == ["0.008", "8.0"]
    # The API keeps the catalog's p99; the self-hosted option states no concurrency, so
    # its p99 is the catalog's 3.8 s too, and says so.
    llama = next(o for o in results["options"] if o["kind"] == "selfhost")
    assert (llama["p99_latency_s"], llama["latency_source"]) == (3.8, "catalog")
    assert by_name[llama["name"]][4:6] == ["3.8", "catalog"]


def _vllm_run(**changes) -> bytes:
    data = json.loads(VLLM_BENCHMARK_FILE.read_text())
    data.update(changes)
    return json.dumps(data).encode()


def _benchmark_plan(cast, version, workload):
    own = private_profile_in(cast.org, name="c16")  # 16 in flight (the fixture file)
    return services.plan_create(
        organization=cast.org,
        actor=cast.owner,
        name="On our runs",
        workload=workload,
        catalog_version=version,
        options=[
            {
                "kind": "selfhost",
                "model_name": "Llama 3.1 8B",
                "gpu_offer": gpu_offer(version),
                "private_throughput_profile": own,
            }
        ],
    )


# The fixture run: 16 requests of 1,024 in / 256 out at 16 in flight, 4.8828 requests/s:
# 5,000 input and 1,250 output tok/s; TTFT median 0.258206 s (p99 0.41927195 s), TPOT
# median 0.0121676196 s (p99 0.0123199880 s).
TTFT, TTFT99, TPOT, TPOT99 = 0.258206, 0.41927195, 0.012167619607843136, 0.01231998803921568


def test_a_benchmark_at_its_own_shape_serves_its_measured_throughput(cast, reference_version):
    # At the run's own shape the split rates give back 5,000 + 1,250 = 6,250 tok/s, so
    # one replica carries 6,250 x 2,592,000 = 16.2B tokens a month: 10B take 1 replica
    # ($1,440), where the output rate for every token (1,250, 3.24B) took 4 ($5,760).
    workload = _workload(
        cast,
        tokens_per_month=10_000_000_000,
        input_tokens_per_request=1024,
        output_tokens_per_request=256,
    )
    plan = _benchmark_plan(cast, reference_version, workload)
    result = services.plan_compute(plan=plan, actor=cast.owner).results["options"][0]
    assert result["serving"]["tokens_per_second"] == pytest.approx(6_250.0, abs=1e-4)
    assert result["capacity_tokens_per_month"] == round(6_250 * SECONDS_A_MONTH)
    assert result["replicas"] == 1
    assert result["monthly"]["expected"] == 1440.0
    # Latency from the run's own measurements at 16 in flight: end to end p50 =
    # 0.258206 + 256 x 0.0121676 = 3.3731 s; p99 = 0.419272 + 256 x 0.0123200 = 3.5732 s,
    # in place of the catalog-wide 3.8 s.
    latency = result["serving"]["latency"]
    assert latency["measured"] is True
    assert latency["e2e_p50_s"] == round(TTFT + 256 * TPOT, 4)
    assert latency["e2e_p99_s"] == round(TTFT99 + 256 * TPOT99, 4)
    assert result["p99_latency_s"] == round(TTFT99 + 256 * TPOT99, 4)
    assert result["latency_source"] == "estimate"
    assert result["serving"]["concurrency"] == 16


def test_a_latency_target_resizes_between_two_benchmark_runs(cast, reference_version):
    # A second run of the same setup at 4 in flight: 16 requests in 8.192 s, 1.953125
    # requests/s, 2,000 input and 500 output tok/s, TTFT 0.080 s (p99 0.120 s), TPOT
    # 0.0078 s (p99 0.0080 s).
    from pricing.services import private_profile_import

    private_profile_import(
        organization=cast.org,
        actor=None,
        content=_vllm_run(
            max_concurrency=4,
            duration=8.192,
            request_throughput=1.953125,
            output_throughput=500.0,
            total_token_throughput=2500.0,
            median_ttft_ms=80.0,
            p99_ttft_ms=120.0,
            median_tpot_ms=7.8,
            p99_tpot_ms=8.0,
        ),
        source_format="vllm_benchmark_serving",
        filename="c4.json",
        name="c4",
        model_name="Open model 8B",
        gpu_sku="H100 80GB",
        gpu_count=1,
        precision="fp16",
    )
    # A 2.5 s end-to-end p99 target. Both runs measured 1,024-token prompts, so between
    # them p99 = TTFT p99 + 256 x TPOT p99 interpolates linearly in u = (c - 4) / 12:
    # 0.120 + 256 x 0.0080 = 2.168 s at 4, 3.5732 s at 16 -> 2.168 + 1.40519 u <= 2.5
    # for u <= 0.2363, c <= 6.84: each replica runs 6 in flight instead of 16.
    workload = _workload(
        cast,
        tokens_per_month=10_000_000_000,
        input_tokens_per_request=1024,
        output_tokens_per_request=256,
        latency_p99_target_s=Decimal("2.5"),
    )
    plan = _benchmark_plan(cast, reference_version, workload)
    comparison = services.plan_compute(plan=plan, actor=cast.owner)
    result = comparison.results["options"][0]
    serving = result["serving"]
    assert (serving["concurrency"], serving["planned_concurrency"]) == (6, 16)
    assert serving["resized_for"] == ["e2e_p99"]
    assert serving["unmet_targets"] == []

    # Each run split into prefill and decode (s = TTFT / (TTFT + 256 TPOT)):
    #   c16: s = 0.258206 / 3.373117 -> prefill 5,000 / s, decode 1,250 / (1 - s);
    #   c4:  s = 0.080 / 2.0768      -> prefill 2,000 / s, decode   500 / (1 - s).
    # At 6, a sixth of the way: 1,280 / (1,024 / P + 256 / D) = 3,141.9 tok/s, 8.14B a
    # month, so 10B tokens take 2 replicas ($2,880) instead of 1.
    def split(inputs: float, outputs: float, ttft: float, tpot: float) -> tuple[float, float]:
        share = ttft / (ttft + 256 * tpot)
        return inputs / share, outputs / (1 - share)

    p16, d16 = split(5_000, 1_250, TTFT, TPOT)
    p4, d4 = split(2_000, 500, 0.080, 0.0078)
    prefill, decode = p4 + (p16 - p4) / 6, d4 + (d16 - d4) / 6
    rate = 1_280 / (1_024 / prefill + 256 / decode)
    assert serving["tokens_per_second"] == pytest.approx(rate, abs=1e-4)
    assert rate == pytest.approx(3_141.9, abs=0.05)
    assert result["replicas"] == 2
    assert result["monthly"]["expected"] == 2880.0
    assert result["p99_latency_s"] <= 2.5
    # The recommendation says why, and the snapshot holds the one concurrency a KV-cache
    # size reads.
    reasons = comparison.results["recommendation"]["reasons"]
    assert any(r["code"] == "resized_for_latency" for r in reasons)
    assert build_inputs(plan)["options"][0]["selfhost"]["concurrency"] == 6
    page = cast.client_for(cast.owner).get(reverse("planner:plan_detail", args=[plan.pk]))
    text = page.content.decode()
    assert "runs each replica at concurrency 6 instead of 16" in text
    assert "lowered from 16 to meet the p99 target" in text


def test_without_a_shape_the_plan_is_as_before(cast, reference_version):
    # Worked case 4 (1,500 tok/s on one A100: 3.888B a month, $1,440) keeps its figures.
    plan = make_plan(
        cast.org, cast.owner, reference_version, options=case4_options(reference_version)
    )
    results = services.plan_compute(plan=plan, actor=cast.owner).results
    llama = next(o for o in results["options"] if o["kind"] == "selfhost")
    assert llama["capacity_tokens_per_month"] == 3_888_000_000
    assert llama["monthly"]["expected"] == 1440.0
    assert "serving" not in llama
    assert "request_shape" not in results
    assert "cost_per_request" not in llama
