"""Importing a serving-benchmark result file as a private throughput profile (issue 15 item 4).

The fixture `data/vllm_benchmark_serving_llama8b_h100.json` has the exact keys vLLM's
`benchmark_serving.py --save-result` writes (settings, measurements, per-request lists,
mean/median/std/p99 of ttft, tpot and itl, even the "request_goodput:" key with its colon):
16 prompts of 1,024 input and 256 output tokens, max_concurrency 16, in 3.2768 s.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from accounts.tenancy import system_scope
from pricing.benchmarks import BenchmarkFileError, parse_vllm_serving
from pricing.models import PrivateThroughputProfile
from pricing.services import private_profile_import
from tests.factories import VLLM_BENCHMARK_FILE, OrganizationFactory


def _doc() -> dict[str, Any]:
    return json.loads(VLLM_BENCHMARK_FILE.read_bytes())


def _bytes(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc).encode()  # json writes float("nan") as NaN, as vLLM's script would


def test_vllm_file_figures():
    run = parse_vllm_serving(VLLM_BENCHMARK_FILE.read_bytes())
    # 4,096 output tokens / 3.2768 s = 1,250 tok/s; 16,384 input tokens / 3.2768 s = 5,000.
    assert run.output_tok_s == 1250.0
    assert run.input_tok_s == 5000.0
    assert run.total_tok_s == 6250.0
    assert run.request_throughput == 4.8828125  # 16 / 3.2768
    assert run.concurrency == 16
    assert run.request_rate is None  # "inf": every request sent at once
    assert run.mean_input_tokens == 1024
    assert run.mean_output_tokens == 256
    assert run.model_id == "meta-llama/Llama-3.1-8B-Instruct"
    assert run.run_at is not None
    assert run.run_at.isoformat() == "2026-11-18T14:22:33"
    assert run.latency_ms["p99_ttft_ms"] == pytest.approx(419.27195)
    assert set(run.latency_ms) >= {"median_ttft_ms", "p99_tpot_ms", "median_tpot_ms", "p99_itl_ms"}
    # The per-request lists and texts are not stored.
    assert "ttfts" not in run.raw
    assert "generated_texts" not in run.raw
    assert run.raw["output_throughput"] == 1250.0


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda d: d.pop("output_throughput"), "output_throughput", "missing"),
        (lambda d: d.update(output_throughput="1250"), "output_throughput", "must be a number"),
        (lambda d: d.update(output_throughput=math.nan), "output_throughput", "finite"),
        (lambda d: d.update(output_throughput=math.inf), "output_throughput", "finite"),
        (lambda d: d.update(output_throughput=0), "output_throughput", "greater than zero"),
        (lambda d: d.update(output_throughput=True), "output_throughput", "must be a number"),
        (lambda d: d.pop("duration"), "duration", "missing"),
        (lambda d: d.update(total_input_tokens=-1), "total_input_tokens", ">= 0"),
        (lambda d: d.update(completed=2.5), "completed", "whole number"),
        (lambda d: d.update(max_concurrency="16"), "max_concurrency", "must be a number"),
        (lambda d: d.update(p99_ttft_ms=math.nan), "p99_ttft_ms", "finite"),
        (lambda d: d.update(date="yesterday"), "date", "YYYYMMDD-HHMMSS"),
        (lambda d: d.update(model_id=8), "model_id", "text"),
    ],
)
def test_malformed_field_is_named(change, field, words):
    doc = _doc()
    change(doc)
    with pytest.raises(BenchmarkFileError) as caught:
        parse_vllm_serving(_bytes(doc))
    assert caught.value.field == field
    assert words in caught.value.message


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"not json", "not JSON"), (b"[1, 2]", "JSON object"), (b"\xff\xfe", "UTF-8")],
)
def test_unreadable_file(content, words):
    with pytest.raises(BenchmarkFileError) as caught:
        parse_vllm_serving(content)
    assert caught.value.field == "file"
    assert words in caught.value.message


def test_unbounded_concurrency_and_numeric_rate():
    doc = _doc()
    doc.update(max_concurrency=None, request_rate=8.0)
    run = parse_vllm_serving(_bytes(doc))
    assert run.concurrency is None
    assert run.request_rate == 8.0


IMPORT = {
    "source_format": "vllm_benchmark_serving",
    "model_name": "Llama 3.1 8B",
    "gpu_sku": "H100 80GB",
    "gpu_count": 1,
    "precision": "fp16",
}


@pytest.mark.django_db
def test_import_stores_the_run():
    org = OrganizationFactory()
    with system_scope("test"):
        profile = private_profile_import(
            organization=org,
            actor=None,
            content=VLLM_BENCHMARK_FILE.read_bytes(),
            filename="run.json",
            **IMPORT,
        )
        profile.refresh_from_db()
    assert profile.organization == org
    assert profile.output_tok_s == Decimal("1250")
    assert profile.input_tok_s == Decimal("5000")
    assert profile.request_throughput == Decimal("4.882813")  # 4.8828125 to 6 places
    assert profile.concurrency == 16
    assert profile.completed_requests == 16
    assert profile.mean_input_tokens == Decimal(1024)
    assert profile.ttft_p99_ms == Decimal("419.27195")
    assert profile.tpot_median_ms is not None
    assert profile.figures["total_output_tokens"] == 4096
    assert profile.name == "Llama 3.1 8B on 1x H100 80GB (fp16), concurrency 16, 2026-11-18"
    assert profile.source_label.startswith("your benchmark 2026-11-18")
    assert profile.source_filename == "run.json"


@pytest.mark.django_db
def test_malformed_file_writes_nothing():
    org = OrganizationFactory()
    doc = _doc()
    del doc["output_throughput"]
    with system_scope("test"), pytest.raises(ValidationError) as caught:
        private_profile_import(organization=org, actor=None, content=_bytes(doc), **IMPORT)
    assert caught.value.message_dict == {"file": ["Field 'output_throughput' is missing."]}
    with system_scope("test"):
        assert not PrivateThroughputProfile.objects.exists()


@pytest.mark.django_db
def test_stated_fields_are_checked():
    org = OrganizationFactory()
    with system_scope("test"), pytest.raises(ValidationError) as caught:
        private_profile_import(
            organization=org,
            actor=None,
            content=VLLM_BENCHMARK_FILE.read_bytes(),
            **{**IMPORT, "precision": "fp4"},
        )
    assert "precision" in caught.value.message_dict


@pytest.mark.django_db
def test_names_are_unique_per_organization():
    org, other = OrganizationFactory(), OrganizationFactory()
    content = VLLM_BENCHMARK_FILE.read_bytes()
    with system_scope("test"):
        private_profile_import(organization=org, actor=None, content=content, name="A", **IMPORT)
        private_profile_import(organization=other, actor=None, content=content, name="A", **IMPORT)
        with pytest.raises(ValidationError) as caught:
            private_profile_import(
                organization=org, actor=None, content=content, name="A", **IMPORT
            )
    assert "name" in caught.value.message_dict


# --- GuideLLM ----------------------------------------------------------------------------
# `data/guidellm_report_qwen7b_l4.json` follows GuideLLM's report layout (report version 2:
# metadata, config, benchmarks[] with config.strategy, scheduler_state, scheduler_metrics,
# metrics.<name>.{successful, incomplete, errored, total}.{mean, ..., percentiles}); its
# per-request lists are left empty. Two runs of 60 s at 512 input / 128 output tokens a
# request: 8 streams (240 requests), 16 streams (480 requests).

GUIDELLM_FILE = VLLM_BENCHMARK_FILE.parent / "guidellm_report_qwen7b_l4.json"


def _guidellm() -> dict[str, Any]:
    return json.loads(GUIDELLM_FILE.read_bytes())


def test_guidellm_run_figures():
    from pricing.benchmarks import parse_guidellm_report

    run = parse_guidellm_report(GUIDELLM_FILE.read_bytes(), 2)
    # Run 2: 480 x 128 = 61,440 output tokens in 60 s = 1,024 tok/s (the report's mean);
    # 480 x 512 = 245,760 input tokens / 60 s = 4,096 tok/s; 480 / 60 s = 8 requests/s.
    assert run.output_tok_s == 1024.0
    assert run.input_tok_s == 4096.0
    assert run.request_throughput == 8.0
    assert run.concurrency == 16
    assert run.completed_requests == 480
    assert run.model_id == "Qwen/Qwen2.5-7B-Instruct"
    assert run.run_at is not None
    assert run.run_at.timestamp() == 1794832870.0
    assert {"median_ttft_ms", "p99_ttft_ms", "median_tpot_ms", "p99_tpot_ms"} <= set(run.latency_ms)
    assert run.latency_ms["p99_tpot_ms"] > run.latency_ms["median_tpot_ms"] > 12


def test_guidellm_report_with_several_runs_needs_a_choice():
    from pricing.benchmarks import parse_guidellm_report

    with pytest.raises(BenchmarkFileError) as caught:
        parse_guidellm_report(GUIDELLM_FILE.read_bytes())
    assert caught.value.field == "benchmarks"
    assert "holds 2 runs" in caught.value.message
    with pytest.raises(BenchmarkFileError):
        parse_guidellm_report(GUIDELLM_FILE.read_bytes(), 3)
    assert parse_guidellm_report(GUIDELLM_FILE.read_bytes(), 1).concurrency == 8


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            lambda d: d["benchmarks"][1]["metrics"].pop("output_tokens_per_second"),
            "benchmarks[1].metrics.output_tokens_per_second",
            "missing",
        ),
        (
            lambda d: d["benchmarks"][1]["metrics"]["output_tokens_per_second"][
                "successful"
            ].update(mean=math.nan),
            "benchmarks[1].metrics.output_tokens_per_second.successful.mean",
            "finite",
        ),
        (
            lambda d: d["benchmarks"][1]["metrics"]["prompt_token_count"]["successful"].update(
                total_sum="lots"
            ),
            "benchmarks[1].metrics.prompt_token_count.successful.total_sum",
            "must be a number",
        ),
        (
            lambda d: d["benchmarks"][1]["config"]["strategy"].update(streams=0),
            "benchmarks[1].config.strategy.streams",
            "greater than zero",
        ),
        (lambda d: d.update(benchmarks=[]), "benchmarks", "non-empty"),
    ],
)
def test_guidellm_malformed_field_is_named(change, field, words):
    from pricing.benchmarks import parse_guidellm_report

    doc = _guidellm()
    change(doc)
    with pytest.raises(BenchmarkFileError) as caught:
        parse_guidellm_report(_bytes(doc), 2)
    assert caught.value.field == field
    assert words in caught.value.message


@pytest.mark.django_db
def test_guidellm_import_picks_the_run():
    org = OrganizationFactory()
    with system_scope("test"):
        profile = private_profile_import(
            organization=org,
            actor=None,
            content=GUIDELLM_FILE.read_bytes(),
            **{**IMPORT, "source_format": "guidellm_report"},
            benchmark=2,
        )
        with pytest.raises(ValidationError) as caught:
            private_profile_import(
                organization=org,
                actor=None,
                content=GUIDELLM_FILE.read_bytes(),
                **{**IMPORT, "source_format": "guidellm_report"},
                name="no choice",
            )
    assert profile.output_tok_s == Decimal(1024)
    assert profile.concurrency == 16
    assert profile.figures["benchmark"] == 2
    assert caught.value.message_dict == {
        "file": ["Field 'benchmarks' holds 2 runs: choose one (benchmark 1 to 2)."]
    }
